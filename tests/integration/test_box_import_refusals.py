"""Bad box files: a sentence naming the file (and line), nothing stored.

Each source below holds the fixture's good images and boxes and one bad thing
near its end, so rows before it were written when it is met; the import is one
transaction, so the project (which already holds an image, its boxes and a
prediction) is left exactly as it was. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from activelabel.exceptions import (
    ConfigError,
    ImportFormatError,
    InvalidLabelError,
    MediaError,
)
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, MediaRoot, Prediction, Project

DETECTION = Path(__file__).parent.parent / "fixtures" / "detection"
CLASSES = tuple((DETECTION / "classes.txt").read_text().split("\n")[:80])
LAST = "000000000643"  # the last labeled image in file order


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a box import may touch."""
    with store.session() as session:

        def rows(model: type[Any]) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return {
            "items": rows(Item),
            "annotations": rows(Annotation),
            "predictions": rows(Prediction),
            "roots": rows(MediaRoot),
            "configs": [p.config for p in session.scalars(select(Project))],
        }


@pytest.fixture
def stocked(
    store: Store, project_factory: Any, tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """A detection project holding one labeled image and one prediction."""
    project_factory("coco", task="detection", modality="image", labels=CLASSES)
    seed = tmp_path_factory.mktemp("seed")
    (seed / "labels").mkdir()
    shutil.copy(DETECTION / "classes.txt", seed)
    for stem in ("000000000472", "000000000536"):
        shutil.copy(DETECTION / "images" / f"{stem}.jpg", seed)
    shutil.copy(DETECTION / "labels" / "000000000472.txt", seed / "labels")
    (seed / "000000000472.txt").write_text("4 0.5 0.5 0.2 0.2\n")
    import_path(store, "coco", seed)
    (seed / "000000000536.txt").write_text("0 0.5 0.5 0.2 0.2 0.9\n")
    import_path(store, "coco", seed, as_predictions=True)
    before = snapshot(store)
    assert (before["items"], before["annotations"], before["predictions"]) == (2, 1, 2)
    return store


def yolo_copy(folder: Path, bad_line: str | None = None) -> Path:
    """The fixture's YOLO folder with ``bad_line`` added to the last label file."""
    target = folder / "yolo"
    shutil.copytree(DETECTION / "images", target / "images")
    shutil.copytree(DETECTION / "labels", target / "labels")
    shutil.copy(DETECTION / "classes.txt", target)
    if bad_line is not None:
        label_file = target / "labels" / f"{LAST}.txt"
        label_file.write_text(label_file.read_text() + bad_line + "\n")
    return target


def coco_copy(folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = json.loads((DETECTION / "coco.json").read_text())
    change(document)
    target = folder / "coco.json"
    target.write_text(json.dumps(document))
    shutil.copytree(DETECTION / "images", folder / "images")
    return target


def voc_copy(folder: Path, text: str) -> Path:
    target = folder / "voc"
    shutil.copytree(DETECTION / "voc", target)
    (target / f"{LAST}.xml").write_text(text)
    return folder


def refused(
    store: Store, error: type[Exception], match: str, path: Path, **kw: Any
) -> None:
    before = snapshot(store)
    with pytest.raises(error, match=match):
        import_path(store, "coco", path, **kw)
    assert snapshot(store) == before


def test_yolo_coordinates_outside_0_to_1_are_refused_with_file_and_line(
    stocked: Store, tmp_path: Path
) -> None:
    folder = yolo_copy(tmp_path, "0 0.5 1.25 0.1 0.1")
    lines = len((DETECTION / "labels" / f"{LAST}.txt").read_text().splitlines())
    refused(
        stocked,
        ImportFormatError,
        rf"labels/{LAST}\.txt, line {lines + 1}: y_centre is 1\.25, outside 0 to 1",
        folder,
    )


def test_a_yolo_class_id_outside_the_classes_is_refused_with_file_and_line(
    stocked: Store, tmp_path: Path
) -> None:
    folder = yolo_copy(tmp_path, "80 0.5 0.5 0.1 0.1")
    refused(
        stocked,
        ImportFormatError,
        rf"{LAST}\.txt, line \d+: the class id 80 is outside the 80 classes of "
        r"classes\.txt \(ids 0 to 79\)",
        folder,
    )


def test_a_coco_annotation_pointing_at_a_missing_image_id_is_refused(
    stocked: Store, tmp_path: Path
) -> None:
    def point_away(document: dict[str, Any]) -> None:
        document["annotations"][-1]["image_id"] = 4242

    path = coco_copy(tmp_path, point_away)
    count = len(json.loads(path.read_text())["annotations"])
    refused(
        stocked,
        ImportFormatError,
        rf"coco\.json, annotation {count} \(id {count}\): its image_id 4242 is not "
        "the id of any image",
        path,
    )


def test_malformed_voc_xml_is_refused_with_the_parsers_line(
    stocked: Store, tmp_path: Path
) -> None:
    root = voc_copy(
        tmp_path,
        f"<annotation>\n  <filename>{LAST}.jpg</filename>\n  <object>\n"
        "    <name>cup</name>\n</annotation>\n",
    )
    shutil.copytree(DETECTION / "images", root / "images")
    refused(
        stocked,
        ImportFormatError,
        rf"voc/{LAST}\.xml, line 5: malformed XML \(mismatched tag",
        root / "voc",
        media_root=root,
    )


@pytest.mark.parametrize(
    ("fmt", "match"),
    [
        ("coco", r"coco\.json, annotation \d+ \(id \d+\): the box 'cup' has zero or "),
        ("voc", rf"{LAST}\.xml, line 4: the box 'cup' has zero or negative size"),
        ("yolo", rf"{LAST}\.txt, line \d+: the box has zero size"),
    ],
)
def test_a_box_of_zero_or_negative_size_is_refused_with_its_place(
    stocked: Store, tmp_path: Path, fmt: str, match: str
) -> None:
    kw: dict[str, Any] = {}
    if fmt == "coco":

        def flatten(document: dict[str, Any]) -> None:
            document["annotations"][-1]["bbox"][3] = 0
            document["annotations"][-1]["category_id"] = 42  # cup

        path = coco_copy(tmp_path, flatten)
    elif fmt == "voc":
        path = voc_copy(
            tmp_path,
            f"<annotation>\n  <filename>{LAST}.jpg</filename>\n"
            "  <size><width>640</width><height>480</height></size>\n"
            "  <object>\n    <name>cup</name>\n    <bndbox>\n"
            "      <xmin>50</xmin><ymin>60</ymin><xmax>40</xmax><ymax>90</ymax>\n"
            "    </bndbox>\n  </object>\n</annotation>\n",
        )
        shutil.copytree(DETECTION / "images", path / "images")
        kw["media_root"] = path
        path = path / "voc"
    else:
        path = yolo_copy(tmp_path, "41 0.5 0.5 0.1 0")
    refused(
        stocked,
        InvalidLabelError if fmt != "yolo" else ImportFormatError,
        match,
        path,
        **kw,
    )


def test_an_image_that_cannot_be_decoded_is_refused_with_its_name(
    stocked: Store, tmp_path: Path
) -> None:
    folder = yolo_copy(tmp_path)
    (folder / "images" / f"{LAST}.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    refused(
        stocked,
        MediaError,
        rf"The image 'images/{LAST}\.jpg' is broken or not an image",
        folder,
    )


def test_a_class_outside_the_projects_labels_names_the_closest_label(
    stocked: Store, tmp_path: Path
) -> None:
    def rename(document: dict[str, Any]) -> None:
        document["categories"][4]["name"] = "aeroplane"

    refused(
        stocked,
        InvalidLabelError,
        r"coco\.json, annotation \d+ \(id \d+\): 'aeroplane' is not a label of this "
        r"project; the closest of its 80 labels are: 'airplane'",
        coco_copy(tmp_path, rename),
    )


def test_an_image_outside_the_media_root_is_refused(stocked: Store) -> None:
    # The VOC fixture's images are in images/ beside voc/, outside voc/ itself.
    refused(
        stocked,
        MediaError,
        r"is outside the media root .*pass a wider --media-root",
        DETECTION / "voc",
    )


def test_options_that_do_not_fit_a_box_format_are_refused(stocked: Store) -> None:
    refused(
        stocked,
        ConfigError,
        r"--classes names the class ids of a YOLO folder",
        DETECTION / "coco.json",
        classes=["cat"],
    )
    refused(
        stocked,
        ConfigError,
        r"read as yolo, whose boxes carry their labels; --label-from-folder",
        DETECTION,
        label_from_folder=True,
    )
