"""Object detection: ``[{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"}]``.

Boxes are in image coordinates relative to its width and height. No detector
learns in the loop yet, so a detection project's queue is ordered without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.adapter import (
    NoModelInTheLoop,
    WholeItem,
    check_number,
    json_cell,
    labeled_objects,
)
from activelabel.tasks.kinds import TaskKind

__all__ = ["Detection"]


class Detection(NoModelInTheLoop, WholeItem):
    """Labeled boxes on an image."""

    kind: TaskKind = TaskKind.DETECTION
    editor: str = "detection"
    reads: tuple[str, ...] = ("jsonl", "json")
    writes: tuple[str, ...] = ("jsonl",)

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """A list of boxes with ``x, y >= 0`` and ``w, h > 0``."""
        boxes: list[dict[str, Any]] = []
        for spot, obj, label in labeled_objects(value, labels, "detection", where):
            box = {k: check_number(obj, k, spot) for k in ("x", "y", "w", "h")}
            if box["w"] <= 0 or box["h"] <= 0 or box["x"] < 0 or box["y"] < 0:
                raise InvalidLabelError(
                    f"{spot}: a box needs x, y >= 0 and w, h > 0, got {box!r}."
                )
            boxes.append({**box, "label": label})
        return boxes

    def parse_cell(self, labels: Sequence[str], raw: Any, *, where: str) -> Any | None:
        """A cell holding the boxes as JSON; blank for none."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return self.validate(labels, json_cell(raw, "detection", where), where=where)
