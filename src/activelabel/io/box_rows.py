"""How an image row of a box format becomes an item with its boxes.

The image is placed in a media root, decoded and described exactly as a folder
import does (``{"path", "width", "height", "format"}``, the path relative to
its root, the item id that path, the content hash the file's), so the page
and the featurizer find it and a folder import of the same images finds the
same items. Its boxes are then made relative to the decoded size (pixel
formats), checked (a positive size, inside the image, a label of the
project, the closest named when not) and validated by the task's adapter.

Edges that overshoot the image by a rounding error (half a pixel for a pixel
format, 1e-6 of the image for a relative one) are moved onto the image's
edge; a box further out, or of zero or negative size, is refused with the
file and line (or annotation) it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from activelabel.exceptions import InvalidLabelError
from activelabel.io.item_writer import PreparedRow
from activelabel.io.media import describe_media, file_digest, resolve_inside
from activelabel.io.media_roots import RootRegistry
from activelabel.io.readers.box_sources import (
    BOXES,
    IMAGE,
    PREDICTED,
    STATED_SIZE,
    UNITS,
)
from activelabel.io.row_plan import serialize_fields
from activelabel.tasks import adapter_for
from activelabel.tasks.adapter import label_choices

__all__ = ["BoxRowCheck", "relative_box"]

#: How far an edge may overshoot the image and be moved onto it: half a pixel
#: for pixel boxes, the detection task's rounding slack for relative ones.
PIXEL_SLACK = 0.5
RELATIVE_SLACK = 1e-6

#: Decimals a relative coordinate is stored with.
DECIMALS = 9

#: A stored box's keys (a suggested box adds ``score``).
_BOX_KEYS = ("x", "y", "w", "h", "label")


def relative_box(
    box: dict[str, Any], units: str, width: int, height: int, where: str
) -> dict[str, Any]:
    """``box`` relative to a ``width`` × ``height`` image, its edges inside it."""
    x, y, w, h = (float(box[k]) for k in ("x", "y", "w", "h"))
    shown = "pixels" if units == "pixels" else "of the image"
    if w <= 0 or h <= 0:
        raise InvalidLabelError(
            f"{where}: the box {box.get('label')!r} has zero or negative size "
            f"({w:g} × {h:g} {shown}); a box needs a width and height above zero."
        )
    if units == "pixels":
        slack_x, slack_y = PIXEL_SLACK, PIXEL_SLACK
        size_x, size_y = float(width), float(height)
    else:
        slack_x = slack_y = RELATIVE_SLACK
        size_x = size_y = 1.0
    if (
        x < -slack_x
        or y < -slack_y
        or x + w > size_x + slack_x
        or y + h > size_y + slack_y
    ):
        raise InvalidLabelError(
            f"{where}: the box {box.get('label')!r} at x={x:g}, y={y:g}, {w:g} wide "
            f"and {h:g} high ({shown}) reaches outside the {width} × {height} image."
        )
    left, top = max(x, 0.0), max(y, 0.0)
    right, bottom = min(x + w, size_x), min(y + h, size_y)
    if right <= left or bottom <= top:
        raise InvalidLabelError(
            f"{where}: the box {box.get('label')!r} lies on the image's edge, with "
            "no area inside it."
        )
    # Nine decimals: a thousandth of a pixel of a 1,000,000-pixel-wide image,
    # and no float noise (0.42061999999999994) in the stored JSON.
    converted: dict[str, Any] = {
        "x": round(left / size_x, DECIMALS),
        "y": round(top / size_y, DECIMALS),
        "w": round((right - left) / size_x, DECIMALS),
        "h": round((bottom - top) / size_y, DECIMALS),
        "label": box.get("label"),
    }
    if box.get("score") is not None:
        converted["score"] = float(box["score"])
    return converted


class BoxRowCheck:
    """Turns the image rows of one import into prepared rows (one transaction)."""

    def __init__(
        self,
        task: str,
        labels: Sequence[str],
        roots: RootRegistry,
        media_root: Path,
        *,
        as_predictions: bool,
    ) -> None:
        self.adapter = adapter_for(task)
        self.labels = list(labels)
        self.roots = roots
        self.media_root = media_root.resolve()
        self.as_predictions = as_predictions
        #: Images whose file states another size than the decoded one.
        self.resized: list[str] = []

    def prepare(self, row: dict[str, Any], row_no: int, where: str) -> PreparedRow:
        """The item of one image row, its boxes as a label or as predictions."""
        resolved = Path(row[IMAGE])
        if ".." in resolved.parts or not resolved.is_relative_to(self.media_root):
            # Readers give resolved paths (links followed); anything else is
            # resolved and refused here as a folder import would.
            resolved = resolve_inside(self.media_root, resolved)
        placed = self.roots.place_resolved(
            resolved.relative_to(self.media_root).as_posix(), resolved
        )
        relative = placed.relative
        info = describe_media(resolved, shown_as=relative)
        width, height = int(info["width"]), int(info["height"])
        stated = row.get(STATED_SIZE)
        if stated is not None and list(stated) != [width, height]:
            self.resized.append(
                f"{relative} ({stated[0]} × {stated[1]} in the file, "
                f"{width} × {height} decoded)"
            )
        units = row[UNITS]
        label: list[dict[str, Any]] | None = None
        if row.get(BOXES) is not None:
            label = self.boxes(row[BOXES], units, width, height, where)
        predictions: list[tuple[str | None, Any, float | None]] = []
        predicted = row.get(PREDICTED)
        if predicted is not None:
            predictions.append(
                (
                    predicted.get("model_name"),
                    self.boxes(predicted["boxes"], units, width, height, where),
                    predicted.get("score"),
                )
            )
        if label is not None and self.as_predictions:
            # The boxes keep their scores: a detector's output read as such.
            predictions.append((None, label, None))
            label = None
        elif label is not None:
            label = [{k: box[k] for k in _BOX_KEYS} for box in label]
        return PreparedRow(
            row_no,
            placed.item_id(relative),
            file_digest(resolved),
            serialize_fields({"path": relative, **info}),
            relative,
            label,
            media_root_id=placed.root_id,
            predictions=predictions,
        )

    def boxes(
        self,
        raw: Sequence[dict[str, Any]],
        units: str,
        width: int,
        height: int,
        where: str,
    ) -> list[dict[str, Any]]:
        """The boxes of an image, relative and checked; scores kept."""
        boxes = []
        for box in raw:
            spot = str(box.get("where") or where)
            self._check_label(box.get("label"), spot)
            boxes.append(relative_box(box, units, width, height, spot))
        plain = [{k: box[k] for k in _BOX_KEYS} for box in boxes]
        validated: list[dict[str, Any]] = self.adapter.validate(
            self.labels, plain, where=where
        )
        for kept, box in zip(validated, boxes, strict=True):
            if "score" in box:
                kept["score"] = box["score"]
        return validated

    def notes(self, source: str) -> list[str]:
        """The sentences the import's report needs about sizes."""
        if not self.resized:
            return []
        count = len(self.resized)
        return [
            f"{source}: {count:,} {'image has' if count == 1 else 'images have'} "
            "another size in the file than the image decoded (an image replaced or "
            "rotated since it was labeled?); the pixel boxes were made relative to "
            f"the decoded size: {', '.join(self.resized[:5])}"
            + (f" and {count - 5:,} more." if count > 5 else ".")
        ]

    def _check_label(self, label: Any, where: str) -> None:
        if isinstance(label, str) and label in self.labels:
            return
        raise InvalidLabelError(
            f"{where}: {label!r} is not a label of this project; "
            f"{label_choices(label, self.labels)}"
        )
