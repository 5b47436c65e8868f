"""A labeling order imported from a queries file (``import --as-queries``).

The items of the file go into the queue under a query session of strategy
:data:`QUERIES_FILE`, above everything a round queues, highest score first:
they are the next items served, in the file's order. Rounds keep them, as
they keep items a reviewer sent back (:func:`activelabel.store.queue.put_in_queue`
and ``drop_other_sessions`` leave those sessions' entries alone), so the
order holds until each of its items is labeled; a round orders the rest of
the pool behind them. Importing another queries file replaces the order
(entries someone holds a lease on stay with them until they expire).

:func:`clear_imported_order` (``activelabel clear-queries NAME``,
``DELETE /projects/NAME/imported-order``) ends the order: its free entries
leave the queue, and its sessions are renamed :data:`QUERIES_FILE_CLEARED`,
so rounds treat the entries someone still holds as any round's (they stay
with their holder, and go with the next round once free).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final, NamedTuple

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from activelabel.store.models import QuerySession, QueueEntry, utcnow
from activelabel.store.queue import QUERIES_FILE, QueueCandidate, put_in_queue

__all__ = [
    "QUERIES_FILE",
    "QUERIES_FILE_CLEARED",
    "ClearedOrder",
    "QueuedOrder",
    "clear_imported_order",
    "queue_imported_order",
]

#: The strategy of an imported order's sessions once it is cleared: not in
#: ``KEPT_SESSIONS``, so rounds no longer keep their entries.
QUERIES_FILE_CLEARED: Final = "queries-file-cleared"

#: Queue priorities of an imported order start above this: a round's are
#: ranks counted down from its queue size (at most a few thousand).
_ABOVE_ROUNDS: Final = 1_000_000.0


class QueuedOrder(NamedTuple):
    """What an imported order put in the queue."""

    session_id: int
    #: Entries queued.
    queued: int
    #: Items of the file left out: labeled already, or gold items.
    skipped: int


class ClearedOrder(NamedTuple):
    """What clearing an imported order did."""

    #: Entries taken out of the queue (their items return to the pool).
    removed: int
    #: Entries someone holds a lease on, left with them.
    held: int


def _free_imported_entries(project_id: int, now: dt.datetime) -> ColumnElement[bool]:
    """The queue entries of the project's imported orders nobody holds."""
    imported = select(QuerySession.id).where(
        QuerySession.project_id == project_id, QuerySession.strategy == QUERIES_FILE
    )
    return (
        (QueueEntry.project_id == project_id)
        & QueueEntry.session_id.in_(imported)
        & or_(QueueEntry.leased_by.is_(None), QueueEntry.lease_expires_at < now)
    )


def clear_imported_order(
    session: Session, *, project_id: int, now: dt.datetime | None = None
) -> ClearedOrder:
    """End the project's imported order, in the caller's transaction: its free
    entries leave the queue and rounds stop keeping the held ones."""
    now = now or utcnow()
    deleted = session.execute(
        delete(QueueEntry).where(_free_imported_entries(project_id, now))
    )
    removed = int(getattr(deleted, "rowcount", 0) or 0)
    imported = select(QuerySession.id).where(
        QuerySession.project_id == project_id, QuerySession.strategy == QUERIES_FILE
    )
    held = session.scalar(
        select(func.count())
        .select_from(QueueEntry)
        .where(
            QueueEntry.project_id == project_id,
            QueueEntry.session_id.in_(imported),
        )
    )
    session.execute(
        update(QuerySession)
        .where(
            QuerySession.project_id == project_id,
            QuerySession.strategy == QUERIES_FILE,
        )
        .values(strategy=QUERIES_FILE_CLEARED)
    )
    return ClearedOrder(removed=removed, held=held or 0)


def queue_imported_order(
    session: Session,
    *,
    project_id: int,
    ranked: Sequence[tuple[int, float]],
    now: dt.datetime | None = None,
) -> QueuedOrder:
    """Make ``ranked`` (item id, score; best first) the front of the queue.

    Runs in the caller's transaction. An earlier imported order's free
    entries go first; items already labeled (or gold) are left out.
    """
    now = now or utcnow()
    session.execute(delete(QueueEntry).where(_free_imported_entries(project_id, now)))
    query_session = QuerySession(
        project_id=project_id, strategy=QUERIES_FILE, pool_size=len(ranked)
    )
    session.add(query_session)
    session.flush()
    top = session.scalar(
        select(func.max(QueueEntry.priority)).where(QueueEntry.project_id == project_id)
    )
    base = max(_ABOVE_ROUNDS, float(top or 0.0))
    n = len(ranked)
    queued = put_in_queue(
        session,
        project_id=project_id,
        session_id=query_session.id,
        candidates=[
            QueueCandidate(item_id=item_id, priority=base + (n - rank), score=score)
            for rank, (item_id, score) in enumerate(ranked)
        ],
    )
    query_session.n_queued = queued
    return QueuedOrder(query_session.id, queued, n - queued)
