"""Leases: which annotator holds which queued item, and until when.

Leasing runs on every "next task", so its statements are built once per
dialect and reused with bound parameters: building a SQLAlchemy statement and
computing its cache key cost more CPU than SQLite takes to run it. Two
annotators asking at the same moment never get the same item: SQLite runs the
statements under its write lock, PostgreSQL skips rows another transaction
holds (``FOR UPDATE SKIP LOCKED``). An expired lease frees its item for anyone.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Executable

from activelabel.store.models import Annotation, Item, QuerySession, QueueEntry, utcnow

__all__ = [
    "DEFAULT_LEASE",
    "LeasedTask",
    "lease_conditions",
    "lease_tasks",
    "leased_task",
    "release_item",
]

#: How long an item stays reserved for the annotator it was served to.
DEFAULT_LEASE = dt.timedelta(minutes=10)


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


@dataclass(frozen=True)
class _LeaseStatements:
    renew: Executable
    claim: Executable
    read: Executable


def lease_conditions(
    not_excluded: ColumnElement[bool],
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The WHERE of a lease: (the caller's live leases to renew, the free
    entries to claim), neither an item the caller already labeled.

    Shared by the statements here and PostgreSQL's one-statement lease
    (:mod:`activelabel.store.next_tasks`); ``not_excluded`` says how the
    caller's ``exclude`` list is bound.
    """
    entry = cast(Table, QueueEntry.__table__).c
    already_labeled = exists().where(
        Annotation.item_id == entry.item_id,
        Annotation.annotator_id == bindparam("annotator"),
        Annotation.status == "active",
    )
    theirs = and_(
        entry.leased_by == bindparam("annotator"),
        entry.project_id == bindparam("project"),
        entry.lease_expires_at >= bindparam("now"),
        not_excluded,
        ~already_labeled,
    )
    free = and_(
        entry.project_id == bindparam("project"),
        or_(entry.leased_by.is_(None), entry.lease_expires_at < bindparam("now")),
        not_excluded,
        ~already_labeled,
    )
    return theirs, free


def leased_task(row: Sequence[Any], expires: dt.datetime) -> LeasedTask:
    """A :class:`LeasedTask` from a row of the lease's read, columns in field order."""
    return LeasedTask(
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


@functools.cache
def _lease_statements(dialect: str, excluding: bool) -> _LeaseStatements:
    """The three statements of a lease, for a dialect, with or without ``exclude``."""
    queue = cast(Table, QueueEntry.__table__)
    entry = queue.c
    not_excluded = (
        entry.item_id.notin_(bindparam("exclude", expanding=True))
        if excluding
        else and_(True)
    )
    theirs, free = lease_conditions(not_excluded)
    # No ORDER BY/LIMIT here, so the planner picks the lease-holder index; a
    # user holds a handful of entries, and all of them are theirs to renew.
    renew = (
        update(queue)
        .where(theirs)
        .values(lease_expires_at=bindparam("expires"))
        .returning(entry.item_id, entry.priority)
    )
    pick = (
        select(entry.id)
        .where(free)
        .order_by(entry.priority.desc())
        .limit(bindparam("n"))
    )
    if dialect == "postgresql":
        # Rows another transaction is leasing right now are skipped, not waited for.
        pick = pick.with_for_update(skip_locked=True)
    claim = (
        update(queue)
        .where(entry.id.in_(pick.scalar_subquery()))
        .values(leased_by=bindparam("annotator"), lease_expires_at=bindparam("expires"))
        .returning(entry.item_id)
    )
    read = (
        select(
            Item.id,
            Item.external_id,
            Item.data,
            Item.media_path,
            entry.session_id,
            QuerySession.strategy,
            entry.priority,
            entry.suggestion,
            entry.confidence,
            entry.score,
        )
        # Both columns of the (project_id, item_id) unique index, so the join
        # looks entries up instead of scanning the queue.
        .join(
            queue,
            and_(entry.project_id == bindparam("project"), entry.item_id == Item.id),
        )
        .join(QuerySession, QuerySession.id == entry.session_id)
        .where(Item.id.in_(bindparam("leased", expanding=True)))
        .order_by(entry.priority.desc())
    )
    return _LeaseStatements(renew=renew, claim=claim, read=read)


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
    connection = session.connection()
    statements = _lease_statements(connection.dialect.name, bool(exclude))
    params: dict[str, Any] = {
        "project": project_id,
        "annotator": user_id,
        "now": now,
        "expires": expires,
    }
    if exclude:
        params["exclude"] = list(exclude)
    held = connection.execute(statements.renew, params).all()
    leased = [row[0] for row in sorted(held, key=lambda row: -row[1])[:n]]
    if len(leased) < n:
        params["n"] = n - len(leased)
        leased += connection.execute(statements.claim, params).scalars()
    if not leased:
        return []
    rows = connection.execute(
        statements.read, {"project": project_id, "leased": leased}
    ).all()
    return [leased_task(row, expires) for row in rows]


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
