"""Named-entity spans: ``[{"start": 0, "end": 5, "label": "PER"}, ...]``.

Spans are character offsets into the item's text, ``start < end``. No model
learns spans in the loop yet, so a span project's queue is ordered without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.adapter import (
    ModelFamily,
    check_label,
    check_number,
    json_cell,
)
from activelabel.tasks.kinds import TaskKind

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Ner"]


class Ner:
    """Entity spans in a text."""

    kind: TaskKind = TaskKind.NER
    editor: str = "ner"
    model_family: ModelFamily | None = None
    score_metric: str = "accuracy"
    stopping_signal: bool = False
    strategies: tuple[str, ...] = ()
    reads: tuple[str, ...] = ("jsonl", "json")
    writes: tuple[str, ...] = ("jsonl",)

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """A list of spans with whole-number offsets ``0 <= start < end``."""
        if not isinstance(value, list | tuple):
            raise InvalidLabelError(
                f"{where}: a ner value must be a list of objects, got {value!r}."
            )
        spans: list[dict[str, Any]] = []
        for i, obj in enumerate(value):
            spot = f"{where}, element {i}"
            if not isinstance(obj, dict):
                raise InvalidLabelError(f"{spot}: expected an object, got {obj!r}.")
            label = check_label(obj.get("label"), labels, spot)
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
        """No span model in the loop yet."""
        return False

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """Never called: no span model in the loop yet."""
        raise NotImplementedError("No model suggests spans in this version.")
