"""What every task kind answers: the protocol of a task adapter, and shared checks.

Code outside ``activelabel.tasks`` never branches on a project's task; it asks the
project's adapter (:func:`activelabel.tasks.adapter_for`) instead. A new task kind
is a new module here with one adapter, plus its page editor and its formats.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.kinds import TaskKind

if TYPE_CHECKING:
    import numpy as np

    from activelabel.project_config import ProjectConfig

__all__ = [
    "LISTED_LABELS",
    "EditorAction",
    "LabeledObjects",
    "ModelFamily",
    "NoModelInTheLoop",
    "TaskAdapter",
    "TextLayout",
    "WholeItem",
    "ancestors",
    "check_label",
    "check_number",
    "distinct_values",
    "json_cell",
    "label_choices",
    "labeled_objects",
    "text_cell",
    "value_key",
]

#: The name of a model family the loop trains (a key of
#: ``activelabel.ml.model_families.MODEL_FAMILIES``): ``single_label`` (one label
#: per item) or ``one_vs_rest`` (a yes/no decision per label).
ModelFamily = str


@dataclass(frozen=True)
class EditorAction:
    """A key the page hands to a kind's editor (move a span cursor, delete a box).

    ``keys`` are ``KeyboardEvent.key`` values, with ``Shift+`` in front when the
    Shift key is held. A kind's own keys win over the page's action on the same
    key (for spans, ←/→ move the token cursor rather than go back and forward).
    """

    action: str
    keys: tuple[str, ...]
    description: str


class TextLayout(TypedDict):
    """How the page lays out an item's text: its direction and its tokens."""

    direction: str
    #: ``[start, end]`` character offsets of each token in the item's text.
    tokens: list[list[int]]


class TaskAdapter(Protocol):
    """Everything the store, the loop, the formats and the page ask of a task kind."""

    #: The kind this adapter answers for.
    kind: TaskKind
    #: The page's editor for this kind: ``web/src/tasks/<editor>/``.
    editor: str
    #: The model family the loop trains, or ``None`` when no model learns this
    #: kind in the loop yet (its queue is then ordered without one).
    model_family: ModelFamily | None
    #: The cross-validated figure shown for a model: ``accuracy`` or
    #: ``subset_accuracy`` (every label of an item right).
    score_metric: str
    #: Whether successive models are compared for the stopping signal.
    stopping_signal: bool
    #: Query strategies that apply once a model exists (empty: none; the queue
    #: is then representative or random).
    strategies: tuple[str, ...]
    #: Formats whose labels this kind imports.
    reads: tuple[str, ...]
    #: Formats this kind exports to.
    writes: tuple[str, ...]
    #: The keys of this kind's editor beyond the page's own actions.
    editor_actions: tuple[EditorAction, ...]
    #: How two annotators' values are compared for agreement: a key of
    #: ``activelabel.quality.agreement.MEASURES`` (``single_label``,
    #: ``label_set``, ``exact_spans``, ``matched_boxes``).
    agreement: str

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """Check ``value`` against this kind's shape and the schema; return it normalized.

        Raises :class:`InvalidLabelError` with a sentence that starts with ``where``.
        """
        ...

    def parse_cell(self, labels: Sequence[str], raw: Any, *, where: str) -> Any | None:
        """Turn a label cell read from an imported file into a value (``None``: unlabeled)."""
        ...

    def quick_labels(self, labels: Sequence[str]) -> frozenset[str]:
        """Cells accepted as they are on the import's hot path (no parsing needed)."""
        ...

    def can_train(self, values: Sequence[Any]) -> bool:
        """Whether the training labels ``values`` allow the loop to train a model."""
        ...

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """The model's suggested value and its confidence for each row of ``proba``."""
        ...

    def suggest_learned(
        self,
        proba: np.ndarray[Any, Any],
        classes: Sequence[Any],
        unlearned: Collection[str],
    ) -> tuple[list[Any], list[float | None]]:
        """:meth:`suggest`, withholding (``None``) what rests on a class the model
        has not learned (``unlearned``: its out-of-fold predictions never name
        the class, or never rightly)."""
        ...

    def confident_values(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any], threshold: float
    ) -> tuple[list[int], list[Any], list[float]]:
        """The rows of ``proba`` whose value the model is sure enough of to
        label the item itself (stream auto-labeling): their positions in
        ``proba``, values and confidences (each ``>= threshold``). Empty for a
        kind whose values are never accepted from a model alone."""
        ...

    def text_layout(
        self, settings: ProjectConfig, data: Mapping[str, Any], text: str | None
    ) -> TextLayout | None:
        """How the page lays out the item's text (``None``: as a whole, no tokens)."""
        ...

    def read_cell(self, raw: Any) -> Any | None:
        """An imported label cell in this kind's shape, its labels not checked yet
        (``None``: unlabeled); what :meth:`relabel` and :meth:`value_labels` take."""
        ...

    def value_labels(self, value: Any) -> list[str]:
        """The labels a value (checked or not) names, in its order."""
        ...

    def relabel(self, value: Any, rename: Callable[[str], str | None]) -> Any | None:
        """``value`` with each label renamed (``None`` drops it); ``None`` when
        nothing is left."""
        ...

    def parents_to_add(
        self, labels: Sequence[str], value: Any, parents: Mapping[str, Sequence[str]]
    ) -> list[str]:
        """The ancestors of the value's labels that the value should hold and
        does not, in schema order (empty for a kind whose value holds one label)."""
        ...

    def with_labels(
        self, labels: Sequence[str], value: Any, added: Sequence[str]
    ) -> Any:
        """``value`` holding ``added`` too (from :meth:`parents_to_add`)."""
        ...


#: Label lists longer than this are not written out in a sentence: the closest
#: labels are named instead.
LISTED_LABELS = 12


def value_key(value: Any) -> str:
    """A label value as canonical JSON: equal values, equal keys (dicts in any
    key order, lists as given)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def label_choices(label: Any, labels: Sequence[str]) -> str:
    """What to say of the labels after a label that is not one: all of them
    (and the closest, as "Did you mean"), else the closest few and how many
    there are."""
    if len(labels) <= LISTED_LABELS:
        close = (
            difflib.get_close_matches(label, labels, n=1)
            if isinstance(label, str)
            else []
        )
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"the labels are: {', '.join(labels)}.{hint}"
    close = (
        difflib.get_close_matches(label, labels, n=3, cutoff=0.5)
        if isinstance(label, str)
        else []
    )
    if not close:
        return (
            f"none of its {len(labels):,} labels is close (list them with "
            "activelabel projects, or add this one)."
        )
    named = ", ".join(repr(c) for c in close)
    return f"the closest of its {len(labels):,} labels are: {named}."


def check_label(label: Any, labels: Sequence[str], where: str) -> str:
    """``label`` if it is one of ``labels``, else a sentence naming the labels
    (the closest ones, when there are many)."""
    if not isinstance(label, str) or label not in labels:
        raise InvalidLabelError(
            f"{where}: {label!r} is not a label of this project; "
            f"{label_choices(label, labels)}"
        )
    return label


def ancestors(parents: Mapping[str, Sequence[str]], labels: Iterable[str]) -> list[str]:
    """Every ancestor of ``labels`` (parents, their parents, ...), nearest first,
    none of ``labels`` itself; a cycle stops where it comes back."""
    start = list(labels)
    seen = set(start)
    found: list[str] = []
    frontier = start
    while frontier:
        following: list[str] = []
        for label in frontier:
            for parent in parents.get(label, ()):
                if parent not in seen:
                    seen.add(parent)
                    found.append(parent)
                    following.append(parent)
        frontier = following
    return found


def check_number(obj: dict[str, Any], key: str, where: str) -> float:
    """``obj[key]`` as a float, or a sentence saying it must be a number."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidLabelError(f"{where}: {key!r} must be a number, got {value!r}.")
    return float(value)


def distinct_values(values: Sequence[Any]) -> int:
    """How many different values (lists and objects compared as JSON)."""
    return len({json.dumps(v, sort_keys=True) for v in values})


def json_cell(raw: Any, kind: str, where: str) -> Any:
    """A cell that must hold JSON (a list of spans or boxes), decoded."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidLabelError(
            f"{where}: a {kind} label must be JSON, got {raw[:80]!r}."
        ) from None


def text_cell(raw: Any) -> Any | None:
    """A cell stripped; ``None`` for a blank one; a JSON list decoded when it is one.

    A list that does not decode is left as text, for the adapter's own sentence.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if raw.startswith("["):
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                pass
    return raw


def labeled_objects(
    value: Any, labels: Sequence[str], kind: str, where: str
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Each element of a list of labeled objects (spans, boxes): its place, itself,
    its checked label; a sentence for anything else."""
    if not isinstance(value, list | tuple):
        raise InvalidLabelError(
            f"{where}: a {kind} value must be a list of objects, got {value!r}."
        )
    for i, obj in enumerate(value):
        spot = f"{where}, element {i}"
        if not isinstance(obj, dict):
            raise InvalidLabelError(f"{spot}: expected an object, got {obj!r}.")
        yield spot, obj, check_label(obj.get("label"), labels, spot)


class WholeItem:
    """What a kind that labels an item as a whole answers about its layout: the
    page shows the item as it is, with no keys of the editor's own."""

    editor_actions: tuple[EditorAction, ...] = ()

    def text_layout(
        self, settings: ProjectConfig, data: Mapping[str, Any], text: str | None
    ) -> TextLayout | None:
        """None: no tokens to lay out."""
        return None


class LabeledObjects:
    """What a kind whose value is a list of labeled objects (spans, boxes)
    answers about labels: each object's ``label``; a taxonomy's parents are
    never added (an object has one label, as a single-label item has)."""

    def read_cell(self, raw: Any) -> Any | None:
        """The cell's JSON list (``None`` for a blank cell)."""
        raw = text_cell(raw)
        return raw

    def value_labels(self, value: Any) -> list[str]:
        """The label of each object."""
        if not isinstance(value, list | tuple):
            return []
        return [
            obj["label"]
            for obj in value
            if isinstance(obj, dict) and isinstance(obj.get("label"), str)
        ]

    def relabel(self, value: Any, rename: Callable[[str], str | None]) -> Any | None:
        """Each object with its label renamed; an object whose label is dropped
        goes (an emptied list stays a list: no objects is a label too)."""
        if not isinstance(value, list | tuple):
            return value
        kept: list[Any] = []
        for obj in value:
            if isinstance(obj, dict) and isinstance(obj.get("label"), str):
                renamed = rename(obj["label"])
                if renamed is None:
                    continue
                obj = {**obj, "label": renamed}
            kept.append(obj)
        return kept

    def parents_to_add(
        self, labels: Sequence[str], value: Any, parents: Mapping[str, Sequence[str]]
    ) -> list[str]:
        """None: an object holds one label."""
        return []

    def suggest_learned(
        self,
        proba: np.ndarray[Any, Any],
        classes: Sequence[Any],
        unlearned: Collection[str],
    ) -> tuple[list[Any], list[float | None]]:
        """Never called: spans and boxes are suggested by their own rounds, not
        from one row of class probabilities per item."""
        raise NotImplementedError("Objects are not suggested from class probabilities.")

    def with_labels(
        self, labels: Sequence[str], value: Any, added: Sequence[str]
    ) -> Any:
        """The value as it is."""
        return value

    def confident_values(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any], threshold: float
    ) -> tuple[list[int], list[Any], list[float]]:
        """None: spans and boxes are drawn by people; a model's objects are
        prelabels to check, never a label of their own."""
        return [], [], []


class NoModelInTheLoop:
    """What a kind no model learns in the loop yet answers: its queue is ordered
    without one (representative, then random), and every cell is parsed."""

    model_family: ModelFamily | None = None
    score_metric: str = "accuracy"
    stopping_signal: bool = False
    strategies: tuple[str, ...] = ()

    def quick_labels(self, labels: Sequence[str]) -> frozenset[str]:
        """None: every cell is parsed."""
        return frozenset()

    def can_train(self, values: Sequence[Any]) -> bool:
        """No model in the loop yet."""
        return False

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """Never called: ``can_train`` is always false."""
        raise NotImplementedError("No model in the loop suggests this kind's values.")
