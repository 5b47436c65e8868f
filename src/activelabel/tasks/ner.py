"""Named-entity spans: ``[{"start": 0, "end": 5, "label": "PER"}, ...]``.

Spans are character offsets into the item's text, ``start < end``, and never
overlap. The item's tokens (kept from a token format, else its text tokenized
as its language says: :mod:`activelabel.tasks.spans`) are where a span may
start and end; the page snaps selections to them and the formats check them.
A suggested span (a prelabel) also carries ``source`` (``dictionary``,
``model`` or ``prediction``) and ``confidence``; a stored label never does.

The loop learns spans with a model over token sequences (``crf_sequence``: a
CRF tagging each token in IOB2) once :data:`MIN_TRAINING_SENTENCES` sentences
are labeled and one of them holds a span; sentences are ordered by the
sentence strategies (:data:`SENTENCE_STRATEGIES`, the first is the default)
and the model is scored by entity-level F1.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.adapter import (
    EditorAction,
    LabeledObjects,
    ModelFamily,
    TextLayout,
    check_number,
    json_cell,
    labeled_objects,
)
from activelabel.tasks.kinds import TaskKind
from activelabel.tasks.spans.tokenization import item_tokens

if TYPE_CHECKING:
    import numpy as np

    from activelabel.project_config import ProjectConfig

__all__ = ["MIN_TRAINING_SENTENCES", "SENTENCE_STRATEGIES", "Ner"]

#: Labeled sentences before a first sequence model: fewer teach a CRF nothing
#: it could suggest, and cross-validation needs two folds of two.
MIN_TRAINING_SENTENCES: Final = 5

#: The strategies that order sentences (``activelabel.al.sentence_strategies``),
#: the default first. A label costs one sentence, and a long sentence holds
#: more entities to learn from: the total token entropy keeps the length in.
#: On conll2003 (benchmarks/bench_ner_loop.py, 5 seeds) it reached random's
#: entity F1 at 300 sentences (0.659) with 190, and 0.706 at 300; MNLP,
#: normalised by the length, picks short sentences and ended below random
#: (0.640 at 300).
SENTENCE_STRATEGIES: Final = (
    "total_token_entropy",
    "least_confidence",
    "mnlp",
    "token_entropy",
    "dictionary_disagreement",
)

#: The span editor's keys (Enter, the page's accept, submits the spans).
SPAN_KEYS: tuple[EditorAction, ...] = (
    EditorAction(
        "token_previous", ("ArrowLeft",), "Move the token cursor back (reading order)"
    ),
    EditorAction(
        "token_next", ("ArrowRight",), "Move the token cursor on (reading order)"
    ),
    EditorAction(
        "extend_previous", ("Shift+ArrowLeft",), "Extend the selection back a token"
    ),
    EditorAction(
        "extend_next", ("Shift+ArrowRight",), "Extend the selection a token on"
    ),
    EditorAction(
        "delete_span", ("Delete",), "Remove the span (or prelabel) under the cursor"
    ),
)


class Ner(LabeledObjects):
    """Entity spans in a text; a sequence model learns them in the loop."""

    kind: TaskKind = TaskKind.NER
    editor: str = "ner"
    model_family: ModelFamily | None = "crf_sequence"
    score_metric: str = "entity_f1"
    # Successive models are compared by their entity F1, not by agreement on
    # a stop set of whole-item predictions.
    stopping_signal: bool = False
    strategies: tuple[str, ...] = SENTENCE_STRATEGIES
    reads: tuple[str, ...] = ("conll", "jsonl", "json", "labelstudio", "lines")
    writes: tuple[str, ...] = (
        "conll",
        "conll-iob1",
        "conll-bioes",
        "spacy",
        "labelstudio",
        "csv",
        "jsonl",
        "parquet",
    )
    editor_actions: tuple[EditorAction, ...] = SPAN_KEYS
    agreement: str = "exact_spans"

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """Non-overlapping spans with whole-number offsets ``0 <= start < end``.

        Keys other than ``start``, ``end`` and ``label`` (a prelabel's
        ``source`` and ``confidence``) are dropped.
        """
        spans: list[dict[str, Any]] = []
        for spot, obj, label in labeled_objects(value, labels, "ner", where):
            start, end = (
                check_number(obj, "start", spot),
                check_number(obj, "end", spot),
            )
            if not (start.is_integer() and end.is_integer()) or not 0 <= start < end:
                raise InvalidLabelError(
                    f"{spot}: a span needs whole numbers 0 <= start < end, "
                    f"got start={obj.get('start')!r}, end={obj.get('end')!r}."
                )
            spans.append({"start": int(start), "end": int(end), "label": label})
        spans.sort(key=lambda s: (s["start"], s["end"]))
        for before, after in itertools.pairwise(spans):
            if after["start"] < before["end"]:
                raise InvalidLabelError(
                    f"{where}: span {after['start']}–{after['end']} ({after['label']}) "
                    f"overlaps span {before['start']}–{before['end']} "
                    f"({before['label']}); spans may not overlap."
                )
        return spans

    def parse_cell(self, labels: Sequence[str], raw: Any, *, where: str) -> Any | None:
        """A cell holding the spans as JSON; blank for none."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return self.validate(labels, json_cell(raw, "ner", where), where=where)

    def quick_labels(self, labels: Sequence[str]) -> frozenset[str]:
        """None: every cell is parsed."""
        return frozenset()

    def can_train(self, values: Sequence[Any]) -> bool:
        """Enough labeled sentences (a sentence with no entity counts) and a span."""
        return len(values) >= MIN_TRAINING_SENTENCES and any(
            isinstance(v, list) and v for v in values
        )

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """Never called: a sequence model's suggestions are spans, decoded from
        its marginals by the span round (``activelabel.loop.span_round``)."""
        raise NotImplementedError(
            "Span suggestions come from the sequence model's marginals, not "
            "from class probabilities."
        )

    def text_layout(
        self, settings: ProjectConfig, data: Mapping[str, Any], text: str | None
    ) -> TextLayout | None:
        """The item's reading direction and its tokens, for the span editor."""
        direction, tokenization = settings.text_layout(data)
        if text is None:
            return {"direction": direction, "tokens": []}
        try:
            tokens = item_tokens(data, text, tokenization)
        except InvalidLabelError:
            # Kept tokens that do not match the text (edited outside): fall back
            # to the text's own tokens rather than refuse to show the item.
            tokens = item_tokens({}, text, tokenization)
        return {"direction": direction, "tokens": [[a, b] for a, b in tokens]}
