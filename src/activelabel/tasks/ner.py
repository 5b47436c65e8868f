"""Named-entity spans: ``[{"start": 0, "end": 5, "label": "PER"}, ...]``.

Spans are character offsets into the item's text, ``start < end``. No model
learns spans in the loop yet, so a span project's queue is ordered without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.adapter import (
    NoModelInTheLoop,
    check_number,
    json_cell,
    labeled_objects,
)
from activelabel.tasks.kinds import TaskKind

__all__ = ["Ner"]


class Ner(NoModelInTheLoop):
    """Entity spans in a text."""

    kind: TaskKind = TaskKind.NER
    editor: str = "ner"
    reads: tuple[str, ...] = ("jsonl", "json")
    writes: tuple[str, ...] = ("jsonl",)

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """A list of spans with whole-number offsets ``0 <= start < end``."""
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
        return spans

    def parse_cell(self, labels: Sequence[str], raw: Any, *, where: str) -> Any | None:
        """A cell holding the spans as JSON; blank for none."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return self.validate(labels, json_cell(raw, "ner", where), where=where)
