"""The box writers, each on hand-made image items: COCO JSON, YOLO folders, Pascal
VOC folders and Label Studio rectangles, and their places in the writers' registry."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import ConfigError, ExportError
from activelabel.io.export_files import destination_of, temporary_for
from activelabel.io.writers import WRITERS, ExportedItem, ItemFormat, format_for
from activelabel.store.models import Project

LABELS = ["cat", "dog", "bird"]
CAT = {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"}
DOG = {"x": 0.5, "y": 0.25, "w": 0.5, "h": 0.75, "label": "dog"}


def project(modality: str = "image") -> Project:
    """A detection project as the writers see it (never stored)."""
    return Project(
        name="pets", task="detection", modality=modality, labels=LABELS, config={}
    )


def image(
    folder: Path,
    path: str,
    boxes: Sequence[Mapping[str, Any]] | None,
    *,
    size: tuple[int, int] = (640, 480),
) -> ExportedItem:
    """An exported image item whose file exists under ``folder``;
    ``boxes=None`` is an image nobody has labeled."""
    media = folder / path
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_bytes(b"image bytes of " + path.encode())
    labeled = boxes is not None
    return ExportedItem(
        path,
        {"path": path, "width": size[0], "height": size[1], "format": "JPEG"},
        str(media),
        None if boxes is None else [dict(b) for b in boxes],
        1 if labeled else 0,
        1.0 if labeled else None,
        "human" if labeled else None,
    )


def write(fmt: str, items: Sequence[ExportedItem], target: Path) -> int:
    """Run the registered writer ``fmt`` at ``target``."""
    writer = WRITERS[fmt]
    assert isinstance(writer, ItemFormat)
    return writer.write(project(), items, target)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


# --- COCO -------------------------------------------------------------------


def test_coco_writes_images_boxes_in_pixels_and_labels_as_categories_from_1(
    tmp_path: Path, media: Path
) -> None:
    items = [image(media, "a/001.jpg", [CAT, DOG]), image(media, "002.jpg", [])]
    assert write("coco", items, tmp_path / "out.json") == 2
    coco = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert coco["categories"] == [
        {"id": 1, "name": "cat", "supercategory": ""},
        {"id": 2, "name": "dog", "supercategory": ""},
        {"id": 3, "name": "bird", "supercategory": ""},
    ]
    assert coco["images"] == [
        {"id": 1, "file_name": "a/001.jpg", "width": 640, "height": 480},
        {"id": 2, "file_name": "002.jpg", "width": 640, "height": 480},
    ]
    cat, dog = coco["annotations"]
    assert cat == {
        "id": 1,
        "image_id": 1,
        "category_id": 1,
        "bbox": [64.0, 96.0, 192.0, 192.0],
        "area": 36864.0,
        "iscrowd": 0,
    }
    assert (dog["id"], dog["image_id"], dog["category_id"]) == (2, 1, 2)
    assert dog["bbox"] == [320.0, 120.0, 320.0, 360.0]
    assert coco["licenses"] == [] and "description" in coco["info"]


def test_coco_lists_an_unlabeled_image_without_annotations_and_says_so(
    tmp_path: Path, media: Path
) -> None:
    items = [image(media, "001.jpg", None), image(media, "002.jpg", [CAT])]
    write("coco", items, tmp_path / "out.json")
    coco = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [i["file_name"] for i in coco["images"]] == ["001.jpg", "002.jpg"]
    assert [a["image_id"] for a in coco["annotations"]] == [2]
    fmt = WRITERS["coco"]
    assert isinstance(fmt, ItemFormat)
    assert fmt.unlabeled_as == "as images without annotations"


def test_coco_of_no_items_is_still_a_coco_document(tmp_path: Path) -> None:
    assert write("coco", [], tmp_path / "out.json") == 0
    coco = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert (coco["images"], coco["annotations"], len(coco["categories"])) == (
        [],
        [],
        3,
    )


def test_coco_pixels_read_back_are_within_a_millionth_of_the_image(
    tmp_path: Path, media: Path
) -> None:
    odd = {"x": 1 / 3, "y": 2 / 7, "w": 0.123456789, "h": 0.5 - 2 / 7, "label": "bird"}
    write("coco", [image(media, "001.jpg", [odd], size=(37, 1999))], tmp_path / "o")
    (annotation,) = json.loads((tmp_path / "o").read_text())["annotations"]
    x, y, w, h = annotation["bbox"]
    back = (x / 37, y / 1999, w / 37, h / 1999)
    for got, want in zip(back, (odd["x"], odd["y"], odd["w"], odd["h"]), strict=True):
        assert abs(got - want) <= 1e-6


def test_coco_reads_the_size_of_an_image_imported_from_a_table_from_its_file(
    tmp_path: Path, media: Path
) -> None:
    pil = pytest.importorskip("PIL.Image")
    media.mkdir()
    pil.new("RGB", (50, 20)).save(media / "001.png")
    item = ExportedItem(
        "001", {"file": "001.png"}, str(media / "001.png"), [CAT], 1, 1.0, "human",
        "001.png",
    )  # fmt: skip
    write("coco", [item], tmp_path / "out.json")
    coco = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert coco["images"] == [
        {"id": 1, "file_name": "001.png", "width": 50, "height": 20}
    ]
    assert coco["annotations"][0]["bbox"] == [5.0, 4.0, 15.0, 8.0]


def test_coco_refuses_an_image_without_a_size_naming_the_item(
    tmp_path: Path, media: Path
) -> None:
    item = image(media, "001.jpg", [CAT])
    sizeless = ExportedItem(
        item.external_id,
        {"path": "001.jpg"},
        item.media_path,
        item.value,
        1,
        1.0,
        "human",
    )
    with pytest.raises(
        ExportError, match=r"'001.jpg' has no image size: .* cannot be read"
    ):
        write("coco", [sizeless], tmp_path / "out.json")


def test_coco_refuses_a_box_whose_label_the_project_no_longer_has(
    tmp_path: Path, media: Path
) -> None:
    item = image(media, "001.jpg", [{**CAT, "label": "horse"}])
    with pytest.raises(ExportError, match=r"'001.jpg' has a box labeled 'horse'"):
        write("coco", [item], tmp_path / "out.json")


# --- YOLO -------------------------------------------------------------------


def test_yolo_writes_a_label_file_per_image_with_centres_and_class_ids(
    tmp_path: Path, media: Path
) -> None:
    target = tmp_path / "out"
    assert write("yolo", [image(media, "001.jpg", [CAT, DOG])], target) == 1
    assert (target / "labels" / "001.txt").read_text() == (
        "0 0.250000 0.400000 0.300000 0.400000\n1 0.750000 0.625000 0.500000 0.750000\n"
    )
    assert (target / "classes.txt").read_text() == "cat\ndog\nbird\n"


def test_yolo_links_each_image_to_its_original_rather_than_copying_it(
    tmp_path: Path, media: Path
) -> None:
    target = tmp_path / "out"
    write("yolo", [image(media, "001.jpg", [CAT])], target)
    link = target / "images" / "001.jpg"
    assert link.is_symlink()
    assert Path(os.readlink(link)) == (media / "001.jpg").absolute()
    assert link.read_bytes() == b"image bytes of 001.jpg"


def test_yolo_gives_a_labeled_image_without_boxes_an_empty_file_and_keeps_unlabeled_ones_apart(
    tmp_path: Path, media: Path
) -> None:
    target = tmp_path / "out"
    items = [image(media, "empty.jpg", []), image(media, "todo.jpg", None)]
    write("yolo", items, target)
    assert (target / "labels" / "empty.txt").read_text() == ""
    assert (target / "images" / "empty.jpg").is_symlink()
    # Not under images/: YOLO tools would train on it as an image without objects.
    assert not (target / "images" / "todo.jpg").exists()
    assert not (target / "labels" / "todo.txt").exists()
    assert (target / "unlabeled" / "todo.jpg").is_symlink()


def test_yolo_keeps_subfolders_but_not_folders_named_images_or_labels(
    tmp_path: Path, media: Path
) -> None:
    target = tmp_path / "out"
    write("yolo", [image(media, "images/train2017/001.jpg", [CAT])], target)
    assert (target / "images" / "train2017" / "001.jpg").is_symlink()
    assert (target / "labels" / "train2017" / "001.txt").is_file()


def test_yolo_refuses_two_images_that_would_share_a_label_file(
    tmp_path: Path, media: Path
) -> None:
    items = [image(media, "a.jpg", [CAT]), image(media, "a.png", [DOG])]
    with pytest.raises(
        ExportError, match=r"'a.jpg' and 'a.png' would both be written as a.txt"
    ):
        write("yolo", items, tmp_path / "out")


def test_yolo_data_yaml_names_the_folder_the_export_is_renamed_to(
    tmp_path: Path, media: Path
) -> None:
    yaml = pytest.importorskip("yaml")
    final = tmp_path / "pets yolo"
    temporary = temporary_for(final)
    write("yolo", [image(media, "001.jpg", [CAT])], temporary)
    data = yaml.safe_load((temporary / "data.yaml").read_text(encoding="utf-8"))
    assert data == {
        "path": str(final.absolute()),
        "train": "images",
        "val": "images",
        "nc": 3,
        "names": {0: "cat", 1: "dog", 2: "bird"},
    }


def test_yolo_coordinates_read_back_are_within_a_millionth_of_the_image(
    tmp_path: Path, media: Path
) -> None:
    odd = {"x": 1 / 3, "y": 2 / 7, "w": 0.123456789, "h": 0.5 - 2 / 7, "label": "bird"}
    write("yolo", [image(media, "001.jpg", [odd])], tmp_path / "out")
    line = (tmp_path / "out" / "labels" / "001.txt").read_text().split()
    assert line[0] == "2"
    xc, yc, w, h = map(float, line[1:])
    back = (xc - w / 2, yc - h / 2, w, h)
    for got, want in zip(back, (odd["x"], odd["y"], odd["w"], odd["h"]), strict=True):
        assert abs(got - want) <= 1e-6


# --- Pascal VOC ---------------------------------------------------------------


def test_voc_writes_an_xml_file_with_pixel_edges_beside_a_link_to_the_image(
    tmp_path: Path, media: Path
) -> None:
    target = tmp_path / "out"
    assert write("voc", [image(media, "a/001.jpg", [CAT, DOG])], target) == 1
    root = ET.parse(target / "a" / "001.xml").getroot()
    assert root.tag == "annotation"
    assert root.findtext("folder") == "a"
    assert root.findtext("filename") == "001.jpg"
    assert root.findtext("path") == str((media / "a" / "001.jpg").absolute())
    assert (root.findtext("size/width"), root.findtext("size/height")) == ("640", "480")
    objects = [
        (
            o.findtext("name"),
            [o.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")],
        )
        for o in root.iter("object")
    ]
    assert objects == [
        ("cat", ["64", "96", "256", "288"]),
        ("dog", ["320", "120", "640", "480"]),
    ]
    assert (target / "a" / "001.jpg").is_symlink()


def test_voc_writes_edges_between_pixels_as_decimals(
    tmp_path: Path, media: Path
) -> None:
    half = {"x": 0.25, "y": 0.5, "w": 0.5, "h": 0.25, "label": "bird"}
    write("voc", [image(media, "001.jpg", [half], size=(3, 3))], tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "001.xml").getroot()
    edges = [
        root.findtext(f"object/bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")
    ]
    assert edges == ["0.75", "1.5", "2.25", "2.25"]


def test_voc_writes_no_xml_for_an_unlabeled_image_and_no_object_for_an_empty_one(
    tmp_path: Path, media: Path
) -> None:
    target = tmp_path / "out"
    write(
        "voc", [image(media, "empty.jpg", []), image(media, "todo.jpg", None)], target
    )
    empty = ET.parse(target / "empty.xml").getroot()
    assert list(empty.iter("object")) == []
    assert not (target / "todo.xml").exists()
    assert (target / "todo.jpg").is_symlink()


# --- Label Studio -------------------------------------------------------------


def test_labelstudio_writes_an_image_projects_boxes_as_rectangles_in_percent(
    tmp_path: Path, media: Path
) -> None:
    items = [image(media, "001.jpg", [CAT]), image(media, "002.jpg", None)]
    write("labelstudio", items, tmp_path / "out.json")
    first, second = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert first["data"] == {"image": "001.jpg"}
    assert first["meta"] == {"external_id": "001.jpg"}
    (result,) = first["annotations"][0]["result"]
    assert result["type"] == "rectanglelabels"
    assert (result["from_name"], result["to_name"]) == ("label", "image")
    assert (result["original_width"], result["original_height"]) == (640, 480)
    value = result["value"]
    assert value["rectanglelabels"] == ["cat"]
    for key, want in (("x", 10.0), ("y", 20.0), ("width", 30.0), ("height", 40.0)):
        assert value[key] == pytest.approx(want, abs=1e-9)
    assert second["annotations"] == []


def test_labelstudio_refuses_a_modality_it_has_no_task_for(tmp_path: Path) -> None:
    writer = WRITERS["labelstudio"]
    assert isinstance(writer, ItemFormat)
    with pytest.raises(ConfigError, match="text and image projects"):
        writer.write(project("audio"), [], tmp_path / "out.json")


# --- Registry and targets -----------------------------------------------------


def test_the_box_formats_are_registered_and_named_with_format() -> None:
    kinds = [WRITERS[name] for name in ("coco", "yolo", "voc")]
    assert [f.folder for f in kinds if isinstance(f, ItemFormat)] == [False, True, True]
    assert format_for(Path("pets"), "YOLO") == "yolo"


def test_a_temporary_export_name_leads_back_to_its_destination(tmp_path: Path) -> None:
    final = tmp_path / "pets.coco.json"
    assert destination_of(temporary_for(final)) == final
    assert destination_of(final) == final
