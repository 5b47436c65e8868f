"""Pascal VOC: a folder of XML files, one per image, with pixel boxes.

::

    <annotation>
      <filename>cat.jpg</filename>
      <size><width>640</width><height>480</height></size>
      <object><name>cat</name>
        <bndbox><xmin>48</xmin><ymin>240</ymin><xmax>195</xmax><ymax>371</ymax></bndbox>
      </object>
    </annotation>

The edges are read as pixel coordinates of a continuous image (``xmin`` is
the left edge, ``xmax - xmin`` the width), as LabelImg, CVAT and Label Studio
write them; the devkit's 1-based integers then sit a pixel off, well inside
what a person draws. An image is looked for by ``<filename>`` under
``--media-root``, beside the XML, in the folder read, and in a ``JPEGImages``
or ``images`` folder beside either (VOC's own layout); then by ``<path>``.

An XML with no ``<object>`` is an image labeled with no objects; an image in
the folder without an XML is imported unlabeled; an XML whose image is not
found is left out and named in the import's notes. Malformed XML is refused
with the parser's line, a box without its four edges or of zero size with
the object's line. Documents with a DTD are refused (entity expansion).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from activelabel.exceptions import ImportFormatError
from activelabel.io.media import iter_media_files
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.box_sources import (
    BOXES,
    IMAGE,
    STATED_SIZE,
    UNITS,
    find_image,
    number,
    orphans_note,
    stated_size,
)
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions

__all__ = ["FORMAT", "Element", "parse_xml", "read_voc"]


@dataclass
class Element:
    """An XML element with the line it starts on."""

    tag: str
    line: int
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Element | None:
        """The first child named ``tag``."""
        return next((c for c in self.children if c.tag == tag), None)

    def child_text(self, tag: str) -> str | None:
        """The stripped text of the first child named ``tag`` (``None``: no child)."""
        child = self.find(tag)
        return child.text.strip() if child is not None else None


def parse_xml(path: Path) -> Element:
    """The document's root element, with lines; a sentence naming the parser's line."""
    parser = expat.ParserCreate()
    stack: list[Element] = []
    root: list[Element] = []

    def start(tag: str, _attrs: dict[str, str]) -> None:
        element = Element(tag, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def data(text: str) -> None:
        if stack:
            stack[-1].text += text

    def doctype(*_args: Any) -> None:
        raise ImportFormatError(
            f"{path}, line {parser.CurrentLineNumber}: the XML declares a document "
            "type (DTD), which a VOC file has no need of; it is refused, as entities "
            "could expand without bound."
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = doctype
    try:
        with path.open("rb") as f:
            parser.ParseFile(f)
    except expat.ExpatError as exc:
        raise ImportFormatError(
            f"{path}, line {exc.lineno}: malformed XML "
            f"({expat.ErrorString(exc.code)}, column {exc.offset + 1})."
        ) from None
    return root[0]


def _object_box(path: Path, obj: Element) -> dict[str, Any]:
    where = f"{path}, line {obj.line}"
    name = obj.child_text("name")
    if not name:
        raise ImportFormatError(f"{where}: the <object> has no <name>.")
    bndbox = obj.find("bndbox")
    if bndbox is None:
        raise ImportFormatError(f"{where}: the <object> {name!r} has no <bndbox>.")
    edges = {}
    for tag in ("xmin", "ymin", "xmax", "ymax"):
        value = bndbox.child_text(tag)
        if value is None:
            raise ImportFormatError(
                f"{path}, line {bndbox.line}: the <bndbox> of {name!r} has no <{tag}>."
            )
        edges[tag] = number(value, f"<{tag}>", f"{path}, line {bndbox.line}")
    return {
        "x": edges["xmin"],
        "y": edges["ymin"],
        "w": edges["xmax"] - edges["xmin"],
        "h": edges["ymax"] - edges["ymin"],
        "label": name,
        "where": where,
    }


def _image_bases(o: ReadOptions, xml: Path) -> list[Path | None]:
    near = [xml.parent, o.path, xml.parent.parent, o.path.parent]
    bases: list[Path | None] = [o.media_root, xml.parent, o.path]
    bases += [folder / sub for folder in near for sub in ("JPEGImages", "images")]
    return bases


def read_voc(o: ReadOptions) -> Iterator[Batch]:
    """One row per image of a VOC folder, its boxes in pixels."""
    folder = o.path
    if not folder.is_dir():
        raise ImportFormatError(
            f"{folder} is not a folder; Pascal VOC is read from a folder of XML "
            "files and their images."
        )
    xmls = sorted(p for p in folder.rglob("*.xml") if not p.name.startswith("."))
    images = list(iter_media_files(folder, kinds=frozenset({"image"})))
    if not xmls and not images:
        raise ImportFormatError(f"{folder} holds no VOC XML files and no images.")
    done = 0
    place = ""

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal done, place
        used: set[Path] = set()
        orphans: list[str] = []
        for xml in xmls:
            place = xml.relative_to(folder).as_posix()
            root = parse_xml(xml)
            if root.tag != "annotation":
                raise ImportFormatError(
                    f"{xml}, line {root.line}: a VOC file's root element is "
                    f"<annotation>, not <{root.tag}>."
                )
            name = root.child_text("filename") or xml.with_suffix(".jpg").name
            found = find_image(name, _image_bases(o, xml))
            stated = root.child_text("path")
            if found is None and stated:
                found = find_image(stated, [])
            done += 1
            if found is None:
                orphans.append(xml.relative_to(folder).as_posix())
                continue
            used.add(found)
            boxes = [
                _object_box(xml, obj) for obj in root.children if obj.tag == "object"
            ]
            size = root.find("size")
            yield {
                IMAGE: str(found),
                UNITS: "pixels",
                BOXES: boxes,
                STATED_SIZE: stated_size(
                    size.child_text("width"), size.child_text("height")
                )
                if size is not None
                else None,
            }
        for image in images:
            if image.resolve() not in used:
                done += 1
                place = image.relative_to(folder).as_posix()
                yield {IMAGE: str(image.resolve()), UNITS: "pixels", BOXES: None}
        if orphans:
            o.notes.append(orphans_note(folder, orphans))

    return batched(rows(), o.batch_size, lambda: done, lambda: place)


FORMAT = ReaderFormat(
    "voc", (), read_voc, text=False, folder=True, label_column=BOXES, boxes=read_voc
)
