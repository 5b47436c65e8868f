"""Importing images with boxes into a detection project, on SQLite and PostgreSQL.

Every fixture format (a YOLO folder, COCO JSON, a Pascal VOC folder, a Label
Studio export) imports the same ten labeled coco128 images and their boxes as
labels, or with ``as_predictions`` as a model's predictions with scores. The
images are stored exactly as a folder import stores them, so the same images
imported twice are the same items.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, Prediction, Project

DETECTION = Path(__file__).parent.parent / "fixtures" / "detection"
CLASSES = tuple((DETECTION / "classes.txt").read_text().split("\n")[:80])
LABELED = sorted(p.stem for p in (DETECTION / "voc").glob("*.xml"))

#: Each fixture format: the source, its import options, and how close its
#: boxes are to the YOLO file's, relative and in pixels (COCO keeps 2 decimals
#: of a pixel; VOC whole pixels, so a size is off by up to a pixel).
FORMATS: dict[str, tuple[Path, dict[str, Any], tuple[float, float]]] = {
    "yolo": (DETECTION, {}, (1e-6, 0.0)),
    "coco": (DETECTION / "coco.json", {}, (0.0, 0.006)),
    "voc": (DETECTION / "voc", {"media_root": DETECTION}, (0.0, 1.0)),
    "labelstudio": (DETECTION / "labelstudio.json", {}, (1e-6, 0.0)),
}


def detection_project(project_factory: Any, name: str = "coco") -> Project:
    project: Project = project_factory(
        name, task="detection", modality="image", labels=CLASSES
    )
    return project


def yolo_boxes(stem: str) -> list[tuple[str, float, float, float, float]]:
    boxes = []
    for line in (DETECTION / "labels" / f"{stem}.txt").read_text().splitlines():
        c, xc, yc, w, h = line.split()
        x, y = float(xc) - float(w) / 2, float(yc) - float(h) / 2
        boxes.append((CLASSES[int(c)], x, y, float(w), float(h)))
    return boxes


def assert_same_boxes(
    value: list[dict[str, Any]],
    stem: str,
    tolerance: tuple[float, float],
    size: tuple[int, int],
) -> None:
    want = yolo_boxes(stem)
    assert [b["label"] for b in value] == [w[0] for w in want]
    relative, pixels = tolerance
    across = max(relative, pixels / size[0])
    down = max(relative, pixels / size[1])
    for box, (_, x, y, w, h) in zip(value, want, strict=True):
        assert box["x"] == pytest.approx(x, abs=across), stem
        assert box["w"] == pytest.approx(w, abs=across), stem
        assert box["y"] == pytest.approx(y, abs=down), stem
        assert box["h"] == pytest.approx(h, abs=down), stem
        got = (box["x"], box["y"], box["w"], box["h"])
        assert min(got) >= 0 and box["x"] + box["w"] <= 1 and box["y"] + box["h"] <= 1


def size(item: Item) -> tuple[int, int]:
    return int(item.data["width"]), int(item.data["height"])


def stored(store: Store, project: Project) -> dict[str, tuple[Item, Any, Any]]:
    """Each item by its image's stem, with its active label and its prediction."""
    with store.session() as session:
        items = session.scalars(
            select(Item).where(Item.project_id == project.id).order_by(Item.id)
        ).all()
        labels = dict(
            session.execute(
                select(Annotation.item_id, Annotation.value).where(
                    Annotation.status == "active"
                )
            ).all()
        )
        predictions = {
            p.item_id: p
            for p in session.scalars(select(Prediction).order_by(Prediction.id))
        }
        for item in items:
            session.expunge(item)
        for p in predictions.values():
            session.expunge(p)
        return {
            Path(item.media_path or "").stem: (
                item,
                labels.get(item.id),
                predictions.get(item.id),
            )
            for item in items
        }


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_fixture_format_imports_the_same_boxes_as_labels(
    store: Store, project_factory: Any, fmt: str
) -> None:
    project = detection_project(project_factory)
    source, options, tolerance = FORMATS[fmt]
    report = import_path(store, "coco", source, **options)
    items = stored(store, project)
    labeled = {stem for stem, (_, value, _) in items.items() if value is not None}
    predicted = {stem for stem, (_, _, p) in items.items() if p is not None}
    # Label Studio's fixture holds half its boxes as a model's predictions.
    assert labeled | predicted == set(LABELED)
    assert report.labels_added == len(labeled)
    assert report.predictions_added == len(predicted)
    for stem in LABELED:
        item, value, prediction = items[stem]
        assert item.external_id == f"images/{stem}.jpg" == item.media_path
        assert item.data["path"] == item.media_path
        assert set(item.data) == {"path", "width", "height", "format"}
        if value is not None:
            assert_same_boxes(value, stem, tolerance, size(item))
            assert all(set(b) == {"x", "y", "w", "h", "label"} for b in value)
        else:
            assert_same_boxes(prediction.value, stem, tolerance, size(item))
            assert prediction.model_name == "yolo-fixture"
            assert all(0 < b["score"] < 1 for b in prediction.value)
    if fmt != "voc":  # the VOC fixture has no XML for the image without labels
        item, value, prediction = items["000000000250"]
        assert value is None and prediction is None


@pytest.mark.parametrize("fmt", ["yolo", "coco", "labelstudio"])
def test_each_fixture_format_imports_its_boxes_as_predictions_with_scores(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    project = detection_project(project_factory)
    source, options, tolerance = FORMATS[fmt]
    if fmt == "coco":
        source = DETECTION / "coco_predictions.json"
    if fmt == "yolo":
        # A detector's output: each YOLO line with a sixth column, its score.
        source = tmp_path / "run"
        shutil.copytree(DETECTION, source)
        for label_file in (source / "labels").glob("*.txt"):
            lines = label_file.read_text().splitlines()
            label_file.write_text("".join(f"{line} 0.875\n" for line in lines))
    report = import_path(
        store, "coco", source, as_predictions=True, model_name="yolov8n", **options
    )
    items = stored(store, project)
    assert report.labels_added == 0
    assert report.predictions_added == len(LABELED)
    for stem in LABELED:
        item, value, prediction = items[stem]
        assert value is None
        assert prediction.model_name == "yolov8n"
        assert_same_boxes(prediction.value, stem, tolerance, size(item))
        # Label Studio's annotations (half its tasks) carry no score.
        if fmt != "labelstudio" or prediction.score is not None:
            assert all(0.3 <= b["score"] < 1 for b in prediction.value)
    if fmt == "yolo":
        assert {b["score"] for _, _, p in items.values() if p for b in p.value} == {
            0.875
        }


def test_the_same_images_from_a_folder_and_from_each_format_are_the_same_items(
    store: Store, project_factory: Any
) -> None:
    project = detection_project(project_factory)
    first = import_path(store, "coco", DETECTION / "images", media_root=DETECTION)
    assert first.items_added == 11
    before = {
        stem: item.content_hash for stem, (item, _, _) in stored(store, project).items()
    }
    for source, options, _ in FORMATS.values():
        report = import_path(store, "coco", source, **options)
        assert report.items_added == 0
        assert report.items_existing == report.rows_read
    after = stored(store, project)
    assert {stem: item.content_hash for stem, (item, _, _) in after.items()} == before
    # The last import (Label Studio) supersedes the labels the others gave.
    assert sum(1 for _, value, _ in after.values() if value is not None) == len(LABELED)


def test_importing_the_same_predictions_again_replaces_them(
    store: Store, project_factory: Any
) -> None:
    detection_project(project_factory)
    source = DETECTION / "coco_predictions.json"
    import_path(store, "coco", source, as_predictions=True)
    again = import_path(store, "coco", source, as_predictions=True)
    assert again.predictions_added == len(LABELED)
    with store.session() as session:
        names = session.scalars(select(Prediction.model_name)).all()
    assert names == ["coco_predictions.json"] * len(LABELED)


def test_the_cli_imports_a_yolo_folder_with_classes_and_names_the_orphan_label_file(
    store: Store, project_factory: Any, db_url: str, tmp_path: Path
) -> None:
    detection_project(project_factory)
    folder = tmp_path / "yolo"
    shutil.copytree(DETECTION / "images", folder / "images")
    shutil.copytree(DETECTION / "labels", folder / "labels")
    result = CliRunner().invoke(
        app,
        ["import", "coco", str(folder), "--classes", ",".join(CLASSES), "--db", db_url],
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "11 new items" in output and "10 labels added" in output
    assert (
        "Note: " + f"{folder}: 1 label file has no image and was not imported: "
        "labels/000000000656.txt." in output
    )


def test_the_cli_imports_coco_as_predictions_under_a_model_name(
    store: Store, project_factory: Any, db_url: str
) -> None:
    detection_project(project_factory)
    result = CliRunner().invoke(
        app,
        [
            "import",
            "coco",
            str(DETECTION / "coco_predictions.json"),
            "--as-predictions",
            "--model-name",
            "detr",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{len(LABELED)} predictions added" in " ".join(result.output.split())
    with store.session() as session:
        assert set(session.scalars(select(Prediction.model_name))) == {"detr"}


def test_an_image_whose_stated_size_differs_from_the_decoded_one_is_noted(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    detection_project(project_factory)
    document = json.loads((DETECTION / "coco.json").read_text())
    first = document["images"][0]
    width, height = first["width"], first["height"]
    first["width"], first["height"] = height, width
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(document))
    report = import_path(store, "coco", path, media_root=DETECTION / "images")
    assert report.labels_added == len(LABELED)
    assert report.notes == [
        f"{path}: 1 image has another size in the file than the image decoded (an "
        "image replaced or rotated since it was labeled?); the pixel boxes were made "
        f"relative to the decoded size: {first['file_name']} ({height} × {width} in "
        f"the file, {width} × {height} decoded)."
    ]
