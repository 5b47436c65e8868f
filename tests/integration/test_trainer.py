"""The background trainer with its worker process, as `activelabel serve` runs it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from api_support import page_client

from activelabel.io.importer import import_path
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store, open_store
from activelabel.store.projects import create_project

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "sms_spam.csv"


def wait_for(predicate, seconds: float = 180.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def sms_store(
    tmp_path: Path, config: dict[str, Any] | None = None
) -> tuple[Store, str]:
    """A SQLite store with project ``sms``: the example's 600 texts, 40 labeled."""
    url = f"sqlite:///{tmp_path / 'al.db'}"
    store = open_store(url)
    with store.session() as session:
        create_project(
            session,
            name="sms",
            task="classification",
            labels="ham,spam",
            settings=config,
        )
    import_path(
        store, "sms", EXAMPLE, text_column="text", id_column="id", label_column="label"
    )
    return store, url


def _label(task: dict[str, Any]) -> str:
    """The model's suggestion, or ham: a model that learned one class of two
    (the first SMS model learned ham alone) suggests nothing."""
    suggestion = task["suggestion"]
    return str(suggestion["label"]) if suggestion else "ham"


def test_new_labels_trigger_a_retrain_that_reorders_the_queue(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    store, url = sms_store(tmp_path, config={"retrain_every": 5})
    settings = ServerSettings(open_access=True, trainer_poll_seconds=0.2, queue_size=50)
    with page_client(create_app(store, settings, url=url)) as client:
        # Imported labels give a first model without anyone labeling.
        assert wait_for(
            lambda: (
                client.get("/api/v1/projects/sms/model-versions").json()["count"] >= 1
            )
        )
        first = client.get("/api/v1/projects/sms/stats").json()["model"]["name"]
        tasks = client.post("/api/v1/projects/sms/tasks/next", json={"n": 5}).json()[
            "data"
        ]
        assert tasks and tasks[0]["source"]["kind"] == "active_learning"
        for task in tasks:
            response = client.post(
                "/api/v1/projects/sms/annotations",
                json={"item_id": task["item_id"], "value": _label(task)},
            )
            assert response.status_code == 201
        # Five new labels (retrain_every=5): a second model, trained on 45 labels.
        assert wait_for(
            lambda: (
                client.get("/api/v1/projects/sms/stats").json()["model"]["name"]
                != first
            )
        )
        stats = client.get("/api/v1/projects/sms/stats").json()
        assert stats["model"]["n_labels"] == 45
        assert [p["n_labels"] for p in stats["learning_curve"]] == [40, 45]
        assert stats["training"]["last_error"] is None
        fresh = client.post("/api/v1/projects/sms/tasks/next", json={"n": 1}).json()[
            "data"
        ][0]
        assert fresh["source"]["session_id"] > tasks[0]["source"]["session_id"]

        # An idle worker exits (its memory goes back); the next round starts another.
        trainer = client.app.state.trainer  # type: ignore[attr-defined]
        assert trainer.worker_running
        trainer.worker_idle_seconds = 0.5
        assert wait_for(lambda: not trainer.worker_running, 30)
        second = stats["model"]["name"]
        more = client.post("/api/v1/projects/sms/tasks/next", json={"n": 5}).json()
        for task in more["data"]:
            client.post(
                "/api/v1/projects/sms/annotations",
                json={"item_id": task["item_id"], "value": _label(task)},
            )
        assert wait_for(
            lambda: (
                client.get("/api/v1/projects/sms/stats").json()["model"]["name"]
                != second
            )
        )
    store.close()


def test_a_first_round_runs_as_the_server_starts_not_after_the_first_poll(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    store, url = sms_store(tmp_path)
    # A poll interval far longer than a round: only a round started at once
    # gives the imported labels a model within the wait below.
    settings = ServerSettings(open_access=True, trainer_poll_seconds=600, queue_size=50)
    with page_client(create_app(store, settings, url=url)) as client:
        assert wait_for(
            lambda: (
                client.get("/api/v1/projects/sms/model-versions").json()["count"] >= 1
            ),
            120,
        )
        task = client.post("/api/v1/projects/sms/tasks/next", json={"n": 1}).json()
        assert task["data"][0]["source"]["kind"] == "active_learning"
    store.close()


def test_the_trainer_queues_one_job_when_labels_are_due_and_requeues_a_stale_one(
    store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from sqlalchemy import select

    from activelabel.loop.trainer import BackgroundTrainer
    from activelabel.store.annotations import add_annotation
    from activelabel.store.jobs import STALE_AFTER
    from activelabel.store.models import Item, Job, utcnow
    from activelabel.store.random_fill import random_fill

    quiet = project_factory(items=[{"text": f"q{i}"} for i in range(30)])
    due = project_factory(
        items=[{"text": f"d{i}"} for i in range(30)], config={"retrain_every": 3}
    )
    trainer = BackgroundTrainer(store, db_url, queue_size=20)
    with store.session(write=True) as session:
        for project in (quiet, due):
            random_fill(session, project_id=project.id, size=20)
        ids = session.scalars(select(Item.id).where(Item.project_id == due.id))
        for item_id in list(ids)[:3]:
            add_annotation(session, project=due, item_id=item_id, value="ham")
        # A job another server started and stopped renewing a while ago.
        session.add(
            Job(
                project_id=quiet.id,
                kind="train",
                state="running",
                started_at=utcnow() - dt.timedelta(minutes=5),
                heartbeat_at=utcnow() - STALE_AFTER - dt.timedelta(seconds=1),
                result={},
            )
        )

    trainer._check_projects()
    trainer._check_projects()  # nothing new: no second job

    with store.session() as session:
        jobs = session.execute(
            select(Job.project_id, Job.state, Job.error).order_by(Job.id)
        ).all()
    # The stale job is back in the queue for any trainer to run again.
    assert [(j.project_id, j.state) for j in jobs] == [
        (quiet.id, "queued"),
        (due.id, "queued"),
    ]


def test_a_low_queue_holding_every_unlabeled_item_does_not_retrain_again_and_again(
    store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from activelabel.loop import trainer as trainer_module
    from activelabel.loop.trainer import BackgroundTrainer
    from activelabel.store.models import Item, Job
    from activelabel.store.random_fill import random_fill

    # 8 items, all queued: under the low-water mark (10), with nothing to add.
    small = project_factory(items=[{"text": f"s{i}"} for i in range(8)])
    trainer = BackgroundTrainer(store, db_url, queue_size=20)
    with store.session(write=True) as session:
        assert random_fill(session, project_id=small.id, size=20) == 8

    trainer._check_projects()
    with store.session() as session:
        assert session.scalars(select(Job)).all() == []

    # New items arrive (an import): the next look after the wait queues a round.
    with store.session(write=True) as session:
        session.add(
            Item(
                project_id=small.id,
                external_id="new",
                data={"text": "n"},
                content_hash="n",
            )
        )
    trainer._check_projects()  # still within the wait: nothing looked up
    with store.session() as session:
        assert session.scalars(select(Job)).all() == []
    trainer._drained_until.clear()  # as when DRAINED_SECONDS have passed
    assert trainer_module.DRAINED_SECONDS > 0
    trainer._check_projects()
    with store.session() as session:
        jobs = session.execute(select(Job.project_id, Job.state)).all()
    assert [(j.project_id, j.state) for j in jobs] == [(small.id, "queued")]


def test_a_queue_that_runs_low_during_a_round_is_topped_up_behind_the_queued_items(
    store, db_url, project_factory
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from activelabel.loop.trainer import BackgroundTrainer
    from activelabel.store.annotations import add_annotation
    from activelabel.store.models import Item, QuerySession, QueueEntry
    from activelabel.store.random_fill import random_fill

    project = project_factory(items=[{"text": f"t{i}"} for i in range(60)])
    trainer = BackgroundTrainer(store, db_url, queue_size=20)  # low water: 10
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=3)
        first = set(session.scalars(select(QueueEntry.item_id)))
        unqueued = session.scalars(
            select(Item.id).where(Item.id.notin_(first)).order_by(Item.id)
        )
        labeled = list(unqueued)[:30]
        for item_id in labeled:
            add_annotation(session, project=project, item_id=item_id, value="ham")

    trainer._top_up_low_queues()

    with store.session() as session:
        entries = session.execute(
            select(QueueEntry.item_id, QuerySession.strategy)
            .join(QuerySession, QuerySession.id == QueueEntry.session_id)
            .order_by(QueueEntry.priority.desc())
        ).all()
    assert len(entries) == 20
    assert {e.item_id for e in entries[:3]} == first  # still served first
    assert not {e.item_id for e in entries} & set(labeled)
    assert {e.strategy for e in entries} == {"random"}

    # A project is topped up at most every TOP_UP_SECONDS.
    with store.session(write=True) as session:
        for entry in session.scalars(select(QueueEntry)).all()[:15]:
            session.delete(entry)
    trainer._top_up_low_queues()
    with store.session() as session:
        assert len(session.scalars(select(QueueEntry.id)).all()) == 5


def test_items_labeled_after_being_picked_are_not_queued(
    store, project_factory
) -> None:  # type: ignore[no-untyped-def]
    from activelabel.store.annotations import add_annotation
    from activelabel.store.queue import queue_size
    from activelabel.store.random_fill import pick_at_random, queue_at_random

    project = project_factory(items=[{"text": f"t{i}"} for i in range(10)])
    with store.session() as session:
        picked = pick_at_random(session, project_id=project.id, size=4)
    assert len(picked) == 4
    with store.session(write=True) as session:
        add_annotation(session, project=project, item_id=picked[0], value="ham")
    with store.session(write=True) as session:
        assert queue_at_random(session, project_id=project.id, item_ids=picked) == 3
        assert queue_size(session, project_id=project.id) == 3


def test_probing_random_ids_finds_only_unlabeled_unqueued_items_of_the_project(
    store, project_factory
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from activelabel.store.annotations import add_annotation
    from activelabel.store.models import Item, QueueEntry
    from activelabel.store.random_fill import probe_at_random, random_fill

    other = project_factory(items=[{"text": f"o{i}"} for i in range(50)])
    project = project_factory(items=[{"text": f"t{i}"} for i in range(200)])
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=50)
        queued = set(session.scalars(select(QueueEntry.item_id)))
        free = session.scalars(
            select(Item.id)
            .where(Item.project_id == project.id, Item.id.notin_(queued))
            .order_by(Item.id)
        ).all()
        labeled = set(free[:100])
        for item_id in labeled:
            add_annotation(session, project=project, item_id=item_id, value="ham")
    eligible = set(free) - labeled  # 50 items

    with store.session() as session:
        found = probe_at_random(session, project_id=project.id, size=20, tries=10)
        assert probe_at_random(session, project_id=other.id + 1000, size=5) == []
    assert len(found) == len(set(found)) == 20
    assert set(found) <= eligible
