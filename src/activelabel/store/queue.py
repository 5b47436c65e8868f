"""The queue: the top-K items to label next, ordered by priority.

Only the top of the pool is kept here (not the whole pool). A round replaces
it, a label removes an item from it, an undo puts one back at the front.
Who holds which entry is :mod:`activelabel.store.leases`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from activelabel.store.leases import DEFAULT_LEASE
from activelabel.store.models import Annotation, Item, QuerySession, QueueEntry, utcnow

__all__ = [
    "DEQUEUE_ITEM",
    "QUEUE_COUNT",
    "QueueCandidate",
    "complete_item",
    "drop_other_sessions",
    "has_items_to_queue",
    "pick_at_random",
    "probe_at_random",
    "put_in_queue",
    "queue_at_random",
    "queue_size",
    "random_fill",
    "replace_queue",
    "requeue_item",
]


@dataclass(frozen=True)
class QueueCandidate:
    """One item a scoring run wants in the queue."""

    item_id: int
    priority: float
    suggestion: Any = None
    confidence: float | None = None
    score: float | None = None


#: Takes an item out of a project's queue (bind ``project`` and ``item``).
#: Built once: every label runs it.
DEQUEUE_ITEM = delete(QueueEntry).where(
    QueueEntry.project_id == bindparam("project"),
    QueueEntry.item_id == bindparam("item"),
)


def complete_item(
    session: Session, *, project_id: int, item_id: int, overlap: int = 1
) -> None:
    """An item got a label: drop it from the queue once ``overlap`` annotators labeled it."""
    if overlap > 1:
        labeled_by = session.scalar(
            select(func.count(func.distinct(Annotation.annotator_id))).where(
                Annotation.item_id == item_id, Annotation.status == "active"
            )
        )
        if (labeled_by or 0) < overlap:
            session.execute(
                update(QueueEntry)
                .where(
                    QueueEntry.project_id == project_id, QueueEntry.item_id == item_id
                )
                .values(leased_by=None, lease_expires_at=None)
            )
            return
    session.connection().execute(DEQUEUE_ITEM, {"project": project_id, "item": item_id})


def requeue_item(
    session: Session, *, project_id: int, item_id: int, user_id: int, session_id: int
) -> None:
    """Put an item (whose label was undone) at the front, leased to ``user_id``."""
    top = session.scalar(
        select(func.max(QueueEntry.priority)).where(QueueEntry.project_id == project_id)
    )
    priority = (top if top is not None else 0.0) + 1.0
    existing = session.scalar(
        select(QueueEntry.id).where(
            QueueEntry.project_id == project_id, QueueEntry.item_id == item_id
        )
    )
    values = {
        "priority": priority,
        "leased_by": user_id,
        "lease_expires_at": utcnow() + DEFAULT_LEASE,
    }
    if existing is not None:
        session.execute(
            update(QueueEntry).where(QueueEntry.id == existing).values(**values)
        )
    else:
        session.execute(
            insert(QueueEntry).values(
                project_id=project_id, item_id=item_id, session_id=session_id, **values
            )
        )


#: Which of the ``ids`` (expanding) have an active label. Built once: compiling
#: an IN of 2,000 literals cost 5 ms while the writer lock was held.
_LABELED_AMONG = select(Annotation.item_id).where(
    Annotation.item_id.in_(bindparam("ids", expanding=True)),
    Annotation.status == "active",
)


def replace_queue(
    session: Session,
    *,
    project_id: int,
    session_id: int,
    candidates: Sequence[QueueCandidate],
    now: dt.datetime | None = None,
) -> int:
    """Make ``candidates`` the queue, in one transaction.

    Returns the number of entries written. Candidates already labeled (by
    anyone, since scoring began) are skipped; entries of earlier sessions go,
    except those under a live lease, which stay with their holder. A round
    written by the server does the same in slices
    (:func:`activelabel.store.rounds.write_round`).
    """
    written = put_in_queue(
        session, project_id=project_id, session_id=session_id, candidates=candidates
    )
    drop_other_sessions(session, project_id=project_id, session_id=session_id, now=now)
    return written


#: Which of the ``ids`` (expanding) already have an entry in the queue.
_QUEUED_AMONG = select(QueueEntry.item_id).where(
    QueueEntry.project_id == bindparam("project"),
    QueueEntry.item_id.in_(bindparam("ids", expanding=True)),
)


def put_in_queue(
    session: Session,
    *,
    project_id: int,
    session_id: int,
    candidates: Sequence[QueueCandidate],
) -> int:
    """Queue ``candidates`` under ``session_id``; returns how many entries they fill.

    An item already in the queue keeps its entry (and its lease, if someone
    holds it) and takes the new priority, suggestion and score: an update
    that leaves the item's index entries alone, cheaper than a delete and an
    insert. Items with an active label are not queued again.
    """
    if not candidates:
        return 0
    ids = [c.item_id for c in candidates]
    labeled: set[int] = set()
    queued: set[int] = set()
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        labeled.update(session.scalars(_LABELED_AMONG, {"ids": part}))
        queued.update(
            session.scalars(_QUEUED_AMONG, {"project": project_id, "ids": part})
        )
    rows = [
        (
            project_id,
            c.item_id,
            session_id,
            float(c.priority),
            c.suggestion,
            None if c.confidence is None else float(c.confidence),
            None if c.score is None or c.score != c.score else float(c.score),
        )
        for c in candidates
        if c.item_id in queued or c.item_id not in labeled
    ]
    _insert_entries(session, [r for r in rows if r[1] not in queued])
    _update_entries(session, [r for r in rows if r[1] in queued])
    return len(rows)


def drop_other_sessions(
    session: Session,
    *,
    project_id: int,
    session_id: int,
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Delete entries queued by sessions other than ``session_id`` that nobody holds.

    With ``limit``, at most that many (call again until it returns fewer).
    Returns the number deleted.
    """
    now = now or utcnow()
    stale = select(QueueEntry.id).where(
        QueueEntry.project_id == project_id,
        QueueEntry.session_id != session_id,
        or_(QueueEntry.leased_by.is_(None), QueueEntry.lease_expires_at < now),
    )
    if limit is not None:
        stale = stale.limit(limit)
    result = session.execute(delete(QueueEntry).where(QueueEntry.id.in_(stale)))
    return int(getattr(result, "rowcount", 0) or 0)


_ENTRY_COLUMNS = (
    "project_id",
    "item_id",
    "session_id",
    "priority",
    "suggestion",
    "confidence",
    "score",
)


def _json_suggestions(
    connection: Any, rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """``rows`` with the suggestion (column 4) formatted by the column's own type,
    ready for the SQLite driver."""
    suggestion = QueueEntry.__table__.c.suggestion.type.dialect_impl(connection.dialect)
    to_json = suggestion.bind_processor(connection.dialect)
    if to_json is None:
        return rows
    return [(*r[:4], to_json(r[4]), *r[5:]) for r in rows]


def _insert_entries(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert queue rows (in :data:`_ENTRY_COLUMNS` order) in one statement.

    This runs while annotators wait for the writer lock. On SQLite the rows go
    straight to the driver: SQLAlchemy's per-row parameter processing took 21
    of the 30 ms that 2,000 rows cost through Core (34 ms through the ORM).
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        # "Next task" may have topped the queue up with one of these items
        # since they were found unqueued (store/top_up.py): the round's
        # values win, the entry (and any lease on it) stays.
        upsert = postgresql.insert(QueueEntry)
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=["project_id", "item_id"],
                set_={
                    name: upsert.excluded[name]
                    for name in _ENTRY_COLUMNS
                    if name not in ("project_id", "item_id")
                },
            ),
            [dict(zip(_ENTRY_COLUMNS, r, strict=True)) for r in rows],
        )
        return
    raw: Any = connection.connection.driver_connection
    raw.executemany(
        f"INSERT INTO queue ({', '.join(_ENTRY_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_ENTRY_COLUMNS))})",
        _json_suggestions(connection, rows),
    )


def _update_entries(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Give entries already queued (rows in :data:`_ENTRY_COLUMNS` order) new values."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(
            _UPDATE_ENTRY,
            [dict(zip(_UPDATE_KEYS, r, strict=True)) for r in rows],
        )
        return
    raw: Any = connection.connection.driver_connection
    raw.executemany(
        "UPDATE queue SET session_id = ?, priority = ?, suggestion = ?, "
        "confidence = ?, score = ? WHERE project_id = ? AND item_id = ?",
        [(*r[2:], r[0], r[1]) for r in _json_suggestions(connection, rows)],
    )


_UPDATE_KEYS = (
    "p_project",
    "p_item",
    "p_session",
    "p_priority",
    "p_suggestion",
    "p_confidence",
    "p_score",
)
_UPDATE_ENTRY = (
    update(QueueEntry)
    .where(
        QueueEntry.project_id == bindparam("p_project"),
        QueueEntry.item_id == bindparam("p_item"),
    )
    .values(
        session_id=bindparam("p_session"),
        priority=bindparam("p_priority"),
        suggestion=bindparam("p_suggestion"),
        confidence=bindparam("p_confidence"),
        score=bindparam("p_score"),
    )
)


#: Random ids :func:`probe_at_random` looks up at most in one try.
PROBE_LIMIT = 20_000


def _unlabeled_unqueued() -> Any:
    """Items with no active label and no queue entry (a WHERE clause on ``Item``)."""
    labeled = exists().where(
        Annotation.item_id == Item.id, Annotation.status == "active"
    )
    queued = exists().where(QueueEntry.item_id == Item.id)
    return and_(~labeled, ~queued)


def _still_unlabeled_unqueued(
    session: Session, project_id: int, item_ids: list[int]
) -> list[int]:
    """Those of ``item_ids`` that are the project's, unlabeled and not queued."""
    return list(
        session.scalars(
            select(Item.id).where(
                Item.project_id == project_id,
                Item.id.in_(item_ids),
                _unlabeled_unqueued(),
            )
        )
    )


def has_items_to_queue(session: Session, *, project_id: int) -> bool:
    """Whether any of the project's items is unlabeled and not in the queue.

    A low queue can be refilled only from such items. The answer comes from
    the first one found; when there is none, the query reads the whole pool.
    """
    found = session.scalar(
        select(Item.id)
        .where(Item.project_id == project_id, _unlabeled_unqueued())
        .limit(1)
    )
    return found is not None


def pick_at_random(session: Session, *, project_id: int, size: int) -> list[int]:
    """Up to ``size`` unlabeled items not in the queue, drawn uniformly (ids).

    Reads only: on SQLite it can run in a read transaction, so the scan of
    a large pool never holds the write lock that labels wait for.
    """
    return list(
        session.scalars(
            select(Item.id)
            .where(Item.project_id == project_id, _unlabeled_unqueued())
            .order_by(func.random())
            .limit(size)
        )
    )


def probe_at_random(
    session: Session, *, project_id: int, size: int, tries: int = 3
) -> list[int]:
    """Up to ``size`` unlabeled items not in the queue, found by drawing random ids.

    :func:`pick_at_random` reads the whole pool (seconds at a million items);
    this looks up random ids, whatever the pool's size: twice ``size`` at
    first, then as many as the share of ids found so far says are needed
    (at most :data:`PROBE_LIMIT` per try), never the same id twice. When
    the ids left untried are under twice that, or under four times what is
    still wanted, it looks at all of them. It finds fewer items when nearly all the pool is
    labeled or queued, or when the project's ids have large gaps.
    """
    bounds = session.execute(
        select(func.min(Item.id), func.max(Item.id)).where(
            Item.project_id == project_id
        )
    ).one()
    low: int | None = bounds[0]
    high: int | None = bounds[1]
    if low is None or high is None or size <= 0:
        return []
    rng = random.Random()
    found: list[int] = []
    tried: set[int] = set()
    # Ids that qualified / ids looked up; the prior says one in two.
    hits, looked = 1, 2
    for _ in range(tries):
        wanted = size - len(found)
        to_draw = min(math.ceil(wanted * looked / hits), PROBE_LIMIT)
        untried = high - low + 1 - len(tried)
        if untried <= max(2 * to_draw, 4 * wanted):
            draw = set(range(low, high + 1)) - tried
        else:
            # Ids not looked up yet: over twice as many are left as drawn.
            draw = set()
            while len(draw) < to_draw:
                candidate = rng.randint(low, high)
                if candidate not in tried:
                    draw.add(candidate)
        tried |= draw
        if not draw:
            break
        got = _still_unlabeled_unqueued(session, project_id, sorted(draw))
        found += got
        hits, looked = hits + len(got), looked + len(draw)
        if len(found) >= size:
            break
    rng.shuffle(found)
    return found[:size]


def queue_at_random(
    session: Session, *, project_id: int, item_ids: Sequence[int]
) -> int:
    """Append ``item_ids`` to the end of the queue, in a new "random" query session.

    Items labeled or queued since they were picked are left out. Returns the
    number queued.
    """
    if not item_ids:
        return 0
    still = set(_still_unlabeled_unqueued(session, project_id, list(item_ids)))
    return _append_random(
        session,
        project_id=project_id,
        picked=[item_id for item_id in item_ids if item_id in still],
    )


def _append_random(session: Session, *, project_id: int, picked: list[int]) -> int:
    """Queue ``picked`` (checked unlabeled and unqueued) behind every entry."""
    if not picked:
        return 0
    lowest = session.scalar(
        select(func.min(QueueEntry.priority)).where(QueueEntry.project_id == project_id)
    )
    below = (lowest if lowest is not None else 0.0) - 1.0
    query_session = QuerySession(project_id=project_id, strategy="random", pool_size=0)
    session.add(query_session)
    session.flush()
    session.execute(
        insert(QueueEntry),
        [
            {
                "project_id": project_id,
                "item_id": item_id,
                "session_id": query_session.id,
                "priority": below - rank,
            }
            for rank, item_id in enumerate(picked)
        ],
    )
    query_session.n_queued = len(picked)
    return len(picked)


def random_fill(session: Session, *, project_id: int, size: int) -> int:
    """Add a random sample of up to ``size`` unlabeled items to the queue (no model needed).

    Cheap enough to run while a server starts, so the first item is there at once
    while the first real round (featurize, cold start, train) runs in the background.
    """
    # Picked in this transaction: nothing to check again.
    picked = pick_at_random(session, project_id=project_id, size=size)
    return _append_random(session, project_id=project_id, picked=picked)


#: Counts the entries in a project's queue (bind ``project``). Built once and
#: shared, so every count of the queue is the same statement.
QUEUE_COUNT: Select[int] = (
    select(func.count())
    .select_from(QueueEntry)
    .where(QueueEntry.project_id == bindparam("project"))
)


def queue_size(session: Session, *, project_id: int) -> int:
    """Entries waiting in the project's queue."""
    return session.scalar(QUEUE_COUNT, {"project": project_id}) or 0
