""" "Next task" tops a low queue up itself: a team is never told that nothing is
left while items need a label, with no trainer running, on both backends.

The annotators ask in rounds: 16 threads call "next task" at the same moment,
then label what they got. Between rounds the test knows exactly which items
still need a label from whom, so it can say which calls had to get an item.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from api_support import page_client
from sqlalchemy import select

from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, QuerySession, QueueEntry
from activelabel.store.next_tasks import QueueTopUp, next_tasks
from activelabel.store.queue import QueueCandidate, replace_queue
from activelabel.store.submit import submit_label
from activelabel.store.users import add_user

ANNOTATORS = 16


def _project(
    store: Store, project_factory: Any, *, items: int, queued: int, overlap: int = 1
) -> tuple[Any, list[int], list[int]]:
    """A project of ``items`` items, the first ``queued`` in its queue, and 16 annotators."""
    project = project_factory(
        items=[{"text": f"t{i}"} for i in range(items)],
        config={"overlap": overlap} if overlap > 1 else None,
    )
    with store.session(write=True) as session:
        users = [add_user(session, name=f"a{i:02d}")[0].id for i in range(ANNOTATORS)]
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        query = QuerySession(project_id=project.id, strategy="margin", pool_size=items)
        session.add(query)
        session.flush()
        replace_queue(
            session,
            project_id=project.id,
            session_id=query.id,
            candidates=[
                QueueCandidate(i, 100.0 - r) for r, i in enumerate(ids[:queued])
            ],
        )
    return project, users, ids


def _labels_by_item(store: Store) -> dict[int, list[int]]:
    """Item id → the annotators of its active labels."""
    found: dict[int, list[int]] = {}
    with store.session() as session:
        for item_id, annotator in session.execute(
            select(Annotation.item_id, Annotation.annotator_id).where(
                Annotation.status == "active"
            )
        ):
            found.setdefault(item_id, []).append(annotator)
    return found


def _label_in_rounds(
    store: Store, project: Any, users: list[int], ids: list[int], overlap: int
) -> list[tuple[int, int, int]]:
    """Rounds of 16 simultaneous "next task" calls, each followed by the labels,
    until a round where nobody got anything.

    Returns (round, annotator, items this annotator could have been given)
    for every call that came back empty.
    """
    top_up = QueueTopUp(below=4, batch=20)
    empty: list[tuple[int, int, int]] = []
    with ThreadPoolExecutor(ANNOTATORS) as pool:
        for round_no in range(1, 200):
            labels = _labels_by_item(store)
            # Items this annotator may label: fewer than `overlap` labels, none theirs.
            open_to = {
                user: sum(
                    1
                    for item in ids
                    if len(labels.get(item, [])) < overlap
                    and user not in labels.get(item, [])
                )
                for user in users
            }
            start = threading.Barrier(ANNOTATORS)

            def ask(user: int, start: threading.Barrier = start) -> list[int]:
                start.wait()
                got = next_tasks(
                    store,
                    project_id=project.id,
                    user_id=user,
                    n=1,
                    top_up=top_up,
                    overlap=overlap,
                )
                return [t.item_id for t in got.tasks]

            served = dict(zip(users, pool.map(ask, users), strict=True))
            held = [item for items in served.values() for item in items]
            assert len(held) == len(set(held)), f"round {round_no}: {served}"
            if not held:
                return empty
            empty += [
                (round_no, user, open_to[user])
                for user, got in served.items()
                if not got
            ]

            def label(user: int, served: dict[int, list[int]] = served) -> None:
                for item in served[user]:
                    submit_label(
                        store,
                        project=project,
                        item_id=item,
                        value="ham",
                        annotator_id=user,
                    )

            list(pool.map(label, users))
    raise AssertionError("the annotators never ran out of items")


def test_sixteen_annotators_get_an_item_on_every_call_until_the_pool_is_labeled(
    store: Store, project_factory: Any
) -> None:
    project, users, ids = _project(store, project_factory, items=150, queued=8)
    empty = _label_in_rounds(store, project, users, ids, overlap=1)
    # Another annotator holds at most one item each: with 16 or more items
    # still unlabeled, every call must have got one.
    assert [e for e in empty if e[2] >= ANNOTATORS] == []
    labels = _labels_by_item(store)
    assert sorted(labels) == ids
    assert all(len(annotators) == 1 for annotators in labels.values())


def test_with_overlap_each_item_is_labeled_by_that_many_annotators_and_never_twice_by_one(
    store: Store, project_factory: Any
) -> None:
    project, users, ids = _project(
        store, project_factory, items=60, queued=8, overlap=2
    )
    empty = _label_in_rounds(store, project, users, ids, overlap=2)
    assert [e for e in empty if e[2] >= ANNOTATORS] == []
    labels = _labels_by_item(store)
    assert sorted(labels) == ids
    for annotators in labels.values():
        assert len(annotators) == len(set(annotators)) == 2


def test_a_low_queue_is_topped_up_behind_the_rounds_entries_as_random_picks(
    store: Store, project_factory: Any
) -> None:
    project, users, ids = _project(store, project_factory, items=100, queued=3)
    got = next_tasks(
        store,
        project_id=project.id,
        user_id=users[0],
        n=1,
        top_up=QueueTopUp(below=10, batch=20),
    )
    # The best entry of the round first; the queue topped up before it emptied.
    assert [t.item_id for t in got.tasks] == [ids[0]]
    assert got.queue.size == 23
    with store.session() as session:
        entries = session.execute(
            select(QueueEntry.item_id, QueueEntry.priority, QuerySession.strategy)
            .join(QuerySession, QuerySession.id == QueueEntry.session_id)
            .order_by(QueueEntry.priority.desc())
        ).all()
    assert [(e.item_id, e.strategy) for e in entries[:3]] == [
        (ids[0], "margin"),
        (ids[1], "margin"),
        (ids[2], "margin"),
    ]
    added = entries[3:]
    assert len(added) == len({e.item_id for e in added}) == 20
    assert {e.strategy for e in added} == {"random"}
    assert not {e.item_id for e in added} & set(ids[:3])


def test_items_labeled_or_queued_are_never_added_and_a_finished_project_is_empty(
    store: Store, project_factory: Any
) -> None:
    project, users, ids = _project(store, project_factory, items=6, queued=2)
    with store.session(write=True) as session:
        for item in ids[2:]:
            add_annotation(
                session,
                project=project,
                item_id=item,
                value="ham",
                annotator_id=users[1],
            )
    top_up = QueueTopUp(below=10, batch=20)
    first = next_tasks(
        store, project_id=project.id, user_id=users[0], n=5, top_up=top_up
    )
    # Only the two queued items: every other one is labeled.
    assert sorted(t.item_id for t in first.tasks) == ids[:2]
    for item in ids[:2]:
        submit_label(
            store, project=project, item_id=item, value="ham", annotator_id=users[0]
        )
    for user in users[:2]:
        done = next_tasks(
            store, project_id=project.id, user_id=user, n=5, top_up=top_up
        )
        assert done.tasks == [] and done.queue.size == 0
    counts = Counter(item for item, _ in _pairs(store))
    assert set(counts.values()) == {1}


def test_an_item_the_annotator_labeled_is_not_served_to_them_again_after_a_top_up(
    store: Store, project_factory: Any
) -> None:
    project, users, ids = _project(store, project_factory, items=3, queued=0, overlap=2)
    top_up = QueueTopUp(below=10, batch=20)
    mine = []
    for _ in range(3):
        got = next_tasks(
            store,
            project_id=project.id,
            user_id=users[0],
            n=1,
            top_up=top_up,
            overlap=2,
        )
        mine += [t.item_id for t in got.tasks]
        for t in got.tasks:
            submit_label(
                store,
                project=project,
                item_id=t.item_id,
                value="ham",
                annotator_id=users[0],
            )
    assert sorted(mine) == ids
    again = next_tasks(
        store, project_id=project.id, user_id=users[0], n=1, top_up=top_up, overlap=2
    )
    assert again.tasks == []
    # The second annotator still gets each item once.
    theirs = next_tasks(
        store, project_id=project.id, user_id=users[1], n=5, top_up=top_up, overlap=2
    )
    assert sorted(t.item_id for t in theirs.tasks) == ids


def test_the_server_serves_every_item_with_no_trainer_and_an_empty_queue(
    store: Store, project_factory: Any
) -> None:
    project_factory(name="pets", items=[{"text": f"t{i}"} for i in range(30)])
    app = create_app(
        store,
        ServerSettings(open_access=True, background_trainer=False, queue_size=10),
    )
    labeled = []
    with page_client(app) as client:
        api = "/api/v1/projects/pets"
        for _ in range(30):
            got = client.post(f"{api}/tasks/next", json={"n": 1}).json()
            assert len(got["data"]) == 1, f"empty after {len(labeled)} labels"
            item = got["data"][0]["item_id"]
            response = client.post(
                f"{api}/annotations", json={"item_id": item, "value": "ham"}
            )
            assert response.status_code == 201, response.text
            labeled.append(item)
        done = client.post(f"{api}/tasks/next", json={"n": 1}).json()
    assert len(set(labeled)) == 30
    assert done["data"] == [] and done["queue_size"] == 0


def test_random_items_queued_meanwhile_by_another_server_keep_their_entry(
    store: Store, project_factory: Any
) -> None:
    # Two servers' trainers on one PostgreSQL database top a low queue up at
    # once: each checked its picks unqueued before the other's insert.
    from activelabel.store.random_fill import _append_random

    project, _, ids = _project(store, project_factory, items=10, queued=2)
    with store.session(write=True) as session:
        added = _append_random(session, project_id=project.id, picked=ids[1:5])
    assert added == 3  # ids[1] was queued by the round already
    with store.session() as session:
        entries = session.execute(
            select(QueueEntry.item_id, QuerySession.strategy).join(
                QuerySession, QuerySession.id == QueueEntry.session_id
            )
        ).all()
    assert sorted(e.item_id for e in entries) == ids[:5]
    assert {e.item_id for e in entries if e.strategy == "margin"} == set(ids[:2])


def _free_items(store: Store, project_id: int) -> int:
    """Items with no active label that nobody holds a lease on.

    With nothing released, this only ever goes down (items are leased, then
    labeled): counted after an empty answer, a number above 0 means there
    was a free item while the call ran.
    """
    labeled = select(Annotation.item_id).where(Annotation.status == "active")
    held = select(QueueEntry.item_id).where(QueueEntry.leased_by.is_not(None))
    with store.session() as session:
        return len(
            session.scalars(
                select(Item.id).where(
                    Item.project_id == project_id,
                    Item.id.not_in(labeled),
                    Item.id.not_in(held),
                )
            ).all()
        )


def test_annotators_back_to_back_get_an_item_every_time_as_the_batches_grow(
    store: Store, project_factory: Any
) -> None:
    # Free-running, as a team labels: each annotator asks, labels, asks again.
    project, users, ids = _project(store, project_factory, items=400, queued=4)
    top_up = QueueTopUp(below=4, batch=10)
    missed: list[int] = []
    served: list[int] = []

    def annotate(user: int) -> None:
        while True:
            got = next_tasks(
                store, project_id=project.id, user_id=user, n=1, top_up=top_up
            )
            if not got.tasks:
                missed.append(_free_items(store, project.id))
                return
            item = got.tasks[0].item_id
            served.append(item)
            submit_label(
                store, project=project, item_id=item, value="ham", annotator_id=user
            )

    with ThreadPoolExecutor(ANNOTATORS) as pool:
        list(pool.map(annotate, users))
    # Every annotator stopped on an empty answer, and none while an item was free.
    assert missed == [0] * ANNOTATORS
    assert sorted(served) == ids  # every item once: no double assignment
    assert Counter(item for item, _ in _pairs(store)) == Counter(ids)
    # Batches were taken within seconds: they grew past the server's 10.
    assert top_up.batch_for(project.id) > 10


def _pairs(store: Store) -> list[tuple[int, int]]:
    with store.session() as session:
        return [
            (row[0], row[1])
            for row in session.execute(
                select(Annotation.item_id, Annotation.annotator_id).where(
                    Annotation.status == "active"
                )
            )
        ]
