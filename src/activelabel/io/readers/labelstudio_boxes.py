"""Label Studio's JSON export of image tasks: rectangles drawn on each image.

::

    [{"id": 1, "data": {"image": "/data/upload/1/cat.jpg"},
      "annotations": [{"result": [{"type": "rectanglelabels",
          "original_width": 640, "original_height": 480,
          "value": {"x": 7.5, "y": 50, "width": 23, "height": 27.3,
                    "rotation": 0, "rectanglelabels": ["cat"]}}]}],
      "predictions": [{"model_version": "yolo-v8", "score": 0.8,
                       "result": [{..., "score": 0.91}]}]}]

``x``, ``y``, ``width`` and ``height`` are percent of the image, made relative
(0..1) here. Each task is one image: its last annotation that was not cancelled
gives the labels (none: unlabeled; an empty result: labeled, no objects), its
last prediction the model's boxes, each with the result's ``score`` (else the
prediction's). A rectangle with several labels gives a box per label. A
rotated rectangle is refused: a box here is upright. Results of other types
are left out and counted in the notes.

The image is ``data.image`` (else the first ``data`` value naming an image
file), looked for under ``--media-root``, beside the JSON file and in the
``images/`` folder beside it, by its path and then by its file name (an
upload path ``/data/upload/1/cat.jpg``; a local-files URL ``?d=pets/cat.jpg``
by what follows ``d=``). Tasks whose image is not found are left out and
named in the notes. The item's id is the image's path, as for a folder, so
the same image imported from a folder, YOLO or COCO is the same item.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.io.media import IMAGE_SUFFIXES
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.box_sources import (
    BOXES,
    IMAGE,
    PREDICTED,
    UNITS,
    find_image,
    missing_images_note,
    no_images_found,
    number,
)
from activelabel.io.readers.json_array import _iter_json_array
from activelabel.io.readers.protocol import ReadOptions

__all__ = ["last_entry", "read_labelstudio_boxes", "result_boxes"]


def result_boxes(
    result: Any, where: str, *, default_score: float | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The boxes (relative) of one annotation's or prediction's ``result`` list,
    and how many results were of another type."""
    if not isinstance(result, list):
        raise ImportFormatError(f"{where}: 'result' must be a list, got {result!r}.")
    boxes: list[dict[str, Any]] = []
    other = 0
    for number_in_list, entry in enumerate(result, start=1):
        spot = f"{where}, result {number_in_list}"
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), dict):
            raise ImportFormatError(f"{spot}: expected an object with a 'value'.")
        if entry.get("type") != "rectanglelabels":
            other += 1
            continue
        value = entry["value"]
        labels = value.get("rectanglelabels")
        if not isinstance(labels, list) or not labels:
            raise ImportFormatError(
                f"{spot}: 'rectanglelabels' must be a list of labels, got {labels!r}."
            )
        if value.get("rotation") and number(value["rotation"], "'rotation'", spot):
            raise ImportFormatError(
                f"{spot}: the rectangle is rotated by {value['rotation']} degrees; "
                "boxes here are upright, so straighten it in Label Studio first."
            )
        x, y, w, h = (
            number(value.get(k), f"{k!r}", spot) / 100
            for k in ("x", "y", "width", "height")
        )
        score = entry.get("score", default_score)
        for label in labels:
            box: dict[str, Any] = {
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "label": label,
                "where": spot,
            }
            if score is not None:
                box["score"] = number(score, "'score'", spot)
            boxes.append(box)
    return boxes, other


def _image_name(data: dict[str, Any], where: str) -> str:
    image = data.get("image")
    if isinstance(image, str) and image:
        return image
    for value in data.values():
        if isinstance(value, str) and any(
            value.lower().endswith(s) for s in IMAGE_SUFFIXES
        ):
            return value
    raise ImportFormatError(
        f"{where}: the task's data names no image (an 'image' field, or a field "
        "holding an image file's path)."
    )


def last_entry(entries: Any, *, skip_cancelled: bool) -> dict[str, Any] | None:
    """The last annotation or prediction of a task (cancelled ones skipped if asked)."""
    if not isinstance(entries, list):
        return None
    kept = [
        e
        for e in entries
        if isinstance(e, dict) and not (skip_cancelled and e.get("was_cancelled"))
    ]
    return kept[-1] if kept else None


def read_labelstudio_boxes(o: ReadOptions) -> Iterator[Batch]:
    """One row per task of a Label Studio image export whose image is on disk."""
    folder = o.path.parent.resolve()
    bases = [o.media_root, folder, folder / "images"]
    looked = "under " + ", ".join(str(b) for b in bases if b is not None)
    consumed = 0
    place = ""

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal consumed, place
        other = 0
        missing: list[str] = []
        tasks = 0
        for index, task, position in _iter_json_array(
            o.path, o.encoding, o.max_field_bytes
        ):
            consumed = position
            tasks += 1
            task_id = task.get("id") if isinstance(task, dict) else None
            place = f"task {index + 1}" + (
                f" (id {task_id})" if task_id is not None else ""
            )
            where = f"{o.path}, {place}"
            if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
                raise ImportFormatError(
                    f"{where}: a Label Studio task is an object with a 'data' object "
                    "naming its image."
                )
            name = _image_name(task["data"], where)
            found = find_image(name, bases)
            if found is None:
                missing.append(name)
                continue
            row: dict[str, Any] = {IMAGE: str(found), UNITS: "relative", BOXES: None}
            annotation = last_entry(
                task.get("annotations", task.get("completions")), skip_cancelled=True
            )
            if annotation is not None:
                row[BOXES], skipped = result_boxes(annotation.get("result", []), where)
                other += skipped
            prediction = last_entry(task.get("predictions"), skip_cancelled=False)
            if prediction is not None:
                score = prediction.get("score")
                score = number(score, "'score'", where) if score is not None else None
                boxes, skipped = result_boxes(
                    prediction.get("result", []),
                    f"{where}, prediction",
                    default_score=score,
                )
                other += skipped
                row[PREDICTED] = {
                    "model_name": prediction.get("model_version") or None,
                    "boxes": boxes,
                    "score": score,
                }
            yield row
        if missing and len(missing) == tasks:
            raise no_images_found(o.path, missing[0], looked)
        if missing:
            o.notes.append(missing_images_note(o.path, missing, looked))
        if other:
            o.notes.append(
                f"{o.path}: {other:,} "
                + (
                    "result that is not a rectangle"
                    if other == 1
                    else "results that are not rectangles"
                )
                + f" (polygons, choices, ...) {'was' if other == 1 else 'were'} left out."
            )

    return batched(rows(), o.batch_size, lambda: consumed, lambda: place)
