"""A round over a detection project, on SQLite and PostgreSQL: imported
predictions order the queue and become suggestions; random before any exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from activelabel.io.importer import import_path
from activelabel.loop import run_round
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project, QueueEntry
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
                # One: 1/2.
                PredictionRow(ids[1], "m", [box(0.4)]),
                # None in the band, and one box with no score: unscored, last.
                PredictionRow(ids[2], "m", [box(0.9), box(None)]),
                # No box: 0.
                PredictionRow(ids[3], "m", []),
            ],
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
