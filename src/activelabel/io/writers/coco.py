"""COCO JSON: the images, their boxes in pixels, and the project's labels as categories.

One file, as the COCO detection datasets and most detection tools read it::

    {"info": {...}, "licenses": [],
     "categories": [{"id": 1, "name": "cat", "supercategory": ""}, ...],
     "images": [{"id": 1, "file_name": "pets/001.jpg", "width": 640, "height": 480}],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                      "bbox": [64.0, 96.0, 128.0, 192.0], "area": 24576.0,
                      "iscrowd": 0}]}

``file_name`` is the image's path as the import stored it (relative to the
folder the images were imported from), so the file imports back with that
folder as the media root. ``categories`` are the project's labels in their
order, with ids from 1 (COCO's own ids start at 1; 0 is often read as the
background). ``bbox`` is ``[x, y, width, height]`` of the top-left corner in
pixels, as floats rounded to a millionth of a pixel, ``area`` its width times
its height; image and annotation ids count from 1 in the export's order.

An image nobody has labeled is listed with no annotation, as is a labeled
image without boxes: COCO cannot tell them apart, so the export's report
counts the unlabeled ones (``--labeled-only`` leaves them out). The images are
written as they stream in; the annotations go to a temporary file meanwhile
and are appended after them, so memory does not grow with the project.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from activelabel.io.writers.box_items import (
    PIXEL_DECIMALS,
    class_ids,
    class_of,
    item_boxes,
    item_path,
    item_size,
    pixel,
)
from activelabel.io.writers.protocol import ExportedItem, ItemFormat

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FORMAT", "coco_categories", "coco_entries"]


def coco_categories(labels: Iterable[str]) -> list[dict[str, Any]]:
    """The project's labels as COCO categories, ids from 1 in label order."""
    return [
        {"id": number, "name": label, "supercategory": ""}
        for number, label in enumerate(labels, start=1)
    ]


def coco_entries(
    item: ExportedItem, image_id: int, first_annotation_id: int, ids: dict[str, int]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The COCO image of ``item`` and its annotations (ids from
    ``first_annotation_id``); ``ids`` gives each label's index in label order."""
    width, height = item_size(item)
    image = {
        "id": image_id,
        "file_name": item_path(item).as_posix(),
        "width": width,
        "height": height,
    }
    annotations: list[dict[str, Any]] = []
    for number, box in enumerate(item_boxes(item), start=first_annotation_id):
        w, h = pixel(box["w"], width), pixel(box["h"], height)
        annotations.append(
            {
                "id": number,
                "image_id": image_id,
                "category_id": class_of(ids, box, item) + 1,
                "bbox": [pixel(box["x"], width), pixel(box["y"], height), w, h],
                "area": round(w * h, PIXEL_DECIMALS),
                "iscrowd": 0,
            }
        )
    return image, annotations


def _write(project: Project, items: Iterable[ExportedItem], target: Path) -> int:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    ids = class_ids(project.labels)
    info = {
        "description": f"activelabel project {project.name}",
        "date_created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    written = 0
    annotations_written = 0
    with (
        target.open("w", encoding="utf-8", newline="\n") as out,
        # Beside the target: on the same disk, and removed with it on failure.
        tempfile.TemporaryFile(
            "w+", encoding="utf-8", dir=target.parent, prefix=f".{target.name}."
        ) as pending,
    ):
        out.write('{"info":' + encode(info) + ',"licenses":[],\n')
        out.write('"categories":' + encode(coco_categories(project.labels)) + ",\n")
        out.write('"images":[')
        for item in items:
            image, annotations = coco_entries(
                item, written + 1, annotations_written + 1, ids
            )
            out.write(",\n" if written else "\n")
            out.write(encode(image))
            if annotations:
                # One encoder call per image, not per box: the list's brackets
                # dropped, its entries joined as the document's own.
                pending.write(",\n" if annotations_written else "\n")
                pending.write(encode(annotations)[1:-1].replace("},{", "},\n{"))
                annotations_written += len(annotations)
            written += 1
        out.write("\n],\n" if written else "],\n")
        out.write('"annotations":[')
        pending.seek(0)
        shutil.copyfileobj(pending, out, 1 << 20)
        out.write("\n]}\n" if annotations_written else "]}\n")
    return written


#: Named with ``--format coco``: ``.json`` alone does not say which JSON.
FORMAT: Final = ItemFormat(
    "coco",
    "",
    "application/json",
    _write,
    unlabeled_as="as images without annotations",
)
