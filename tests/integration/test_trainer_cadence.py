"""The trainer follows a project's labeling rate: a fast team's rounds rest as
long as they take and queue what the team labels meanwhile (both backends)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from activelabel.loop.trainer import BackgroundTrainer
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, Job, ModelVersion
from activelabel.store.random_fill import random_fill


class Clock:
    """Seconds that move only when the test says."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _label(store: Store, project: Any, count: int) -> None:
    """Label the next ``count`` unlabeled items of the project."""
    with store.session(write=True) as session:
        labeled = _labels(store)
        ids = session.scalars(
            select(Item.id).where(Item.project_id == project.id).order_by(Item.id)
        )
        for item_id in list(ids)[labeled : labeled + count]:
            add_annotation(session, project=project, item_id=item_id, value="ham")


def _labels(store: Store) -> int:
    from activelabel.store.models import Annotation

    with store.session() as session:
        return len(session.scalars(select(Annotation.id)).all())


def _jobs(store: Store) -> int:
    with store.session() as session:
        return len(session.scalars(select(Job.id)).all())


def _setup(
    store: Store, db_url: str, project_factory: Any, *, with_model: bool = True
) -> tuple[Any, Any, Clock]:
    project = project_factory(
        items=[{"text": f"t{i}"} for i in range(400)], config={"retrain_every": 10}
    )
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=300)
        if with_model:
            session.add(
                ModelVersion(
                    project_id=project.id, name="v1", n_labels=0, featurizer="f"
                )
            )
    trainer = BackgroundTrainer(store, db_url, queue_size=50)
    clock = Clock()
    trainer.clock = clock
    return project, trainer, clock


def test_a_round_asked_for_by_labels_waits_as_long_as_the_last_round_took(
    store: Store, db_url: str, project_factory: Any
) -> None:
    project, trainer, clock = _setup(store, db_url, project_factory)
    # A round of 30 s just ended; ten labels came in meanwhile.
    trainer.record_round(project.id, started=clock.now - 30.0, ended=clock.now)
    _label(store, project, 10)
    clock.now += 20.0
    trainer._check_projects()
    assert _jobs(store) == 0
    assert trainer.resting(project.id, clock.now)
    # 30 s after it ended, the labels bring the round.
    clock.now += 10.0
    trainer._check_projects()
    assert _jobs(store) == 1


def test_before_the_first_model_labels_bring_a_round_without_resting(
    store: Store, db_url: str, project_factory: Any
) -> None:
    project, trainer, clock = _setup(store, db_url, project_factory, with_model=False)
    # A cold-start round of 30 s just ended; ten labels came in meanwhile.
    trainer.record_round(project.id, started=clock.now - 30.0, ended=clock.now)
    _label(store, project, 10)
    clock.now += 1.0
    trainer._check_projects()
    assert _jobs(store) == 1


def test_one_persons_labels_bring_a_round_with_the_servers_queue_size(
    store: Store, db_url: str, project_factory: Any
) -> None:
    project, trainer, clock = _setup(store, db_url, project_factory)
    trainer.record_round(project.id, started=clock.now - 2.0, ended=clock.now)
    # Ten labels in 20 s: 0.5 labels/s, slower than rounds of 2 s.
    trainer._check_projects()
    for _ in range(10):
        clock.now += 2.0
        _label(store, project, 1)
        trainer._check_projects()
    assert _jobs(store) == 1
    assert trainer.labels_per_second(project.id) == 0.5
    assert trainer.queue_size_for(project.id) == 50
    assert trainer.low_water_for(project.id) == 10


def test_a_fast_teams_rounds_queue_what_it_labels_in_three_rounds(
    store: Store, db_url: str, project_factory: Any
) -> None:
    project, trainer, clock = _setup(store, db_url, project_factory)
    trainer.record_round(project.id, started=clock.now - 4.0, ended=clock.now)
    trainer._check_projects()
    # 240 labels in 4 s: 60 labels/s; rounds of 4 s: 720 entries a round.
    for _ in range(4):
        clock.now += 1.0
        _label(store, project, 60)
        trainer._check_projects()
    assert trainer.labels_per_second(project.id) == 60.0
    assert trainer.queue_size_for(project.id) == 800
    # The refill mark follows: a queue of 150 is low for this team.
    assert trainer.low_water_for(project.id) == 160
    assert _jobs(store) == 1
