"""A round over a detection project, on SQLite and PostgreSQL: imported
predictions order the queue and become suggestions; random before any exists."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from activelabel.exceptions import ConfigError
from activelabel.io.importer import import_path
from activelabel.loop import run_round
from activelabel.loop.box_round import detector_images
from activelabel.ml.model_families import load_image_model
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, ModelVersion, Project, QueueEntry
from activelabel.store.next_tasks import next_tasks
from activelabel.store.predictions import PredictionRow, write_predictions
from activelabel.store.users import add_user

DETECTION = Path(__file__).parent.parent / "fixtures" / "detection"
CLASSES = tuple((DETECTION / "classes.txt").read_text().split("\n")[:80])
PREDICTIONS = DETECTION / "coco_predictions.json"


def detection_project(project_factory: Any, name: str = "coco") -> Project:
    project: Project = project_factory(
        name, task="detection", modality="image", labels=CLASSES
    )
    return project


def best_scores_in_file() -> dict[str, float]:
    """Each image's highest box score, read straight from the COCO file."""
    coco = json.loads(PREDICTIONS.read_text())
    names = {image["id"]: Path(image["file_name"]).name for image in coco["images"]}
    best: dict[str, float] = {}
    for annotation in coco["annotations"]:
        name = names[annotation["image_id"]]
        best[name] = max(best.get(name, 0.0), annotation["score"])
    return best


def queue_of(store: Store, project_id: int) -> list[tuple[str, QueueEntry]]:
    with store.session() as session:
        rows = session.execute(
            select(Item.external_id, QueueEntry)
            .join(Item, Item.id == QueueEntry.item_id)
            .where(QueueEntry.project_id == project_id)
            .order_by(QueueEntry.priority.desc())
        ).all()
        session.expunge_all()
    return [(Path(name).name, entry) for name, entry in rows]


def test_imported_predictions_are_served_as_suggestions_least_confident_first(
    store: Store, project_factory: Any
) -> None:
    project = detection_project(project_factory)
    import_path(store, "coco", PREDICTIONS, as_predictions=True, model_name="yolov8n")
    report = run_round(store, project.id, queue_size=50)
    assert report.strategy == "least_confident_box"
    assert "No detector is set" in (report.note or "")

    best = best_scores_in_file()
    queue = queue_of(store, project.id)
    # The image the file gives no box (000000000250.jpg) has no prediction:
    # unscored, it comes after every image with one.
    assert len(queue) == len(best) + 1
    last_name, last = queue.pop()
    assert last_name not in best
    assert last.score is None and last.suggestion is None
    # Least-confident first: the queue's scores are 1 - each image's best score.
    for name, entry in queue:
        assert entry.score == pytest.approx(1 - best[name])
        assert entry.confidence == pytest.approx(best[name])
        assert entry.suggestion, name
        assert {box["source"] for box in entry.suggestion} == {"prediction"}
        assert max(box["score"] for box in entry.suggestion) == pytest.approx(
            best[name]
        )
        assert {"x", "y", "w", "h", "label"} <= set(entry.suggestion[0])
    scores = [entry.score for _, entry in queue]
    assert scores == sorted(scores, reverse=True)

    # Served to an annotator in that order, each with its source and score.
    with store.session(write=True) as session:
        user = add_user(session, name="ann")[0].id
    served = next_tasks(store, project_id=project.id, user_id=user, n=3).tasks
    assert [t.item_id for t in served] == [e.item_id for _, e in queue[:3]]
    first = served[0]
    assert first.score == pytest.approx(scores[0])
    assert first.suggestion[0]["source"] == "prediction"


def test_the_box_strategy_setting_orders_by_entropy_or_uncertain_boxes(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(
        "boxes",
        task="detection",
        modality="image",
        labels=("cat", "dog"),
        items=[{"path": f"{i}.jpg"} for i in range(4)],
        config={"strategy": "uncertain_box_count"},
    )
    with store.session(write=True) as session:
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))

        def box(score: float | None) -> dict[str, Any]:
            found = {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "label": "cat"}
            return found if score is None else {**found, "score": score}

        write_predictions(
            session,
            project.id,
            [
                # Two boxes in the 0.3-0.7 band: 2/3.
                PredictionRow(ids[0], "m", [box(0.5), box(0.6), box(0.95)]),
                # None in the band (this model's; the newer one below has one).
                PredictionRow(ids[1], "m", [box(0.9)]),
                # None in the band, and one box with no score: unscored, last.
                PredictionRow(ids[2], "m", [box(0.9), box(None)]),
                # No box: 0.
                PredictionRow(ids[3], "m", []),
            ],
        )
        # A newer model's prediction of the second image wins over the first's.
        write_predictions(
            session,
            project.id,
            [PredictionRow(ids[1], "m2", [box(0.4)])],
            now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5),
        )
    report = run_round(store, project.id, queue_size=10)
    assert report.strategy == "uncertain_box_count"
    queue = queue_of(store, project.id)
    assert [e.item_id for _, e in queue] == [ids[0], ids[1], ids[3], ids[2]]
    assert [e.score for _, e in queue] == pytest.approx([2 / 3, 1 / 2, 0.0, None])
    assert queue[2][1].suggestion is None  # nothing to suggest on an empty image


def test_before_any_prediction_the_queue_is_random_and_labeled_images_stay_out(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(
        "plain",
        task="detection",
        modality="image",
        labels=("cat",),
        items=[{"path": f"{i}.jpg"} for i in range(6)],
    )
    with store.session(write=True) as session:
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        row = session.get_one(Project, project.id)
        add_annotation(
            session,
            project=row,
            item_id=ids[0],
            value=[{"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "label": "cat"}],
        )
    report = run_round(store, project.id, queue_size=10)
    assert report.strategy == "random"
    queue = queue_of(store, project.id)
    assert sorted(e.item_id for _, e in queue) == ids[1:]
    assert all(e.score is None and e.suggestion is None for _, e in queue)


PLUGIN = Path(__file__).parents[1] / "fixtures" / "detector_plugin" / "nearest_boxes.py"


@pytest.fixture
def nearest_boxes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test plug-in installed as a distribution: a dist-info declaring it
    under ``activelabel.detectors``, on the import path."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(PLUGIN, site / "nearest_boxes.py")
    info = site / "activelabel_test_detectors-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: activelabel-test-detectors\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        "[activelabel.detectors]\nnearest-boxes = nearest_boxes:make_detector\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return "nearest-boxes"


def yolo_boxes(stem: str) -> list[dict[str, Any]]:
    boxes = []
    for line in (DETECTION / "labels" / f"{stem}.txt").read_text().splitlines():
        c, xc, yc, w, h = line.split()
        x = max(0.0, float(xc) - float(w) / 2)
        y = max(0.0, float(yc) - float(h) / 2)
        boxes.append(
            {
                "x": x,
                "y": y,
                "w": min(float(w), 1 - x),
                "h": min(float(h), 1 - y),
                "label": CLASSES[int(c)],
            }
        )
    return boxes


def test_a_detector_plugin_is_fitted_in_the_round_and_its_boxes_order_the_queue(
    store: Store, project_factory: Any, nearest_boxes: str
) -> None:
    project = project_factory(
        "fit",
        task="detection",
        modality="image",
        labels=CLASSES,
        config={"detector": nearest_boxes},
    )
    # The images (and a model's predictions, which the detector's boxes replace).
    import_path(store, "fit", PREDICTIONS, as_predictions=True)
    labeled = sorted(p.stem for p in (DETECTION / "labels").glob("*.txt"))[:6]
    with store.session(write=True) as session:
        by_stem = {
            Path(name).stem: item_id
            for item_id, name in session.execute(
                select(Item.id, Item.external_id).where(Item.project_id == project.id)
            )
        }
        row = session.get_one(Project, project.id)
        for stem in labeled:
            add_annotation(
                session, project=row, item_id=by_stem[stem], value=yolo_boxes(stem)
            )
    report = run_round(store, project.id, queue_size=50)
    assert report.strategy == "least_confident_box"
    assert report.model_version is not None
    assert set(report.seconds) >= {"train", "predict"}

    with store.session() as session:
        version = session.scalars(
            select(ModelVersion).where(ModelVersion.project_id == project.id)
        ).one()
        session.expunge(version)
    metrics = version.metrics
    assert metrics["score_metric"] == "map50"
    assert metrics["detector"] == nearest_boxes
    assert metrics["held_out"] == 1  # a fifth of 6 labeled images
    assert version.n_labels == 5
    assert version.featurizer == "detector:nearest-boxes"
    assert version.cv_score is not None and 0.0 <= version.cv_score <= 1.0

    queue = queue_of(store, project.id)
    assert {name for name, _ in queue} == {
        f"{stem}.jpg" for stem in by_stem if stem not in labeled
    }
    # The stored detector, loaded back, predicts the boxes the queue suggests.
    fitted = load_image_model(
        "box_detector", version.artifact or b"", detector=nearest_boxes
    )
    images = detector_images(store, project.id, [e.item_id for _, e in queue])
    for _, entry in queue:
        boxes = fitted.predict([images[entry.item_id]])[0]
        if not boxes:
            assert entry.suggestion is None and entry.score == 0.0
            continue
        best = max(b["score"] for b in boxes)
        assert entry.score == pytest.approx(1 - best)
        assert entry.confidence == pytest.approx(best)
        assert [{**b, "source": "model"} for b in boxes] == entry.suggestion
    scores = [entry.score for _, entry in queue]
    assert scores == sorted(scores, reverse=True)


def test_a_detector_name_nobody_installed_fails_the_round_with_the_installed_names(
    store: Store, project_factory: Any, nearest_boxes: str
) -> None:
    project = project_factory(
        "missing",
        task="detection",
        modality="image",
        labels=CLASSES,
        config={"detector": "yolo-nano"},
    )
    import_path(store, "missing", DETECTION, as_predictions=False)
    with pytest.raises(
        ConfigError, match=r"No detector named 'yolo-nano'.*nearest-boxes"
    ):
        run_round(store, project.id)


def test_predictions_without_scores_are_suggested_in_random_order(
    store: Store, project_factory: Any
) -> None:
    # A YOLO folder's labels imported as a model's output: boxes, no scores.
    project = detection_project(project_factory, "unscored")
    import_path(store, "unscored", DETECTION, as_predictions=True)
    report = run_round(store, project.id, queue_size=50)
    assert report.strategy == "random"
    assert "carry no scores" in (report.note or "")
    queue = queue_of(store, project.id)
    assert len(queue) == 11
    assert all(entry.score is None for _, entry in queue)
    suggested = [entry for _, entry in queue if entry.suggestion]
    assert len(suggested) == 10
    assert all(b["source"] == "prediction" for e in suggested for b in e.suggestion)
