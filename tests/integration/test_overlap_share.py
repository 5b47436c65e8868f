"""Overlap on a share of items: the share is chosen at random but stably, its
items get ``overlap`` labels and the others one, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from typing import Any

from api_support import ProjectFactory
from sqlalchemy import select

from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item
from activelabel.store.next_tasks import QueueTopUp, next_tasks
from activelabel.store.overlap_share import (
    annotators_needed,
    annotators_needed_sql,
    in_overlap_share,
)
from activelabel.store.submit import submit_label
from activelabel.store.users import add_user


def test_the_share_is_stable_and_grows_with_the_setting() -> None:
    ids = range(1, 20_001)
    tenth = {i for i in ids if in_overlap_share(i, 0.1)}
    assert tenth == {i for i in ids if in_overlap_share(i, 0.1)}
    assert 0.09 < len(tenth) / 20_000 < 0.11
    fifth = {i for i in ids if in_overlap_share(i, 0.2)}
    assert tenth < fifth
    assert all(in_overlap_share(i, 1.0) for i in ids)
    assert annotators_needed(next(iter(tenth)), 3, 0.1) == 3
    assert annotators_needed(next(i for i in ids if i not in tenth), 3, 0.1) == 1
    assert annotators_needed(next(iter(tenth)), 1, 0.1) == 1


def test_sql_and_python_choose_the_same_items(
    store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(items=[{"text": f"t{i}"} for i in range(3000)])
    with store.session() as session:
        rows = session.execute(
            select(Item.id, annotators_needed_sql(Item.id)),
            {"share": 0.3, "overlap": 4},
        ).all()
    assert len(rows) == 3000
    assert all(needed == annotators_needed(i, 4, 0.3) for i, needed in rows)
    assert 0.25 < sum(needed == 4 for _, needed in rows) / 3000 < 0.35


def _label_everything(
    store: Store, project: Any, annotators: list[int], top_up: QueueTopUp
) -> None:
    """Each annotator in turn takes five tasks and labels them, until no one
    gets anything."""
    settings = project.settings
    for _ in range(500):
        served = 0
        for user in annotators:
            leased = next_tasks(
                store,
                project_id=project.id,
                user_id=user,
                n=5,
                top_up=top_up,
                overlap=settings.overlap,
                overlap_share=settings.overlap_share,
            )
            for task in leased.tasks:
                submit_label(
                    store,
                    project=project,
                    item_id=task.item_id,
                    value="ham",
                    annotator_id=user,
                )
            served += len(leased.tasks)
        if not served:
            return
    raise AssertionError("labeling did not finish")


def test_items_in_the_share_get_overlap_labels_and_the_others_one(
    store: Store, project_factory: ProjectFactory
) -> None:
    project = project_factory(
        items=[{"text": f"t{i}"} for i in range(240)],
        config={"overlap": 3, "overlap_share": 0.25},
    )
    with store.session(write=True) as session:
        annotators = [add_user(session, name=f"a{i}")[0].id for i in range(4)]
        ids = list(session.scalars(select(Item.id)))
    top_up = QueueTopUp(below=20, batch=20, drained_seconds=0.0)
    _label_everything(store, project, annotators, top_up)
    with store.session() as session:
        labels = Counter(
            session.scalars(
                select(Annotation.item_id).where(Annotation.status == "active")
            )
        )
    in_share = [i for i in ids if in_overlap_share(i, 0.25)]
    assert 0.15 < len(in_share) / len(ids) < 0.35
    assert {i: labels[i] for i in ids} == {i: 3 if i in in_share else 1 for i in ids}
