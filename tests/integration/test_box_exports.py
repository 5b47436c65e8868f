"""A detection project's exports, on SQLite and PostgreSQL.

A folder of images imported into a detection project and labeled with boxes
exports as COCO JSON, YOLO and Pascal VOC folders, Label Studio rectangles and
the row formats (boxes as JSON), each with the images' paths and sizes the
import read, boxes in each format's unit, and unlabeled images told apart
where the format can.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app as cli
from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item

Image = pytest.importorskip("PIL.Image")

LABELS = ("cat", "dog")
#: Each image's path in the folder, its size, and its boxes (None: unlabeled).
IMAGES: dict[str, tuple[tuple[int, int], list[dict[str, Any]] | None]] = {
    "garden/001.png": (
        (64, 48),
        [
            {"x": 0.125, "y": 0.25, "w": 0.5, "h": 0.5, "label": "cat"},
            {"x": 1 / 3, "y": 1 / 6, "w": 0.6, "h": 0.75, "label": "dog"},
        ],
    ),
    "002.png": ((40, 30), [{"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0, "label": "dog"}]),
    "003.png": ((32, 32), []),
    "004.png": ((16, 8), None),
}


@pytest.fixture
def pets(store: Store, project_factory: Any, tmp_path: Path) -> Path:
    """The images imported as a folder into the detection project ``pets`` and
    labeled as :data:`IMAGES` says; returns the images' folder."""
    folder = tmp_path / "photos"
    for path, (size, _) in IMAGES.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, (90, 120, 30)).save(folder / path)
    project = project_factory("pets", task="detection", modality="image", labels=LABELS)
    report = import_path(store, "pets", folder)
    assert report.items_added == len(IMAGES)
    with store.session() as session:
        ids = dict(
            session.execute(
                select(Item.media_path, Item.id).where(Item.project_id == project.id)
            ).all()
        )
        for path, (_, boxes) in IMAGES.items():
            if boxes is not None:
                add_annotation(session, project=project, item_id=ids[path], value=boxes)
    return folder


def test_coco_names_each_image_by_its_path_with_its_size_and_pixel_boxes(
    store: Store, pets: Path, tmp_path: Path
) -> None:
    report = export_labels(store, "pets", tmp_path / "pets.json", fmt="coco")
    assert (report.rows, report.unlabeled) == (4, 1)
    assert report.notes == [
        "1 item has no label yet and is written in coco as images without "
        "annotations, as if labeled; leave unlabeled items out with --labeled-only "
        "(include_unlabeled=False)."
    ]
    coco = json.loads((tmp_path / "pets.json").read_text(encoding="utf-8"))
    images = {i["file_name"]: i for i in coco["images"]}
    assert {name: (i["width"], i["height"]) for name, i in images.items()} == {
        path: size for path, (size, _) in IMAGES.items()
    }
    assert [c["name"] for c in coco["categories"]] == list(LABELS)
    by_image: dict[str, list[list[float]]] = {name: [] for name in images}
    names = {i["id"]: i["file_name"] for i in coco["images"]}
    for annotation in coco["annotations"]:
        by_image[names[annotation["image_id"]]].append(annotation["bbox"])
    assert by_image["garden/001.png"] == [
        [8.0, 12.0, 32.0, 24.0],
        [21.333333, 8.0, 38.4, 36.0],
    ]
    assert by_image["002.png"] == [[0.0, 0.0, 40.0, 30.0]]
    assert by_image["003.png"] == by_image["004.png"] == []


def test_yolo_writes_a_folder_whose_images_link_to_the_originals(
    store: Store, pets: Path, tmp_path: Path
) -> None:
    target = tmp_path / "pets-yolo"
    report = export_labels(store, "pets", target, fmt="yolo")
    assert (report.rows, report.notes) == (4, [])
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "classes.txt",
        "data.yaml",
        "images",
        "images/002.png",
        "images/003.png",
        "images/garden",
        "images/garden/001.png",
        "labels",
        "labels/002.txt",
        "labels/003.txt",
        "labels/garden",
        "labels/garden/001.txt",
        "unlabeled",
        "unlabeled/004.png",
    ]
    link = target / "images" / "garden" / "001.png"
    assert Path(os.readlink(link)) == (pets / "garden" / "001.png").resolve()
    assert (target / "labels" / "garden" / "001.txt").read_text() == (
        "0 0.375000 0.500000 0.500000 0.500000\n1 0.633333 0.541667 0.600000 0.750000\n"
    )
    assert (target / "labels" / "003.txt").read_text() == ""
    assert (
        f"path: {json.dumps(str(target.absolute()))}\n"
        in (target / "data.yaml").read_text()
    )
    # Nothing of the temporary folder is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pets-yolo", "photos"]


def test_voc_writes_an_xml_file_per_labeled_image_beside_its_link(
    store: Store, pets: Path, tmp_path: Path
) -> None:
    target = tmp_path / "pets-voc"
    export_labels(store, "pets", target, fmt="voc")
    xml_files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.xml"))
    assert xml_files == ["002.xml", "003.xml", "garden/001.xml"]
    root = ET.parse(target / "garden" / "001.xml").getroot()
    assert root.findtext("filename") == "001.png"
    assert (target / "garden" / root.findtext("filename", "")).is_symlink()
    edges = [
        [
            float(o.findtext(f"bndbox/{k}", "nan"))
            for k in ("xmin", "ymin", "xmax", "ymax")
        ]
        for o in root.iter("object")
    ]
    assert edges == [[8, 12, 40, 36], [21.333333, 8, 59.733333, 44]]
    assert (target / "004.png").is_symlink() and not (target / "004.xml").exists()


def test_labelstudio_writes_rectangles_in_percent_of_each_image(
    store: Store, pets: Path, tmp_path: Path
) -> None:
    export_labels(store, "pets", tmp_path / "ls.json", fmt="labelstudio")
    tasks = {
        t["data"]["image"]: t
        for t in json.loads((tmp_path / "ls.json").read_text(encoding="utf-8"))
    }
    assert tasks["004.png"]["annotations"] == []
    assert tasks["003.png"]["annotations"][0]["result"] == []
    (whole,) = tasks["002.png"]["annotations"][0]["result"]
    assert whole["type"] == "rectanglelabels"
    assert (whole["original_width"], whole["original_height"]) == (40, 30)
    assert {k: whole["value"][k] for k in ("x", "y", "width", "height")} == {
        "x": 0.0,
        "y": 0.0,
        "width": 100.0,
        "height": 100.0,
    }
    assert tasks["002.png"]["meta"] == {"external_id": "002.png"}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_the_row_formats_hold_the_boxes_as_json_beside_the_media_path(
    store: Store, pets: Path, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"pets.{fmt}"
    report = export_labels(store, "pets", target)
    assert (report.fmt, report.rows) == (fmt, 4)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in target.read_text().splitlines()]
    else:
        frame = pd.read_csv(target) if fmt == "csv" else pd.read_parquet(target)
        rows = frame.to_dict("records")
    found = {}
    for row in rows:
        label = row["label"]
        if isinstance(label, str):
            label = json.loads(label)
        elif label is not None and label != label:  # NaN: an empty CSV cell
            label = None
        found[row["path"]] = (row["media_path"], label, row["status"])
    assert found == {
        path: (
            str(pets / path),
            boxes,
            "unlabeled" if boxes is None else "labeled",
        )
        for path, (_, boxes) in IMAGES.items()
    }


def test_the_command_line_writes_a_yolo_folder_and_refuses_a_full_one(
    store: Store, db_url: str, pets: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    args = ["export", "pets", "-o", str(target), "--format", "yolo", "--db", db_url]
    result = CliRunner().invoke(cli, [*args, "--labeled-only"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 items" in " ".join(result.stdout.split())
    assert not (target / "unlabeled").exists()
    again = CliRunner().invoke(cli, args)
    assert again.exit_code != 0
    assert "the folder is not empty" in " ".join((again.stdout + again.stderr).split())


def test_each_coco_file_name_resolves_against_the_folder_the_images_came_from(
    store: Store, pets: Path, tmp_path: Path
) -> None:
    export_labels(store, "pets", tmp_path / "pets.json", fmt="coco")
    coco = json.loads((tmp_path / "pets.json").read_text(encoding="utf-8"))
    assert all((pets / image["file_name"]).is_file() for image in coco["images"])
