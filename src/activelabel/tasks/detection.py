"""Object detection: ``[{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"}]``.

Boxes are in image coordinates relative to its width and height. No detector
learns in the loop yet, so a detection project's queue is ordered without one.
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

__all__ = ["Detection"]


class Detection:
    """Labeled boxes on an image."""

    kind: TaskKind = TaskKind.DETECTION
    editor: str = "detection"
    model_family: ModelFamily | None = None
    score_metric: str = "accuracy"
    stopping_signal: bool = False
    strategies: tuple[str, ...] = ()
    reads: tuple[str, ...] = ("jsonl", "json")
    writes: tuple[str, ...] = ("jsonl",)

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """A list of boxes with ``x, y >= 0`` and ``w, h > 0``."""
        if not isinstance(value, list | tuple):
            raise InvalidLabelError(
                f"{where}: a detection value must be a list of objects, got {value!r}."
            )
        boxes: list[dict[str, Any]] = []
        for i, obj in enumerate(value):
            spot = f"{where}, element {i}"
            if not isinstance(obj, dict):
                raise InvalidLabelError(f"{spot}: expected an object, got {obj!r}.")
            label = check_label(obj.get("label"), labels, spot)
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

    def quick_labels(self, labels: Sequence[str]) -> frozenset[str]:
        """None: every cell is parsed."""
        return frozenset()

    def can_train(self, values: Sequence[Any]) -> bool:
        """No detector in the loop yet."""
        return False

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """Never called: no detector in the loop yet."""
        raise NotImplementedError("No model suggests boxes in this version.")
