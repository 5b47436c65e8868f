"""COCO detection JSON: images, categories, and annotations with pixel boxes.

::

    {"images": [{"id": 1, "file_name": "cat.jpg", "width": 640, "height": 480}],
     "categories": [{"id": 1, "name": "cat"}],
     "annotations": [{"id": 7, "image_id": 1, "category_id": 1,
                      "bbox": [x, y, width, height], "score": 0.9}]}

``bbox`` is the top-left corner and the size in pixels; the importer makes it
relative with the size of the image it decodes. A ``score`` on an annotation
(a detector's output written as a dataset) is kept when the boxes are
imported as predictions. An image's ``file_name`` is looked for under
``--media-root``, beside the JSON file, then in the ``images/`` folder beside
it. An image with no annotation is imported unlabeled: COCO cannot tell it
from an image labeled with no objects. Images the file names that are not on
disk are left out and named in the import's notes (the import is refused when
none is found). An annotation pointing at an image id or a category id the
file does not have, or a ``bbox`` that is not four numbers, is refused with
the annotation's place in the file.

A results list (``[{"image_id", "category_id", "bbox", "score"}, ...]``, what
COCO's evaluation reads) names images by id only; put it in a dataset JSON
with the ``images`` and ``categories`` it refers to.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from activelabel.exceptions import ImportFormatError
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.box_sources import (
    BOXES,
    IMAGE,
    STATED_SIZE,
    UNITS,
    find_image,
    missing_images_note,
    no_images_found,
    number,
    stated_size,
)
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions

__all__ = ["FORMAT", "load_coco", "read_coco"]


def load_coco(path: Path) -> dict[str, Any]:
    """The parsed document; a sentence with the line for bad JSON."""
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ImportFormatError(
            f"{path}, line {exc.lineno}: the file is not valid JSON ({exc.msg})."
        ) from None
    if isinstance(document, list):
        raise ImportFormatError(
            f"{path} is a list, a COCO results file that names images by id only; "
            "import a COCO dataset JSON with 'images', 'categories' and "
            "'annotations' (a detector's boxes may carry a 'score')."
        )
    if not isinstance(document, dict) or not isinstance(document.get("images"), list):
        raise ImportFormatError(
            f"{path} is not a COCO dataset: it needs an 'images' list (and "
            "'categories' and 'annotations')."
        )
    return document


def _categories(path: Path, document: dict[str, Any]) -> dict[Any, str]:
    names: dict[Any, str] = {}
    for index, category in enumerate(document.get("categories") or [], start=1):
        if not isinstance(category, dict) or not isinstance(category.get("name"), str):
            raise ImportFormatError(
                f"{path}, category {index}: a category needs an 'id' and a 'name'."
            )
        names[category.get("id")] = category["name"]
    return names


def _boxes_by_image(
    path: Path, document: dict[str, Any], image_ids: set[Any]
) -> dict[Any, list[dict[str, Any]]]:
    """Each image id's boxes, in the file's order; a sentence for a bad annotation."""
    categories = _categories(path, document)
    by_image: dict[Any, list[dict[str, Any]]] = {}
    for index, annotation in enumerate(document.get("annotations") or [], start=1):
        where = f"{path}, annotation {index}"
        if not isinstance(annotation, dict):
            raise ImportFormatError(f"{where}: expected an object, got {annotation!r}.")
        if annotation.get("id") is not None:
            where += f" (id {annotation['id']})"
        image_id = annotation.get("image_id")
        if image_id not in image_ids:
            raise ImportFormatError(
                f"{where}: its image_id {image_id!r} is not the id of any image in "
                "the file's 'images'."
            )
        category_id = annotation.get("category_id")
        if category_id not in categories:
            raise ImportFormatError(
                f"{where}: its category_id {category_id!r} is not the id of any "
                "category in the file's 'categories'."
            )
        bbox = annotation.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise ImportFormatError(
                f"{where}: 'bbox' must be [x, y, width, height] in pixels, got {bbox!r}."
            )
        x, y, w, h = (number(v, "each bbox value", where) for v in bbox)
        box: dict[str, Any] = {
            "x": x,
            "y": y,
            "w": w,
            "h": h,
            "label": categories[category_id],
            "where": where,
        }
        if annotation.get("score") is not None:
            box["score"] = number(annotation["score"], "'score'", where)
        by_image.setdefault(image_id, []).append(box)
    return by_image


def read_coco(o: ReadOptions) -> Iterator[Batch]:
    """One row per image of a COCO JSON file that is on disk, its boxes in pixels."""
    document = load_coco(o.path)
    images = document["images"]
    for index, image in enumerate(images, start=1):
        if not isinstance(image, dict) or not isinstance(image.get("file_name"), str):
            raise ImportFormatError(
                f"{o.path}, image {index}: an image needs an 'id' and a 'file_name'."
            )
    by_image = _boxes_by_image(o.path, document, {image.get("id") for image in images})
    folder = o.path.parent.resolve()
    bases = [o.media_root, folder, folder / "images"]
    looked = "under " + ", ".join(str(b) for b in bases if b is not None)
    done = 0
    place = ""
    # Progress in bytes of the file (read whole): the share of its images done.
    size = o.path.stat().st_size

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal done, place
        missing: list[str] = []
        for index, image in enumerate(images, start=1):
            place = f"image {index} (id {image.get('id')})"
            found = find_image(image["file_name"], bases)
            done += 1
            if found is None:
                missing.append(image["file_name"])
                continue
            yield {
                IMAGE: str(found),
                UNITS: "pixels",
                BOXES: by_image.get(image.get("id")),
                STATED_SIZE: stated_size(image.get("width"), image.get("height")),
            }
        if missing and len(missing) == len(images):
            raise no_images_found(o.path, missing[0], looked)
        if missing:
            o.notes.append(missing_images_note(o.path, missing, looked))

    return batched(
        rows(), o.batch_size, lambda: size * done // len(images), lambda: place
    )


FORMAT = ReaderFormat(
    "coco", (), read_coco, text=False, label_column=BOXES, boxes=read_coco
)
