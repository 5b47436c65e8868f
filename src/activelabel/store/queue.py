"""The queue: the top-K items to label next, leased to one annotator at a time.

Only the top of the pool is kept here (not the whole pool), ordered by priority.
Leasing is a single ``UPDATE … RETURNING`` over the best free entries, so two
annotators asking at the same moment never get the same item: SQLite runs the
statement under its write lock, PostgreSQL skips rows another transaction holds
(``FOR UPDATE SKIP LOCKED``). An expired lease frees its item for anyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from activelabel.store.models import Annotation, Item, QuerySession, QueueEntry, utcnow

__all__ = [
    "DEFAULT_LEASE",
    "LeasedTask",
    "QueueCandidate",
    "complete_item",
    "lease_tasks",
    "leases_only",
    "queue_count",
    "queue_size",
    "random_fill",
    "release_item",
    "replace_queue",
    "requeue_item",
]

#: How long an item stays reserved for the annotator it was served to.
DEFAULT_LEASE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class QueueCandidate:
    """One item a scoring run wants in the queue."""

    item_id: int
    priority: float
    suggestion: Any = None
    confidence: float | None = None
    score: float | None = None


@dataclass(frozen=True)
class LeasedTask:
    """An item leased to an annotator, with what the page shows about it."""

    item_id: int
    external_id: str
    data: dict[str, Any]
    media_path: str | None
    session_id: int
    strategy: str
    priority: float
    suggestion: Any
    confidence: float | None
    score: float | None
    lease_expires_at: dt.datetime


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without a zone; they are UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def lease_tasks(
    session: Session,
    *,
    project_id: int,
    user_id: int,
    n: int = 5,
    exclude: Sequence[int] = (),
    lease: dt.timedelta = DEFAULT_LEASE,
    now: dt.datetime | None = None,
) -> list[LeasedTask]:
    """Lease up to ``n`` items to ``user_id``: theirs first, then the best free ones.

    Items the user already labeled are never served to them again; ``exclude``
    lists items the caller already holds in its page.

    Two ``UPDATE … RETURNING`` statements that never scan the queue: the
    user's own live leases through the lease-holder index (renewed), then the
    free entries read in priority-index order, stopping after the ``n`` needed.
    So a lease costs the same with a queue of 500 or 50,000 entries.
    """
    now = now or utcnow()
    expires = now + lease
    already_labeled = exists().where(
        Annotation.item_id == QueueEntry.item_id,
        Annotation.annotator_id == user_id,
        Annotation.status == "active",
    )
    not_excluded = QueueEntry.item_id.notin_(list(exclude)) if exclude else and_(True)
    # Core statements on the transaction's connection: this runs on every "next
    # task", and the ORM's bulk-update bookkeeping cost more than the SQL.
    connection = session.connection()
    # No ORDER BY/LIMIT here, so the planner picks the lease-holder index; a
    # user holds a handful of entries, and all of them are theirs to renew.
    held = connection.execute(
        update(QueueEntry)
        .where(
            QueueEntry.leased_by == user_id,
            QueueEntry.project_id == project_id,
            QueueEntry.lease_expires_at >= now,
            not_excluded,
            ~already_labeled,
        )
        .values(lease_expires_at=expires)
        .returning(QueueEntry.item_id, QueueEntry.priority)
    ).all()
    leased = [row[0] for row in sorted(held, key=lambda row: -row[1])[:n]]
    if len(leased) < n:
        pick = (
            select(QueueEntry.id)
            .where(
                QueueEntry.project_id == project_id,
                or_(QueueEntry.leased_by.is_(None), QueueEntry.lease_expires_at < now),
                not_excluded,
                ~already_labeled,
            )
            .order_by(QueueEntry.priority.desc())
            .limit(n - len(leased))
        )
        if session.get_bind().dialect.name == "postgresql":
            # Rows another transaction is leasing right now are skipped, not waited for.
            pick = pick.with_for_update(skip_locked=True)
        leased += connection.execute(
            update(QueueEntry)
            .where(QueueEntry.id.in_(pick.scalar_subquery()))
            .values(leased_by=user_id, lease_expires_at=expires)
            .returning(QueueEntry.item_id)
        ).scalars()
    if not leased:
        return []
    rows = connection.execute(
        select(
            Item.id,
            Item.external_id,
            Item.data,
            Item.media_path,
            QueueEntry.session_id,
            QuerySession.strategy,
            QueueEntry.priority,
            QueueEntry.suggestion,
            QueueEntry.confidence,
            QueueEntry.score,
        )
        # Both columns of the (project_id, item_id) unique index, so the join
        # looks entries up instead of scanning the queue.
        .join(
            QueueEntry,
            and_(QueueEntry.project_id == project_id, QueueEntry.item_id == Item.id),
        )
        .join(QuerySession, QuerySession.id == QueueEntry.session_id)
        .where(Item.id.in_(leased))
        .order_by(QueueEntry.priority.desc())
    ).all()
    return [
        LeasedTask(
            item_id=row[0],
            external_id=row[1],
            data=row[2],
            media_path=row[3],
            session_id=row[4],
            strategy=row[5],
            priority=row[6],
            suggestion=row[7],
            confidence=row[8],
            score=row[9],
            lease_expires_at=expires,
        )
        for row in rows
    ]


def leases_only(session: Session) -> None:
    """Say that this transaction writes only leases, which may be lost in a crash.

    A lease is soft state: it expires, and a lease lost in a crash only frees
    its item. So on PostgreSQL the transaction commits without waiting for its
    WAL record to reach the disk (``synchronous_commit`` off for this
    transaction only; ~2.5 ms less per "next task" on an ordinary disk). Labels
    are never written in such a transaction. SQLite in WAL mode with
    ``synchronous=NORMAL`` does not wait for the disk at commit anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def release_item(
    session: Session, *, project_id: int, item_id: int, user_id: int, to_back: bool
) -> None:
    """Give back a leased item; ``to_back`` moves it behind every other entry (skip)."""
    values: dict[str, Any] = {"leased_by": None, "lease_expires_at": None}
    if to_back:
        lowest = session.scalar(
            select(func.min(QueueEntry.priority)).where(
                QueueEntry.project_id == project_id
            )
        )
        values["priority"] = (lowest if lowest is not None else 0.0) - 1.0
    session.execute(
        update(QueueEntry)
        .where(
            QueueEntry.project_id == project_id,
            QueueEntry.item_id == item_id,
            QueueEntry.leased_by == user_id,
        )
        .values(**values)
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
    session.connection().execute(
        delete(QueueEntry).where(
            QueueEntry.project_id == project_id, QueueEntry.item_id == item_id
        )
    )


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


def replace_queue(
    session: Session,
    *,
    project_id: int,
    session_id: int,
    candidates: Sequence[QueueCandidate],
    now: dt.datetime | None = None,
) -> int:
    """Make ``candidates`` the queue; entries under a live lease stay with their holder.

    Returns the number of entries written. Candidates already labeled (by anyone,
    since scoring began) are skipped.
    """
    now = now or utcnow()
    held = set(
        session.scalars(
            select(QueueEntry.item_id).where(
                QueueEntry.project_id == project_id,
                QueueEntry.leased_by.is_not(None),
                QueueEntry.lease_expires_at >= now,
            )
        )
    )
    session.execute(
        delete(QueueEntry).where(
            QueueEntry.project_id == project_id,
            or_(
                QueueEntry.leased_by.is_(None),
                QueueEntry.lease_expires_at < now,
            ),
        )
    )
    # Items an annotator holds keep their place, but take the new model's
    # suggestion and score, so the page shows what the current model thinks.
    for c in candidates:
        if c.item_id in held:
            session.execute(
                update(QueueEntry)
                .where(
                    QueueEntry.project_id == project_id, QueueEntry.item_id == c.item_id
                )
                .values(
                    session_id=session_id,
                    suggestion=c.suggestion,
                    confidence=None if c.confidence is None else float(c.confidence),
                    score=None
                    if c.score is None or c.score != c.score
                    else float(c.score),
                )
            )
    wanted = [c for c in candidates if c.item_id not in held]
    if not wanted:
        return 0
    labeled: set[int] = set()
    ids = [c.item_id for c in wanted]
    for start in range(0, len(ids), 5000):
        labeled.update(
            session.scalars(
                select(Annotation.item_id).where(
                    Annotation.item_id.in_(ids[start : start + 5000]),
                    Annotation.status == "active",
                )
            )
        )
    rows = [
        {
            "project_id": project_id,
            "item_id": c.item_id,
            "session_id": session_id,
            "priority": float(c.priority),
            "suggestion": c.suggestion,
            "confidence": None if c.confidence is None else float(c.confidence),
            "score": None if c.score is None or c.score != c.score else float(c.score),
        }
        for c in wanted
        if c.item_id not in labeled
    ]
    if rows:
        session.execute(insert(QueueEntry), rows)
    return len(rows)


def random_fill(session: Session, *, project_id: int, size: int) -> int:
    """Fill an empty queue with a random sample of unlabeled items (no model needed).

    Cheap enough to run while a server starts, so the first item is there at once
    while the first real round (featurize, cold start, train) runs in the background.
    """
    labeled = exists().where(
        Annotation.item_id == Item.id, Annotation.status == "active"
    )
    queued = exists().where(QueueEntry.item_id == Item.id)
    picked = session.scalars(
        select(Item.id)
        .where(Item.project_id == project_id, ~labeled, ~queued)
        .order_by(func.random())
        .limit(size)
    ).all()
    if not picked:
        return 0
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
                "priority": float(len(picked) - rank),
            }
            for rank, item_id in enumerate(picked)
        ],
    )
    query_session.n_queued = len(picked)
    return len(picked)


def queue_count(project_id: int) -> Select[int]:
    """The statement counting the entries in the project's queue."""
    return (
        select(func.count())
        .select_from(QueueEntry)
        .where(QueueEntry.project_id == project_id)
    )


def queue_size(session: Session, *, project_id: int) -> int:
    """Entries waiting in the project's queue."""
    return session.scalar(queue_count(project_id)) or 0
