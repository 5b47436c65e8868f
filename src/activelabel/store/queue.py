"""The queue: the top-K items to label next, ordered by priority.

Only the top of the pool is kept here (not the whole pool). A round puts its
picks in (this module); a label takes an item out and an undo puts one back
at the front (:mod:`activelabel.store.dequeue`); items drawn at random fill
it before there is a model (:mod:`activelabel.store.random_fill`). Who holds
which entry is :mod:`activelabel.store.leases`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from activelabel.store.gold import GOLD_AMONG
from activelabel.store.models import Annotation, QuerySession, QueueEntry, utcnow

__all__ = [
    "KEPT_SESSIONS",
    "QUERIES_FILE",
    "QUEUE_COUNT",
    "QueueCandidate",
    "drop_other_sessions",
    "put_in_queue",
    "queue_size",
    "replace_queue",
]


@dataclass(frozen=True)
class QueueCandidate:
    """One item a scoring run wants in the queue."""

    item_id: int
    priority: float
    suggestion: Any = None
    confidence: float | None = None
    score: float | None = None
    #: Who suggested: None for the round's model, ``rules`` for the label model.
    suggestion_source: str | None = None


#: The strategy of a query session queued from a queries file
#: (:mod:`activelabel.store.imported_queries`).
QUERIES_FILE = "queries-file"
#: Query sessions whose entries rounds leave as they are until labeled: items
#: a reviewer sent back, and an order imported from a queries file.
KEPT_SESSIONS = ("review", QUERIES_FILE)


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
    (:func:`activelabel.loop.write.write_round`).
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
    insert. Items with an active label are not queued again, gold items never.
    """
    if not candidates:
        return 0
    ids = [c.item_id for c in candidates]
    labeled: set[int] = set()
    queued: set[int] = set()
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        labeled.update(session.scalars(_LABELED_AMONG, {"ids": part}))
        # Gold items are served by "next task"'s gold mixing, never queued.
        labeled.update(session.scalars(GOLD_AMONG, {"ids": part}))
        queued.update(
            session.scalars(_QUEUED_AMONG, {"project": project_id, "ids": part})
        )
    # Items a reviewer sent back keep their entry as it is (served with the
    # note), as do those of an imported order.
    sent_back = set(
        session.scalars(
            select(QueueEntry.item_id).where(
                QueueEntry.project_id == project_id,
                QueueEntry.session_id.in_(_review_sessions(project_id)),
            )
        )
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
            c.suggestion_source,
        )
        for c in candidates
        if c.item_id not in sent_back
        and (c.item_id in queued or c.item_id not in labeled)
    ]
    _insert_entries(session, [r for r in rows if r[1] not in queued])
    _update_entries(session, [r for r in rows if r[1] in queued])
    return len(rows)


def _review_sessions(project_id: int) -> Select[int]:
    """The project's query sessions that rounds keep (:data:`KEPT_SESSIONS`):
    items sent back by a reviewer, an imported order."""
    return select(QuerySession.id).where(
        QuerySession.project_id == project_id,
        QuerySession.strategy.in_(KEPT_SESSIONS),
    )


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
        # Items a reviewer sent back stay until they are labeled again, and
        # an imported order until its items are labeled.
        QueueEntry.session_id.notin_(_review_sessions(project_id)),
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
    "suggestion_source",
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
        "confidence = ?, score = ?, suggestion_source = ? "
        "WHERE project_id = ? AND item_id = ?",
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
    "p_suggestion_source",
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
        suggestion_source=bindparam("p_suggestion_source"),
    )
)


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
