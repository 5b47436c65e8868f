"""The two calls of every labeled item, on both backends: "next task" and "submit label".

On PostgreSQL each is a statement or two instead of a statement per step
(``store/next_tasks.py``, ``store/submit.py``); these tests hold both
backends to the same rules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from activelabel.exceptions import (
    ConfigError,
    InvalidLabelError,
    ItemLeasedError,
    ItemNotFoundError,
)
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import (
    Annotation,
    Item,
    ModelVersion,
    QuerySession,
    QueueEntry,
    utcnow,
)
from activelabel.store.next_tasks import QueueTopUp, next_tasks
from activelabel.store.queue import QueueCandidate, replace_queue
from activelabel.store.submit import submit_label
from activelabel.store.users import add_user


@pytest.fixture
def queue(store: Store, project_factory: Any) -> dict[str, Any]:
    """Eight items queued by a margin session, priority = position (the last is best),
    and three annotators."""
    project = project_factory(items=[{"text": f"t{i}"} for i in range(8)])
    with store.session(write=True) as session:
        users = [add_user(session, name=n)[0].id for n in ("alice", "bob", "carol")]
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        query = QuerySession(project_id=project.id, strategy="margin", pool_size=8)
        session.add(query)
        session.flush()
        replace_queue(
            session,
            project_id=project.id,
            session_id=query.id,
            candidates=[
                QueueCandidate(i, float(p), suggestion="ham", confidence=0.7, score=0.4)
                for p, i in enumerate(ids)
            ],
        )
        query_id = query.id
    return {
        "project": project,
        "ids": ids,
        "alice": users[0],
        "bob": users[1],
        "carol": users[2],
        "session": query_id,
    }


def _next(store: Store, q: dict[str, Any], user: str, **kwargs: Any) -> Any:
    return next_tasks(store, project_id=q["project"].id, user_id=q[user], **kwargs)


def test_next_tasks_leases_the_best_free_items_with_what_the_page_shows(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    got = _next(store, queue, "alice", n=2)
    assert [t.item_id for t in got.tasks] == [ids[7], ids[6]]
    first = got.tasks[0]
    assert first.data == {"text": "t7"}
    assert (first.strategy, first.session_id) == ("margin", queue["session"])
    assert (first.suggestion, first.confidence, first.score) == ("ham", 0.7, 0.4)
    assert got.queue.size == 8 and got.queue.model is None
    with store.session() as session:
        holders = dict(
            session.execute(
                select(QueueEntry.item_id, QueueEntry.leased_by).where(
                    QueueEntry.leased_by.is_not(None)
                )
            ).all()
        )
    assert holders == {ids[7]: queue["alice"], ids[6]: queue["alice"]}


def test_next_tasks_renews_the_callers_leases_first_and_never_returns_more_than_n(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    first = _next(store, queue, "alice", n=3)
    later = utcnow() + dt.timedelta(minutes=1)
    again = _next(store, queue, "alice", n=2, now=later)
    assert [t.item_id for t in again.tasks] == [ids[7], ids[6]]
    assert again.tasks[0].lease_expires_at > first.tasks[0].lease_expires_at
    # All three were renewed, though only two came back.
    with store.session() as session:
        expiries = set(
            session.scalars(
                select(QueueEntry.lease_expires_at).where(
                    QueueEntry.leased_by == queue["alice"]
                )
            )
        )
    assert len(expiries) == 1


def test_next_tasks_skips_excluded_items_labeled_ones_and_other_annotators_leases(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    bob = _next(store, queue, "bob", n=2)
    assert [t.item_id for t in bob.tasks] == [ids[7], ids[6]]
    with store.session(write=True) as session:
        add_annotation(
            session,
            project=queue["project"],
            item_id=ids[5],
            value="ham",
            annotator_id=queue["alice"],
        )
    alice = _next(store, queue, "alice", n=2, exclude=[ids[4]])
    assert [t.item_id for t in alice.tasks] == [ids[3], ids[2]]


def test_an_expired_lease_frees_its_item_for_another_annotator(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    _next(store, queue, "alice", n=1, lease=dt.timedelta(seconds=30))
    later = utcnow() + dt.timedelta(minutes=1)
    bob = _next(store, queue, "bob", n=1, now=later)
    assert [t.item_id for t in bob.tasks] == [ids[7]]


def test_next_tasks_on_an_empty_queue_leases_nothing_but_still_names_the_newest_model(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": "a"}])
    with store.session(write=True) as session:
        user = add_user(session, name="alice")[0].id
        session.add(
            ModelVersion(project_id=project.id, name="v1", n_labels=3, featurizer="f")
        )
    got = next_tasks(store, project_id=project.id, user_id=user, n=5)
    assert got.tasks == []
    assert got.queue.size == 0
    assert got.queue.model is not None and got.queue.model.name == "v1"


@contextlib.contextmanager
def _statements() -> Iterator[list[str]]:
    """The first word of every statement any engine sends meanwhile."""
    sent: list[str] = []

    def before(*args: Any) -> None:
        sent.append(args[2].split()[0].upper())

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def test_next_tasks_costs_one_statement_on_postgresql_and_a_few_on_sqlite(
    store: Store, queue: dict[str, Any]
) -> None:
    _next(store, queue, "alice", n=2)  # the lease connection is opened once
    with _statements() as renewing:
        _next(store, queue, "alice", n=2)
    with _statements() as claiming:
        _next(store, queue, "bob", n=2)
    top_up = QueueTopUp(below=3, batch=20)
    with _statements() as short:  # 4 of the 5 asked: a top-up finds nothing more
        _next(store, queue, "carol", n=5, top_up=top_up)
    if store.dialect == "postgresql":
        assert renewing == claiming == ["WITH"]
        assert short == ["WITH", "WITH"]  # the lease, the top-up
        return
    # Renew, (claim,) read the leased items, read the queue's status.
    assert renewing == ["BEGIN", "UPDATE", "SELECT", "SELECT"]
    assert claiming == ["BEGIN", "UPDATE", "UPDATE", "SELECT", "SELECT"]
    # Then the top-up's pick, which found nothing to queue.
    assert short == ["BEGIN", "UPDATE", "UPDATE", "SELECT", "SELECT", "SELECT"]


def test_annotators_racing_for_next_tasks_never_hold_the_same_item(
    store: Store, queue: dict[str, Any]
) -> None:
    got: dict[str, list[int]] = {}
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def ask(user: str) -> None:
        try:
            start.wait()
            got[user] = [t.item_id for t in _next(store, queue, user, n=3).tasks]
        except BaseException as exc:  # reported below, with the thread's name
            errors.append(exc)

    threads = [
        threading.Thread(target=ask, args=(u,)) for u in ("alice", "bob", "carol")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    held = [i for items in got.values() for i in items]
    assert len(held) == len(set(held)) == 8  # 3 + 3 + the 2 left


def _submit(store: Store, q: dict[str, Any], item: int, **kwargs: Any) -> Any:
    return submit_label(
        store,
        project=q["project"],
        item_id=item,
        annotator_id=kwargs.pop("annotator", q["alice"]),
        **{"value": "spam", **kwargs},
    )


def _active(store: Store) -> list[tuple[int, Any, str]]:
    with store.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    Annotation.item_id, Annotation.value, Annotation.status
                ).order_by(Annotation.id)
            )
        ]


def _queued(store: Store) -> set[int]:
    with store.session() as session:
        return set(session.scalars(select(QueueEntry.item_id)))


def test_submitting_a_label_stores_it_with_its_session_and_dequeues_the_item(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    done = _submit(store, queue, ids[7], session_id=queue["session"], seconds_spent=2.5)
    assert done.created and done.item.external_id and done.item.data == {"text": "t7"}
    assert done.annotation.session_id == queue["session"]
    with store.session() as session:
        stored = session.get(Annotation, done.annotation.id)
        assert stored is not None
        assert (stored.value, stored.annotator_id, stored.seconds_spent) == (
            "spam",
            queue["alice"],
            2.5,
        )
        assert stored.session_id == queue["session"]
    assert ids[7] not in _queued(store) and len(_queued(store)) == 7


def test_labeling_an_item_again_supersedes_the_annotators_earlier_label_only(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    _submit(store, queue, ids[7], value="ham")
    _submit(store, queue, ids[7], value="ham", annotator=queue["bob"])
    _submit(store, queue, ids[7], value="spam")
    assert _active(store) == [
        (ids[7], "ham", "superseded"),
        (ids[7], "ham", "active"),
        (ids[7], "spam", "active"),
    ]


def test_a_resent_submission_is_stored_once_and_returns_the_first(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    first = _submit(store, queue, ids[7], client_id="c-1")
    again = _submit(store, queue, ids[7], client_id="c-1", value="ham")
    assert not again.created
    assert again.annotation.id == first.annotation.id
    assert again.annotation.value == "spam"
    assert _active(store) == [(ids[7], "spam", "active")]


def test_a_request_resent_while_the_first_is_in_flight_is_still_stored_once(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    start = threading.Barrier(4)
    results: list[Any] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            start.wait()
            results.append(_submit(store, queue, ids[7], client_id="same"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({r.annotation.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert _active(store) == [(ids[7], "spam", "active")]


def test_a_session_of_another_project_is_dropped_and_an_accepted_suggestion_names_the_model(
    store: Store, queue: dict[str, Any], project_factory: Any
) -> None:
    other = project_factory(name="other", items=[{"text": "x"}])
    with store.session(write=True) as session:
        foreign = QuerySession(project_id=other.id, strategy="random", pool_size=1)
        model = ModelVersion(
            project_id=queue["project"].id, name="v1", n_labels=3, featurizer="f"
        )
        session.add_all([foreign, model])
        session.flush()
        foreign_id, model_id = foreign.id, model.id
    done = _submit(
        store, queue, queue["ids"][7], session_id=foreign_id, accepted_suggestion=True
    )
    assert done.annotation.session_id is None
    assert done.annotation.model_version_id == model_id


def test_a_bad_submission_names_the_problem_and_writes_nothing(
    store: Store, queue: dict[str, Any], project_factory: Any
) -> None:
    other = project_factory(name="other", items=[{"text": "x"}])
    with store.session() as session:
        foreign_item = session.scalar(
            select(Item.id).where(Item.project_id == other.id)
        )
    assert foreign_item is not None
    with pytest.raises(ItemNotFoundError, match=f"no item with id {foreign_item}"):
        _submit(store, queue, foreign_item)
    with pytest.raises(InvalidLabelError, match="'maybe' is not a label"):
        _submit(store, queue, queue["ids"][7], value="maybe")
    with pytest.raises(ConfigError, match="seconds_spent"):
        _submit(store, queue, queue["ids"][7], seconds_spent=-1.0)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Annotation)) == 0
    assert len(_queued(store)) == 8


def test_with_overlap_an_item_stays_queued_until_enough_annotators_labeled_it(
    store: Store, queue: dict[str, Any]
) -> None:
    project = queue["project"]
    project.update_settings(overlap=2)
    ids = queue["ids"]
    _submit(store, queue, ids[7])
    assert ids[7] in _queued(store)
    _submit(store, queue, ids[7], annotator=queue["bob"])
    assert ids[7] not in _queued(store)


def test_a_label_for_an_item_another_annotator_holds_is_refused_and_writes_nothing(
    store: Store, queue: dict[str, Any]
) -> None:
    ids = queue["ids"]
    _next(store, queue, "bob", n=1, lease=dt.timedelta(seconds=30))
    with pytest.raises(ItemLeasedError, match=f"Item {ids[7]} of .* is leased"):
        _submit(store, queue, ids[7], client_id="c-1")
    assert _active(store) == [] and ids[7] in _queued(store)
    # The lease's holder labels it; once a lease expires, anyone may.
    _submit(store, queue, ids[7], annotator=queue["bob"])
    _next(store, queue, "bob", n=1, lease=dt.timedelta(seconds=30))
    later = utcnow() + dt.timedelta(minutes=1)
    _submit(store, queue, ids[6], now=later)
    assert [(item, status) for item, _, status in _active(store)] == [
        (ids[7], "active"),
        (ids[6], "active"),
    ]


def test_with_overlap_a_label_for_an_item_another_annotator_holds_is_taken(
    store: Store, queue: dict[str, Any]
) -> None:
    project = queue["project"]
    project.update_settings(overlap=2)
    ids = queue["ids"]
    _next(store, queue, "bob", n=1)
    _submit(store, queue, ids[7])
    assert _active(store) == [(ids[7], "spam", "active")]


def test_a_sqlite_store_has_no_lease_connection(tmp_path: Any) -> None:
    from activelabel.store.engine import open_store

    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        with (
            pytest.raises(ConfigError, match="PostgreSQL only"),
            store.lease_connection(),
        ):
            pass
    finally:
        store.close()
