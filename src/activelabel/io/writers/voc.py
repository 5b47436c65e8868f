"""Pascal VOC: a folder with one XML file per labeled image, beside a link to the image.

Each file, written with :mod:`xml.etree.ElementTree`::

    <annotation>
      <folder>pets</folder>
      <filename>001.jpg</filename>
      <path>/data/pets/001.jpg</path>
      <source><database>activelabel</database></source>
      <size><width>640</width><height>480</height></size>
      <segmented>0</segmented>
      <object>
        <name>cat</name><pose>Unspecified</pose>
        <truncated>0</truncated><difficult>0</difficult>
        <bndbox><xmin>64</xmin><ymin>96</ymin><xmax>192</xmax><ymax>288</ymax></bndbox>
      </object>
    </annotation>

``bndbox`` gives the box's edges in pixels from the image's top-left corner
(``xmin = x × width``, ``xmax = (x + w) × width``), as CVAT and Label Studio
write them: whole numbers when they are, else decimals to a millionth of a
pixel, so a box read back is within 1e-6 of the image's size of the one
written. The original VOC devkit's 1-based integer pixels are not used: they
cannot hold a box drawn between pixels. ``size`` has no ``depth``: the import
did not read the images' channels, and a wrong depth is worse than none.

The XML file sits at the image's path as imported (folders named ``images``
or ``labels`` left out), with a symbolic link to the original image beside it
(never a copy: see :func:`~activelabel.io.writers.box_items.link_image`), so
``filename`` is found next to the XML file; ``path`` names the original.
Importing the folder back follows the links, so the media root must hold the
originals too (``--media-root``; see :mod:`~activelabel.io.writers.yolo`).
A labeled image without boxes has a file without ``object``; an image nobody
has labeled has its link and no XML file, which is how the file's readers
tell it apart. ``--labeled-only`` leaves such images out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from activelabel.io.export_files import destination_of
from activelabel.io.writers.box_items import (
    PlaceRegister,
    class_of,
    dataset_path,
    item_boxes,
    item_size,
    link_image,
    pixel,
)
from activelabel.io.writers.protocol import ExportedItem, ItemFormat

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FORMAT", "voc_annotation"]


def _number(value: float) -> str:
    """A pixel coordinate as VOC readers expect: ``64`` rather than ``64.0``."""
    return str(int(value)) if value.is_integer() else repr(value)


def _child(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def voc_annotation(
    item: ExportedItem, labels: dict[str, int], folder: str
) -> ET.Element:
    """The ``<annotation>`` of ``item``; ``labels`` are the project's labels
    (checked), ``folder`` the image's folder inside the export."""
    width, height = item_size(item)
    place = dataset_path(item)
    root = ET.Element("annotation")
    _child(root, "folder", folder)
    _child(root, "filename", place.name)
    if item.media_path:
        _child(root, "path", str(Path(item.media_path).absolute()))
    _child(_child(root, "source"), "database", "activelabel")
    size = _child(root, "size")
    _child(size, "width", str(width))
    _child(size, "height", str(height))
    _child(root, "segmented", "0")
    for box in item_boxes(item):
        class_of(labels, box, item)
        x, y, w, h = (float(box[key]) for key in ("x", "y", "w", "h"))
        obj = _child(root, "object")
        _child(obj, "name", str(box["label"]))
        _child(obj, "pose", "Unspecified")
        _child(obj, "truncated", "0")
        _child(obj, "difficult", "0")
        edges = _child(obj, "bndbox")
        _child(edges, "xmin", _number(pixel(x, width)))
        _child(edges, "ymin", _number(pixel(y, height)))
        _child(edges, "xmax", _number(pixel(x + w, width)))
        _child(edges, "ymax", _number(pixel(y + h, height)))
    ET.indent(root, space="  ")
    return root


def _write(project: Project, items: Iterable[ExportedItem], target: Path) -> int:
    target.mkdir(exist_ok=True)
    labels = {label: number for number, label in enumerate(project.labels)}
    places = PlaceRegister()
    top = destination_of(target).name
    made: set[Path] = {target}
    written = 0
    for item in items:
        place = dataset_path(item)
        places.claim(place.with_suffix(".xml"), item)
        if (target / place).parent not in made:
            (target / place).parent.mkdir(parents=True, exist_ok=True)
            made.add((target / place).parent)
        link_image(item, target / place)
        if item.labeled:
            folder = place.parent.as_posix()
            tree = ET.ElementTree(
                voc_annotation(item, labels, top if folder == "." else folder)
            )
            tree.write(
                target / place.with_suffix(".xml"),
                encoding="utf-8",
                xml_declaration=False,
            )
        written += 1
    return written


#: A folder, named with ``--format voc``.
FORMAT: Final = ItemFormat("voc", "", "application/xml", _write, folder=True)
