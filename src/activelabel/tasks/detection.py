"""Object detection: ``[{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"}]``.

A box is its top-left corner and its size, relative to the image's width and
height (0..1), so it does not depend on how large the image is shown. A
suggested box (a pre-annotation) also carries ``source`` (``model`` or
``prediction``) and ``score``; a stored label never does.

The loop orders images by their predicted boxes (:data:`BOX_STRATEGIES`, the
first is the default): a detector plug-in's, fitted in the worker once
:data:`MIN_TRAINING_IMAGES` images are labeled with one box among them
(family ``box_detector``, the project's ``detector`` setting), else imported
predictions'. A detector is scored by mAP at IoU 0.5 on held-out images.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.adapter import (
    EditorAction,
    LabeledObjects,
    ModelFamily,
    NoModelInTheLoop,
    WholeItem,
    check_number,
    json_cell,
    labeled_objects,
)
from activelabel.tasks.kinds import TaskKind

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BOX_KEYS", "BOX_STRATEGIES", "MIN_TRAINING_IMAGES", "Detection"]

#: Labeled images before a detector is fitted: four give three to fit on and
#: none held out; from five, a fifth is held out to score it.
MIN_TRAINING_IMAGES: Final = 4

#: The strategies that order images (``activelabel.al.box_scores``), the
#: default first: one minus the best box score, the mean box entropy, the
#: share of boxes scored in the uncertain band 0.3-0.7.
BOX_STRATEGIES: Final = ("least_confident_box", "box_entropy", "uncertain_box_count")

#: Rounding slack for a box's far edge: 1e-6 of the image, below a pixel of any
#: image a person labels, so converted coordinates are not refused.
EDGE_SLACK = 1e-6

#: The box editor's keys (Enter, the page's accept, submits the boxes).
BOX_KEYS: tuple[EditorAction, ...] = (
    EditorAction("next_box", ("Tab",), "Select the next box"),
    EditorAction("previous_box", ("Shift+Tab",), "Select the previous box"),
    EditorAction("nudge_left", ("ArrowLeft",), "Move the selected box left 1 px"),
    EditorAction("nudge_right", ("ArrowRight",), "Move the selected box right 1 px"),
    EditorAction("nudge_up", ("ArrowUp",), "Move the selected box up 1 px"),
    EditorAction("nudge_down", ("ArrowDown",), "Move the selected box down 1 px"),
    EditorAction("nudge_left_far", ("Shift+ArrowLeft",), "Move it left 10 px"),
    EditorAction("nudge_right_far", ("Shift+ArrowRight",), "Move it right 10 px"),
    EditorAction("nudge_up_far", ("Shift+ArrowUp",), "Move it up 10 px"),
    EditorAction("nudge_down_far", ("Shift+ArrowDown",), "Move it down 10 px"),
    EditorAction("delete_box", ("Delete",), "Remove the selected box"),
)


class Detection(LabeledObjects, NoModelInTheLoop, WholeItem):
    """Labeled boxes on an image."""

    kind: TaskKind = TaskKind.DETECTION
    editor: str = "detection"
    model_family: ModelFamily | None = "box_detector"
    score_metric: str = "map50"
    strategies: tuple[str, ...] = BOX_STRATEGIES
    reads: tuple[str, ...] = ("yolo", "coco", "voc", "labelstudio", "jsonl", "json")
    writes: tuple[str, ...] = (
        "coco",
        "yolo",
        "voc",
        "labelstudio",
        "csv",
        "jsonl",
        "parquet",
    )
    editor_actions: tuple[EditorAction, ...] = BOX_KEYS
    agreement: str = "matched_boxes"

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """Boxes inside the image: ``x, y >= 0``, ``w, h > 0``, ``x + w, y + h <= 1``.

        Keys other than the box and its label (a pre-annotation's ``source`` and
        ``score``) are dropped.
        """
        boxes: list[dict[str, Any]] = []
        for spot, obj, label in labeled_objects(value, labels, "detection", where):
            box = {k: check_number(obj, k, spot) for k in ("x", "y", "w", "h")}
            if box["w"] <= 0 or box["h"] <= 0:
                raise InvalidLabelError(
                    f"{spot}: a box needs a width and height above zero, got "
                    f"w={obj.get('w')!r}, h={obj.get('h')!r}."
                )
            if (
                box["x"] < 0
                or box["y"] < 0
                or box["x"] + box["w"] > 1 + EDGE_SLACK
                or box["y"] + box["h"] > 1 + EDGE_SLACK
            ):
                raise InvalidLabelError(
                    f"{spot}: the box x={box['x']:g}, y={box['y']:g}, w={box['w']:g}, "
                    f"h={box['h']:g} lies outside the image; coordinates are "
                    "relative to its width and height (0 to 1)."
                )
            boxes.append({**box, "label": label})
        return boxes

    def can_train(self, values: Sequence[Any]) -> bool:
        """Enough labeled images (an image with no box counts) and one box."""
        return len(values) >= MIN_TRAINING_IMAGES and any(
            isinstance(v, list) and v for v in values
        )

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """Never called: box suggestions are a detector's (or an imported
        prediction's) boxes, queued by the box round (``activelabel.loop.box_round``)."""
        raise NotImplementedError(
            "Box suggestions come from a detector's boxes, not from class probabilities."
        )

    def parse_cell(self, labels: Sequence[str], raw: Any, *, where: str) -> Any | None:
        """A cell holding the boxes as JSON; blank for none."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return self.validate(labels, json_cell(raw, "detection", where), where=where)
