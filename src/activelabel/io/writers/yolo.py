"""YOLO: a folder with a text file of boxes per image, the classes, and a ``data.yaml``.

The usual layout, which Ultralytics and most YOLO tools train on as it is::

    pets-yolo/
      data.yaml          path: /abs/pets-yolo, train: images, val: images, nc, names
      classes.txt        one label per line; the line number (from 0) is the class id
      images/001.jpg     a symbolic link to the original image
      labels/001.txt     "0 0.500000 0.400000 0.250000 0.300000" per box
      unlabeled/007.jpg  images nobody has labeled yet (links too; no label file)

Each line of a label file is ``class x_center y_center width height``,
relative to the image's size, with 6 decimals: a box read back is within
7.5e-7 of the image's size of the one written. A labeled image without boxes
has an empty label file.

**Images are linked, not copied.** Tools find an image's label file from the
image's path (Ultralytics swaps the last ``images`` folder of the path for
``labels``), so the images must sit in the folder; a detection set is mostly
image bytes, and a second copy of it per export is what a labeling tool
should not make. Each image is a symbolic link to the original file (where
the file system refuses symbolic links, a hard link, then a copy: see
:func:`~activelabel.io.writers.box_items.link_image`). The links follow the
image's path as imported, without folders named ``images`` or ``labels``;
two images that would share a label file are refused by name. Importing
the folder back follows the links to the originals, which must then lie
inside the media root: pass ``--media-root`` a folder holding both (the
import refuses a link that leads out of its root, as it refuses ``../``).

**data.yaml names the folder's absolute path.** Ultralytics reads a relative
``path`` as relative to its own datasets folder, not to the YAML file, so the
absolute path is what makes the file usable from anywhere; moving the export
means editing that one line. ``train`` and ``val`` both name ``images`` (the
whole labeled set: split it as you train). An absolute-path list of the
original images (``images.txt``) was not chosen: tools look for each label
file beside its image's path, which would be the original folder.

Images nobody has labeled are linked under ``unlabeled/``, not ``images/``:
YOLO tools read an image without a label file as one without objects, and
training on unlabeled images as negatives would teach the model to miss
objects. ``--labeled-only`` leaves them out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from activelabel.io.export_files import destination_of
from activelabel.io.writers.box_items import (
    PlaceRegister,
    class_ids,
    class_of,
    dataset_path,
    item_boxes,
    link_image,
)
from activelabel.io.writers.protocol import ExportedItem, ItemFormat

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FORMAT", "data_yaml", "yolo_lines"]

#: Decimals of a relative coordinate in a label file.
DECIMALS: Final = 6


def yolo_lines(item: ExportedItem, ids: dict[str, int]) -> str:
    """The label file of ``item``: one ``class xc yc w h`` line per box."""
    lines = []
    for box in item_boxes(item):
        x, y, w, h = (float(box[key]) for key in ("x", "y", "w", "h"))
        lines.append(
            f"{class_of(ids, box, item)} {x + w / 2:.{DECIMALS}f} "
            f"{y + h / 2:.{DECIMALS}f} {w:.{DECIMALS}f} {h:.{DECIMALS}f}\n"
        )
    return "".join(lines)


def _quoted(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar: no escaping rules of our own.
    return json.dumps(text, ensure_ascii=False)


def data_yaml(folder: Path, labels: Sequence[str]) -> str:
    """The ``data.yaml`` of an export at ``folder``: its absolute path, the
    images folder for training and validation, and the class names."""
    names = "".join(
        f"  {number}: {_quoted(label)}\n" for number, label in enumerate(labels)
    )
    return (
        "# Written by activelabel. train and val both name every labeled image:\n"
        "# split them as you train.\n"
        f"path: {_quoted(str(folder.absolute()))}\n"
        "train: images\n"
        "val: images\n"
        f"nc: {len(labels)}\n"
        f"names:\n{names}"
    )


def _write(project: Project, items: Iterable[ExportedItem], target: Path) -> int:
    target.mkdir(exist_ok=True)
    ids = class_ids(project.labels)
    places = PlaceRegister()
    made: set[Path] = set()
    written = 0
    for item in items:
        place = dataset_path(item)
        label_place = place.with_suffix(".txt")
        places.claim(label_place, item)
        if item.labeled:
            label_file = target / "labels" / label_place
            if label_file.parent not in made:
                label_file.parent.mkdir(parents=True, exist_ok=True)
                made.add(label_file.parent)
            label_file.write_text(yolo_lines(item, ids), encoding="utf-8", newline="\n")
            link_image(item, target / "images" / place)
        else:
            link_image(item, target / "unlabeled" / place)
        written += 1
    (target / "classes.txt").write_text(
        "".join(f"{label}\n" for label in project.labels), encoding="utf-8"
    )
    (target / "data.yaml").write_text(
        data_yaml(destination_of(target), project.labels), encoding="utf-8"
    )
    return written


#: A folder, named with ``--format yolo``.
FORMAT: Final = ItemFormat("yolo", "", "application/x-yaml", _write, folder=True)
