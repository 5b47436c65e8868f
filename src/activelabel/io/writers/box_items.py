"""What the box formats read of an exported image item: its size, its path, its boxes.

The COCO, YOLO, Pascal VOC and Label Studio writers share these. An image
item's data holds its ``path`` (relative to the folder it was imported from,
as the import stored it) and the ``width`` and ``height`` the import read from
the file (:func:`activelabel.io.media.describe_media`); a box is
``{"x", "y", "w", "h", "label"}`` relative to that size, so the pixel formats
need it. The folder formats (YOLO, VOC) link each image into the export
(:func:`link_image`) rather than copy it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard

from activelabel.exceptions import ExportError
from activelabel.io.writers.protocol import ExportedItem

__all__ = [
    "PIXEL_DECIMALS",
    "PlaceRegister",
    "class_ids",
    "class_of",
    "dataset_path",
    "item_boxes",
    "item_path",
    "item_size",
    "link_image",
    "pixel",
    "where",
]

#: Decimals of a pixel coordinate written by COCO and VOC: a millionth of a
#: pixel, so a box read back is within 1e-6 of the image size of the one
#: written whatever the image's size.
PIXEL_DECIMALS = 6

#: Folder names YOLO tools give a meaning to: Ultralytics finds an image's
#: label file by swapping the last ``images`` folder of its path for ``labels``.
_LAYOUT_FOLDERS = frozenset({"images", "labels"})


def where(item: ExportedItem) -> str:
    """How a sentence about ``item`` names it."""
    return f"item {item.external_id!r}"


def item_size(item: ExportedItem) -> tuple[int, int]:
    """The image's width and height in pixels.

    The import stores them in the item's data when it reads a folder of
    images; an item imported from a table of paths has them read from its
    file's header here. Raises :class:`ExportError` naming the item when
    neither gives a size.
    """
    width, height = item.data.get("width"), item.data.get("height")
    if _pixels(width) and _pixels(height):
        return width, height
    if item.media_path:
        from PIL import Image, UnidentifiedImageError

        try:
            # Opening reads the header only: no pixel is decoded.
            with Image.open(item.media_path) as image:
                return image.width, image.height
        except (OSError, UnidentifiedImageError) as exc:
            reason = f"its file {item.media_path} cannot be read ({exc})"
    else:
        reason = "it has no media file"
    raise ExportError(
        f"The {where(item)} has no image size: its data holds none and "
        f"{reason}; boxes in pixels need it."
    )


def _pixels(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def item_path(item: ExportedItem) -> PurePosixPath:
    """The image's path relative to the folder it was imported from.

    That is the path the project resolves against the item's media root (or
    the ``path`` the import stored in its data); the media file's name, then
    the external id, stand in for an item without one.
    """
    for stored in (item.media_file, item.data.get("path")):
        if isinstance(stored, str) and stored.strip():
            return PurePosixPath(stored.replace("\\", "/"))
    if item.media_path:
        return PurePosixPath(Path(item.media_path).name)
    return PurePosixPath(item.external_id.replace("\\", "/"))


def dataset_path(item: ExportedItem) -> PurePosixPath:
    """Where the image sits inside a folder export: its stored path without
    folders named ``images`` or ``labels``, nor ``..`` and root parts.

    Its label file then sits under ``labels/`` at the same place, which is
    where YOLO tools look for it.
    """
    parts = [
        part
        for part in item_path(item).parts[:-1]
        if part not in _LAYOUT_FOLDERS and part not in ("..", ".", "/")
    ]
    return PurePosixPath(*parts, item_path(item).name)


def item_boxes(item: ExportedItem) -> list[dict[str, Any]]:
    """The item's final boxes (none when nobody has labeled it)."""
    value = item.value
    if not isinstance(value, list):
        return []
    return [box for box in value if isinstance(box, dict)]


def class_ids(labels: Sequence[str]) -> dict[str, int]:
    """Each label's index in the project's label order (YOLO class ids)."""
    return {label: number for number, label in enumerate(labels)}


def class_of(ids: Mapping[str, int], box: Mapping[str, Any], item: ExportedItem) -> int:
    """The class id of ``box``'s label; a sentence naming the item for a label
    the project no longer has."""
    label = box.get("label")
    if not isinstance(label, str) or label not in ids:
        raise ExportError(
            f"The {where(item)} has a box labeled {label!r}, which is not one of "
            f"the project's labels ({', '.join(ids)})."
        )
    return ids[label]


def pixel(relative: Any, size: int) -> float:
    """A relative coordinate in pixels, rounded to :data:`PIXEL_DECIMALS`."""
    return round(float(relative) * size, PIXEL_DECIMALS)


def link_image(item: ExportedItem, link: Path) -> None:
    """Put the item's image at ``link``: a symbolic link to the original file.

    Images are never duplicated: a detection set is mostly image bytes. Where
    the file system refuses symbolic links (Windows without the privilege),
    a hard link is tried, then a copy. An item whose media file is unknown
    gets no link.
    """
    if not item.media_path:
        return
    source = Path(item.media_path).absolute()
    if not link.parent.is_dir():
        link.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.symlink(source, link)
        return
    except FileExistsError:
        raise
    except OSError:
        pass
    try:
        os.link(source, link)
    except OSError:
        shutil.copyfile(source, link)


class PlaceRegister:
    """The places of a folder export already taken, so that two images never
    write the same file (``a.jpg`` and ``a.png`` share ``a.txt``)."""

    def __init__(self) -> None:
        self._taken: dict[str, str] = {}

    def claim(self, place: PurePosixPath, item: ExportedItem) -> None:
        """Take ``place`` for ``item``; :class:`ExportError` naming both items
        when another one took it."""
        key = place.as_posix().casefold()
        other = self._taken.setdefault(key, item.external_id)
        if other != item.external_id:
            raise ExportError(
                f"The items {other!r} and {item.external_id!r} would both be "
                f"written as {place.as_posix()}; rename one of the image files "
                "(images of one folder export need different names without "
                "their suffix)."
            )
