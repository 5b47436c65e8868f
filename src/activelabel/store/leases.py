"""Leases: which annotator holds which queued item, and until when.

The one place that leases queue entries to an annotator: "next task"
(:mod:`activelabel.store.next_tasks`) and every other caller go through
:func:`lease_entries`. A lease renews the caller's live leases first, then
claims the best free entries, never an item the caller already labeled; an
expired lease frees its item for anyone.

Leasing runs on every "next task", so its statements are built once and
reused with bound parameters: building a SQLAlchemy statement and computing
its cache key cost more CPU than SQLite takes to run it. On SQLite a lease is
three statements (renew, claim, read), each well under a millisecond in
process, run under the writer lock. On PostgreSQL each statement is a round
trip, so there the lease is one statement that renews, claims, reads and
counts the queue at once, skipping rows another transaction is leasing
(``FOR UPDATE SKIP LOCKED``). Either way two annotators asking at the same
moment never get the same item.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Connection,
    Integer,
    Table,
    all_,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Executable

from activelabel.store.models import Annotation, Item, QuerySession, QueueEntry, utcnow
from activelabel.store.stats import QUEUE_STATUS, QueueStatus, queue_status_of

__all__ = [
    "DEFAULT_LEASE",
    "Leased",
    "LeasedTask",
    "lease_entries",
    "lease_tasks",
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
    #: Who suggested: None for the round's model, ``rules`` for the label model.
    suggestion_source: str | None = None


@dataclass(frozen=True)
class Leased:
    """What one lease returned."""

    #: The items leased, best first.
    tasks: list[LeasedTask]
    #: The queue's size and newest model as the lease saw them, when they come
    #: with it (PostgreSQL); None when reading them is one more statement.
    status: QueueStatus | None


@dataclass(frozen=True)
class _LeaseStatements:
    renew: Executable
    claim: Executable
    read: Executable


def _lease_conditions(
    not_excluded: ColumnElement[bool],
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The WHERE of a lease: (the caller's live leases to renew, the free
    entries to claim), neither an item the caller already labeled.

    Shared by both backends' statements; ``not_excluded`` says how the
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


def _leased_task(row: Sequence[Any], expires: dt.datetime) -> LeasedTask:
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
        suggestion_source=row[10],
    )


@functools.cache
def _lease_statements(excluding: bool) -> _LeaseStatements:
    """The three statements of a lease on SQLite, with or without ``exclude``."""
    queue = cast(Table, QueueEntry.__table__)
    entry = queue.c
    not_excluded = (
        entry.item_id.notin_(bindparam("exclude", expanding=True))
        if excluding
        else and_(True)
    )
    theirs, free = _lease_conditions(not_excluded)
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
            entry.suggestion_source,
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


def lease_entries(
    connection: Connection,
    *,
    project_id: int,
    user_id: int,
    n: int = 5,
    exclude: Sequence[int] = (),
    lease: dt.timedelta = DEFAULT_LEASE,
    now: dt.datetime | None = None,
) -> Leased:
    """Lease up to ``n`` items to ``user_id``: theirs first, then the best free ones.

    Items the user already labeled are never served to them again; ``exclude``
    lists items the caller already holds in its page.

    Neither backend scans the queue: the user's own live leases are found
    through the lease-holder index (and renewed), then the free entries are
    read in priority-index order, stopping after the ``n`` needed. So a lease
    costs the same with a queue of 500 or 50,000 entries. On PostgreSQL the
    statement is atomic by itself (``connection`` may be in autocommit); on
    SQLite ``connection`` must be in a writing transaction.
    """
    now = now or utcnow()
    expires = now + lease
    params: dict[str, Any] = {
        "project": project_id,
        "annotator": user_id,
        "now": now,
        "expires": expires,
        "n": n,
        "exclude": list(exclude),
    }
    if connection.dialect.name == "postgresql":
        rows = connection.execute(_one_statement(), params).all()
        # Columns 0-2 are the queue's status, 3 on the lease's read (NULL
        # there when nothing was leased).
        tasks = [_leased_task(row[3:], expires) for row in rows if row[3] is not None]
        return Leased(tasks, queue_status_of(*rows[0][:3]))
    return Leased(_lease_in_steps(connection, params), None)


def _lease_in_steps(connection: Connection, params: dict[str, Any]) -> list[LeasedTask]:
    """SQLite's lease: renew, claim what is still wanted, read what was leased."""
    statements = _lease_statements(bool(params["exclude"]))
    n = params["n"]
    held = connection.execute(statements.renew, params).all()
    leased = [row[0] for row in sorted(held, key=lambda row: -row[1])[:n]]
    if len(leased) < n:
        more = {**params, "n": n - len(leased)}
        leased += connection.execute(statements.claim, more).scalars()
    if not leased:
        return []
    rows = connection.execute(
        statements.read, {"project": params["project"], "leased": leased}
    ).all()
    return [_leased_task(row, params["expires"]) for row in rows]


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
    """:func:`lease_entries` inside ``session``'s transaction; the items leased."""
    return lease_entries(
        session.connection(),
        project_id=project_id,
        user_id=user_id,
        n=n,
        exclude=exclude,
        lease=lease,
        now=now,
    ).tasks


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


@functools.cache
def _one_statement() -> Executable:
    """The PostgreSQL lease as one statement (built once: it runs on every item).

    ``renewed`` extends the caller's live leases; ``claimed`` leases the best
    free entries, as many as ``n`` minus those renewed, skipping rows another
    transaction is leasing at this moment. Both see the queue as it was when
    the statement began, so they never touch the same row. The outer query
    always returns at least one row, carrying the queue's size and newest
    model even when nothing could be leased (the task columns are then NULL).
    """
    queue = cast(Table, QueueEntry.__table__)
    entry = queue.c
    # One statement for any number of excluded ids (an empty array excludes none).
    theirs, free = _lease_conditions(
        entry.item_id != all_(bindparam("exclude", type_=ARRAY(Integer)))
    )
    returned = (
        entry.item_id,
        entry.session_id,
        entry.priority,
        entry.suggestion,
        entry.confidence,
        entry.score,
        entry.suggestion_source,
    )
    renewed = (
        update(queue)
        .where(theirs)
        .values(lease_expires_at=bindparam("expires"))
        .returning(*returned)
        .cte("renewed")
    )
    wanted = func.greatest(
        bindparam("n", type_=Integer)
        - select(func.count()).select_from(renewed).scalar_subquery(),
        0,
    )
    pick = (
        select(entry.id)
        .where(free)
        .order_by(entry.priority.desc())
        .limit(wanted)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(queue)
        .where(entry.id.in_(pick.scalar_subquery()))
        .values(leased_by=bindparam("annotator"), lease_expires_at=bindparam("expires"))
        .returning(*returned)
        .cte("claimed")
    )
    leased = union_all(select(renewed), select(claimed)).subquery("leased")
    tasks = (
        select(
            Item.id,
            Item.external_id,
            Item.data,
            Item.media_path,
            leased.c.session_id,
            QuerySession.strategy,
            leased.c.priority,
            leased.c.suggestion,
            leased.c.confidence,
            leased.c.score,
            leased.c.suggestion_source,
        )
        .select_from(leased)
        .join(Item, Item.id == leased.c.item_id)
        .join(QuerySession, QuerySession.id == leased.c.session_id)
        .subquery("tasks")
    )
    status = QUEUE_STATUS.subquery("status")
    return (
        select(
            status.c.size,
            status.c.model_id,
            status.c.model_name,
            *tasks.c,
        )
        .select_from(status.outerjoin(tasks, true()))
        .order_by(tasks.c.priority.desc().nulls_last())
        .limit(bindparam("n", type_=Integer))
    )
