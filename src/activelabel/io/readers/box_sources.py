"""What a box format's reader yields: one row per image, and the shared lookups.

Every box reader (YOLO, COCO, Pascal VOC, Label Studio rectangles) yields rows of
these columns, one per image:

* :data:`IMAGE`: the image file found on disk, resolved (absolute, symbolic
  links followed: the importer checks it lies inside the media root), as text;
* :data:`BOXES`: ``None`` for an image nobody labeled, else a list (maybe
  empty: labeled, no objects) of ``{"x", "y", "w", "h", "label", "where"}`` with
  an optional ``"score"``; ``where`` names the file and line (or annotation)
  the box came from, for the sentences that refuse it;
* :data:`UNITS`: ``"relative"`` (0..1 of the image) or ``"pixels"``: the
  importer converts pixels with the size of the image it decoded;
* :data:`PREDICTED`: optionally a model's boxes for the image,
  ``{"model_name", "boxes", "score"}`` (a Label Studio prediction);
* :data:`STATED_SIZE`: optionally ``[width, height]`` as the file states it
  (COCO, VOC), which the importer compares with the decoded size.

The importer (:mod:`activelabel.io.box_rows`) decodes each image as a folder
import does and checks every box there, so the rules for sizes and labels are
written once for all formats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.tasks import adapter_for

__all__ = [
    "BOXES",
    "IMAGE",
    "PREDICTED",
    "STATED_SIZE",
    "UNITS",
    "find_image",
    "labels_boxes",
    "missing_images_note",
    "no_images_found",
    "number",
    "orphans_note",
    "stated_size",
]

IMAGE = "image"
BOXES = "boxes"
UNITS = "units"
PREDICTED = "predicted"
STATED_SIZE = "stated_size"

#: How many file names a note lists before it says "and N more".
NAMES_SHOWN = 20


def number(value: Any, what: str, where: str) -> float:
    """``value`` as a float, or a sentence naming ``where`` and ``what``."""
    if isinstance(value, bool):
        raise ImportFormatError(f"{where}: {what} must be a number, got {value!r}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ImportFormatError(
            f"{where}: {what} must be a number, got {value!r}."
        ) from None


def find_image(name: str, bases: Iterable[Path | None]) -> Path | None:
    """The file ``name`` (a path as a format wrote it) under the first of
    ``bases`` that holds it; then its bare file name under each. ``None``: none.

    An absolute ``name`` that exists is taken as it is. A Label Studio upload
    path (``/data/upload/3/cat.jpg``) or a local-files URL
    (``/data/local-files/?d=pets/cat.jpg``) is looked up by what follows.
    """
    if name.startswith("/data/local-files/?d="):
        name = name.removeprefix("/data/local-files/?d=")
    candidate = Path(name)
    if candidate.is_absolute() and candidate.is_file():
        return candidate.resolve()
    folders = [b for b in bases if b is not None]
    relative = Path(*[p for p in candidate.parts if p not in ("/", "..")])
    for attempt in (relative, Path(candidate.name)):
        for folder in folders:
            path = folder / attempt
            if path.is_file():
                return path.resolve()
    return None


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:NAMES_SHOWN])
    more = len(paths) - NAMES_SHOWN
    return shown + (f" and {more:,} more" if more > 0 else "")


def orphans_note(source: Path, orphans: Sequence[str]) -> str:
    """The report's sentence about label files that have no image."""
    count = len(orphans)
    files = "label file has" if count == 1 else "label files have"
    return (
        f"{source}: {count:,} {files} no image and "
        f"{'was' if count == 1 else 'were'} not imported: {_names(orphans)}."
    )


def missing_images_note(source: Path, missing: Sequence[str], looked: str) -> str:
    """The report's sentence about images a file names but that are not on disk."""
    count = len(missing)
    return (
        f"{source}: {count:,} {'image' if count == 1 else 'images'} named in the "
        f"file {'was' if count == 1 else 'were'} not found ({looked}) and "
        f"{'is' if count == 1 else 'are'} left out with {'its' if count == 1 else 'their'}"
        f" boxes: {_names(missing)}."
    )


def no_images_found(source: Path, first: str, looked: str) -> ImportFormatError:
    """The error for a file none of whose images is on disk."""
    return ImportFormatError(
        f"{source}: none of the images it names was found (the first is {first!r}; "
        f"looked {looked}). Pass the folder that holds them with --media-root."
    )


def labels_boxes(task: str) -> bool:
    """Whether a task kind labels boxes on images: its adapter reads COCO."""
    return "coco" in adapter_for(task).reads


def stated_size(width: Any, height: Any) -> list[int] | None:
    """``[width, height]`` when both are positive whole numbers, else ``None``."""
    try:
        size = [int(width), int(height)]
    except (TypeError, ValueError):
        return None
    return size if min(size) > 0 else None
