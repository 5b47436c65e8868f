"""YOLO: a folder of images with a text file of boxes per image, and the class names.

The usual layouts are read, as Ultralytics finds a label file::

    dataset/images/train/cat.jpg   dataset/labels/train/cat.txt   dataset/classes.txt
    dataset/cat.jpg                dataset/cat.txt                dataset/classes.txt

A label file holds one box per line, ``class x_centre y_centre width height``,
relative to the image (0..1), and an optional sixth column, the detector's
score. The class names come from ``--classes a,b,c`` or ``classes.txt`` (one
name a line, in id order) in the folder or its ``labels/`` folder.

An image **without a label file** is imported unlabeled; an **empty** label
file means the image was labeled and holds no objects (what YOLO exports
write for it). A label file without an image is left out and named in the
import's notes. Coordinates outside 0..1, a class id outside the classes, a
box of zero size or one reaching outside the image are refused with the file
and line; edges within 1e-6 outside (rounding in the writing tool: coco128 has
a few) are moved onto the image's edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from activelabel.exceptions import ConfigError, ImportFormatError
from activelabel.io.media import iter_media_files
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.box_sources import (
    BOXES,
    IMAGE,
    UNITS,
    number,
    orphans_note,
)
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions

__all__ = ["FORMAT", "label_file_of", "read_classes", "read_yolo"]

#: Rounding slack of a relative edge (as the detection task allows).
SLACK = 1e-6

_CLASS_FILES = ("classes.txt", "labels/classes.txt")


def read_classes(folder: Path, given: tuple[str, ...] | None) -> list[str]:
    """The class names by id: ``--classes``, else the folder's ``classes.txt``."""
    if given:
        return list(given)
    for name in _CLASS_FILES:
        path = folder / name
        if path.is_file():
            names = [line.strip() for line in path.read_text("utf-8").splitlines()]
            while names and not names[-1]:
                names.pop()
            if not names or not all(names):
                raise ImportFormatError(
                    f"{path} must name one class a line, in id order, with no blank "
                    "line between names."
                )
            return names
    raise ConfigError(
        f"{folder} has no classes.txt naming the YOLO class ids; add one (a name a "
        "line, in id order) or name them with --classes a,b,c (the names of an "
        "Ultralytics data.yaml, in order)."
    )


def label_file_of(image: Path, folder: Path) -> Path | None:
    """The label file of ``image``: the last ``images`` folder swapped for
    ``labels`` (Ultralytics' rule), else the ``.txt`` beside the image."""
    relative = image.relative_to(folder)
    parts = list(relative.parts)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            swapped = (folder / Path(*parts)).with_suffix(".txt")
            if swapped.is_file():
                return swapped
            break
    beside = image.with_suffix(".txt")
    return beside if beside.is_file() else None


def _box(
    fields: list[str], classes: list[str], classes_from: str, where: str
) -> dict[str, Any]:
    """The box of one line; the common, valid line takes the quick path."""
    try:
        if len(fields) not in (5, 6):
            raise ValueError
        class_id = int(fields[0])
        xc, yc, w, h = (
            float(fields[1]),
            float(fields[2]),
            float(fields[3]),
            float(fields[4]),
        )
        score = float(fields[5]) if len(fields) == 6 else None
    except ValueError:
        _refuse(fields, classes, classes_from, where)
    x, y = xc - w / 2, yc - h / 2
    if not (
        0 <= class_id < len(classes)
        and 0 <= xc <= 1
        and 0 <= yc <= 1
        and 0 < w <= 1
        and 0 < h <= 1
        and x >= -SLACK
        and y >= -SLACK
        and x + w <= 1 + SLACK
        and y + h <= 1 + SLACK
        and (score is None or 0 <= score <= 1)
    ):
        _refuse(fields, classes, classes_from, where)
    # Rounding in the tool that wrote the file: put the edge on the image's.
    x0, y0 = max(x, 0.0), max(y, 0.0)
    box: dict[str, Any] = {
        "x": x0,
        "y": y0,
        "w": min(x + w, 1.0) - x0,
        "h": min(y + h, 1.0) - y0,
        "label": classes[class_id],
        "where": where,
    }
    if score is not None:
        box["score"] = score
    return box


def _refuse(
    fields: list[str], classes: list[str], classes_from: str, where: str
) -> NoReturn:
    """Raise the sentence saying what is wrong with a line :func:`_box` refused."""
    if len(fields) not in (5, 6):
        raise ImportFormatError(
            f"{where}: a YOLO box line has 5 values (class x_centre y_centre width "
            f"height) or 6 (and a score), this one has {len(fields)}; polygons and "
            "keypoints are not boxes."
        )
    try:
        class_id = int(fields[0])
    except ValueError:
        raise ImportFormatError(
            f"{where}: the class id must be a whole number, got {fields[0]!r}."
        ) from None
    if not 0 <= class_id < len(classes):
        raise ImportFormatError(
            f"{where}: the class id {class_id} is outside the {len(classes)} classes "
            f"of {classes_from} (ids 0 to {len(classes) - 1})."
        )
    names = ("x_centre", "y_centre", "width", "height")
    xc, yc, w, h = (
        number(v, n, where) for v, n in zip(fields[1:5], names, strict=True)
    )
    for value, name in zip((xc, yc, w, h), names, strict=True):
        if not 0 <= value <= 1:
            raise ImportFormatError(
                f"{where}: {name} is {value:g}, outside 0 to 1; YOLO coordinates are "
                "relative to the image's width and height."
            )
    if w <= 0 or h <= 0:
        raise ImportFormatError(
            f"{where}: the box has zero size (width {w:g}, height {h:g})."
        )
    if len(fields) == 6:
        score = number(fields[5], "the score", where)
        if not 0 <= score <= 1:
            raise ImportFormatError(f"{where}: the score {score:g} is outside 0 to 1.")
    raise ImportFormatError(
        f"{where}: the box centred at ({xc:g}, {yc:g}), {w:g} wide and {h:g} high, "
        "reaches outside the image."
    )


def read_label_file(
    path: Path, classes: list[str], classes_from: str
) -> list[dict[str, Any]]:
    """The boxes of one label file (an empty file: none)."""
    boxes = []
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise ImportFormatError(f"{path} is not a UTF-8 text file.") from None
    prefix = f"{path}, line "
    for line_no, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if fields:
            boxes.append(_box(fields, classes, classes_from, prefix + str(line_no)))
    return boxes


def _label_files(folder: Path, images: list[Path]) -> set[Path]:
    """Text files that can only be label files: under a ``labels`` folder, or
    beside an image; ``classes.txt`` is not one."""
    image_folders = {image.parent for image in images}
    found = set()
    for path in sorted(folder.rglob("*.txt")):
        if path.name == "classes.txt" or any(p.startswith(".") for p in path.parts):
            continue
        if "labels" in path.relative_to(folder).parts or path.parent in image_folders:
            found.add(path.resolve())
    return found


def read_yolo(o: ReadOptions) -> Iterator[Batch]:
    """One row per image of a YOLO folder, its boxes relative to the image."""
    folder = o.path
    if not folder.is_dir():
        raise ImportFormatError(
            f"{folder} is not a folder; YOLO is read from a folder of images with "
            "their labels/*.txt and classes.txt."
        )
    classes = read_classes(folder, o.classes)
    classes_from = "--classes" if o.classes else "classes.txt"
    images = list(iter_media_files(folder, kinds=frozenset({"image"})))
    if not images:
        raise ImportFormatError(f"{folder} holds no images (looked recursively).")
    done = 0
    place = ""

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal done, place
        used: set[Path] = set()
        for image in images:
            label_file = label_file_of(image, folder)
            place = (label_file or image).relative_to(folder).as_posix()
            boxes = None
            if label_file is not None:
                used.add(label_file.resolve())
                boxes = read_label_file(label_file, classes, classes_from)
            done += 1
            yield {IMAGE: str(image.resolve()), UNITS: "relative", BOXES: boxes}
        orphans = sorted(_label_files(folder, images) - used)
        if orphans:
            o.notes.append(
                orphans_note(
                    folder,
                    [p.relative_to(folder.resolve()).as_posix() for p in orphans],
                )
            )

    return batched(rows(), o.batch_size, lambda: done, lambda: place)


FORMAT = ReaderFormat(
    "yolo", (), read_yolo, text=False, folder=True, label_column=BOXES, boxes=read_yolo
)
