""" "Next task" on PostgreSQL when one annotator's lease overlaps another's top-up.

A lease is one statement that sees the queue as it was when it began. If
another request tops the queue up while that statement runs, the lease
cannot see the new entries and comes back short; the call must then lease
again rather than answer that nothing is left. Here the overlap is made
certain: the first annotator's lease waits on a row lock held by the test
(its renewal of the item it holds) while the second annotator's call tops
the queue up and finishes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from activelabel.store.engine import Store
from activelabel.store.models import Item, QuerySession, QueueEntry
from activelabel.store.next_tasks import NextTasks, QueueTopUp, next_tasks
from activelabel.store.queue import QueueCandidate, replace_queue
from activelabel.store.users import add_user

#: How long the test waits for the lease to be blocked before it fails.
_BLOCK_TIMEOUT = 20.0


def _wait_until_blocked_by(watcher: Connection, blocker_pid: int) -> None:
    """Return once some backend waits on a lock held by ``blocker_pid``."""
    deadline = time.monotonic() + _BLOCK_TIMEOUT
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE :blocker = ANY(pg_blocking_pids(pid))"
    )
    while watcher.execute(waiting, {"blocker": blocker_pid}).scalar_one() == 0:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no lease waited on the row lock of backend {blocker_pid} "
                f"within {_BLOCK_TIMEOUT:.0f} s"
            )
        time.sleep(0.01)


def test_a_lease_that_began_before_another_calls_top_up_leases_again(
    store: Store, project_factory: Any
) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite runs a whole next-task call under its writer lock")
    project = project_factory(items=[{"text": f"t{i}"} for i in range(6)])
    with store.session(write=True) as session:
        holder = add_user(session, name="holder")[0].id
        other = add_user(session, name="other")[0].id
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        query = QuerySession(project_id=project.id, strategy="margin", pool_size=6)
        session.add(query)
        session.flush()
        replace_queue(
            session,
            project_id=project.id,
            session_id=query.id,
            candidates=[QueueCandidate(ids[0], 1.0)],
        )
    # The holder leases the only queued item; the five others are not queued.
    held = next_tasks(store, project_id=project.id, user_id=holder, n=1)
    assert [t.item_id for t in held.tasks] == [ids[0]]
    # A batch larger than what is left: the top-up finds too few items and
    # marks the project as walked, as near the end of a project.
    top_up = QueueTopUp(below=1, batch=20)

    answers: dict[str, NextTasks] = {}
    failures: list[BaseException] = []

    def holder_asks_for_two() -> None:
        try:
            answers["holder"] = next_tasks(
                store, project_id=project.id, user_id=holder, n=2, top_up=top_up
            )
        except BaseException as exc:  # re-raised by the test's thread below
            failures.append(exc)

    with store.engine.connect() as blocker, store.engine.connect() as watcher:
        # Lock the holder's entry: their lease, which renews it, waits here
        # after it has taken the snapshot it claims free entries from.
        blocker.execute(
            select(QueueEntry.id)
            .where(QueueEntry.project_id == project.id, QueueEntry.item_id == ids[0])
            .with_for_update()
        )
        blocker_pid = blocker.execute(text("SELECT pg_backend_pid()")).scalar_one()
        asking = threading.Thread(target=holder_asks_for_two)
        asking.start()
        try:
            _wait_until_blocked_by(watcher, blocker_pid)
            # Meanwhile the other annotator finds no free entry, tops the
            # queue up with the five items left, and leases one of them.
            theirs = next_tasks(
                store, project_id=project.id, user_id=other, n=1, top_up=top_up
            )
        finally:
            blocker.rollback()
            asking.join()
    if failures:
        raise failures[0]
    assert len(theirs.tasks) == 1 and theirs.tasks[0].item_id in ids[1:]
    # The holder's lease saw the queue before the top-up: it renewed its item
    # and found nothing free. Four items are free now: it gets one of them.
    got = [t.item_id for t in answers["holder"].tasks]
    assert got[0] == ids[0]
    assert len(got) == 2, f"the holder got {got} with four items free"
    assert got[1] in ids[1:] and got[1] != theirs.tasks[0].item_id
