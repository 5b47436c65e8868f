"""Top up a project's queue from the serving path, without waiting for a round.

Rounds fill the queue, but a round takes seconds to minutes, and a team can
empty a queue faster: "next task" would then say that nothing is left while
most of the pool is. So "next task" tops a low queue up itself
(:mod:`activelabel.store.next_tasks`), with items no one needs to label less
than the next round's picks: behind every queued entry, under a query
session of their own (strategy ``random``), without suggestions. The next
round replaces them like any other entry it does not pick.

The items are found by one index walk, not a scan of the pool and no
model: from a random point in the project's ids, in id order (the order
they were imported), wrapping around to the first id, stopping at the
``n``-th item that still needs a label and is not queued. "Needs a label"
is "has no active label", or with ``overlap`` above 1 "labeled by fewer
annotators than that" (for the items in ``overlap_share``; one for the
others). Gold items are never queued. The walk reads as many items as it passes over
labeled or queued ones: a handful while the pool is mostly unlabeled, the
whole pool once when nothing is left (the caller then stops asking for a
while).

On PostgreSQL the whole top-up is one statement (pick, query session,
entries): a unique (project, item) conflict with a concurrent top-up or a
round's write leaves the entry that was there. On SQLite it is two
statements inside the caller's writing transaction, which the writer lock
already makes the only one.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement, Executable, Select

from activelabel.store.gold import NOT_GOLD
from activelabel.store.models import Annotation, Item, QuerySession, QueueEntry, utcnow
from activelabel.store.overlap_share import annotators_needed_sql

__all__ = ["TOP_UP_STRATEGY", "pick_to_top_up", "top_up"]

#: The query session's strategy for entries a top-up adds (the page shows it).
TOP_UP_STRATEGY = "random"

_queue = cast(Table, QueueEntry.__table__)
_sessions = cast(Table, QuerySession.__table__)


def _needs_label(with_overlap: bool) -> ColumnElement[bool]:
    """Items (of ``:project``) not queued that need a label (one, or ``:overlap``).

    Each test is a scalar subquery with ``LIMIT 1``, which PostgreSQL does
    not turn into a join: as ``NOT EXISTS`` it planned anti-joins that read
    the whole queue (and could hash every annotation) to find a few items;
    as subqueries each item walked past costs two index lookups, on both
    backends.
    """
    queued = (
        select(literal_column("1"))
        .where(
            # Both columns of the (project_id, item_id) unique index: a lookup.
            QueueEntry.project_id == bindparam("project"),
            QueueEntry.item_id == Item.id,
        )
        .limit(1)
        .scalar_subquery()
    )
    if not with_overlap:
        labeled = (
            select(literal_column("1"))
            .where(Annotation.item_id == Item.id, Annotation.status == "active")
            .limit(1)
            .scalar_subquery()
        )
        return and_(queued.is_(None), labeled.is_(None), NOT_GOLD)
    labeled_by = (
        select(func.count(func.distinct(Annotation.annotator_id)))
        .where(Annotation.item_id == Item.id, Annotation.status == "active")
        .scalar_subquery()
    )
    # ``overlap`` annotators for the items in ``overlap_share``, one for the rest.
    return and_(queued.is_(None), labeled_by < annotators_needed_sql(Item.id), NOT_GOLD)


@functools.cache
def _pick(with_overlap: bool) -> Select[Any]:
    """Up to ``:n`` ids from a random point (``:fraction`` of the project's id
    range), wrapping around to its first id.

    Every part walks the primary key in order and stops early (``ORDER BY id
    LIMIT``); the second half runs only when the first found too few. The
    project is matched as ``project_id + 0``: given the plain column, SQLite
    read the project's index and sorted the whole project (1 s at 300,000
    items) instead of walking ids.
    """
    in_project = Item.project_id + 0 == bindparam("project", type_=Integer)
    first = (
        select(Item.id).where(in_project).order_by(Item.id).limit(1).scalar_subquery()
    )
    last = (
        select(Item.id)
        .where(in_project)
        .order_by(Item.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    start = first + sql_cast(
        (last - first + 1) * bindparam("fraction", type_=Float), Integer
    )
    wanted = _needs_label(with_overlap)

    def walk(*where: ColumnElement[bool]) -> Any:
        return (
            select(Item.id.label("id"))
            .where(in_project, *where, wanted)
            .order_by(Item.id)
            .limit(bindparam("n", type_=Integer))
            .subquery()
        )

    after, before = walk(Item.id >= start), walk(Item.id >= first, Item.id < start)
    both = union_all(select(after.c.id), select(before.c.id)).subquery("picked")
    return select(both.c.id).limit(bindparam("n", type_=Integer))


def _params(
    project_id: int,
    n: int,
    overlap: int,
    now: dt.datetime,
    rng: random.Random,
    share: float = 1.0,
) -> dict[str, Any]:
    return {
        "project": project_id,
        "n": n,
        "overlap": overlap,
        "share": share,
        "fraction": rng.random(),
        "now": now,
        "strategy": TOP_UP_STRATEGY,
    }


def pick_to_top_up(
    connection: Connection,
    *,
    project_id: int,
    n: int,
    overlap: int = 1,
    rng: random.Random | None = None,
    overlap_share: float = 1.0,
) -> list[int]:
    """Up to ``n`` items that need a label and are not queued (ids, reads only)."""
    params = _params(
        project_id, n, overlap, utcnow(), rng or random.Random(), overlap_share
    )
    return list(connection.execute(_pick(overlap > 1), params).scalars())


def top_up(
    connection: Connection,
    *,
    project_id: int,
    n: int,
    overlap: int = 1,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
    overlap_share: float = 1.0,
) -> int:
    """Queue up to ``n`` more items behind every entry; returns how many were added.

    On SQLite ``connection`` must be inside a writing transaction (the picks
    and the inserts must see one state); on PostgreSQL it can be in
    autocommit, the statement being atomic by itself.
    """
    if n <= 0:
        return 0
    params = _params(
        project_id, n, overlap, now or utcnow(), rng or random.Random(), overlap_share
    )
    if connection.dialect.name == "postgresql":
        return len(connection.execute(_top_up_statement(overlap > 1), params).all())
    picked = list(connection.execute(_pick(overlap > 1), params).scalars())
    if not picked:
        return 0
    below = connection.execute(_LOWEST, params).scalar_one()
    session_id = connection.execute(
        insert(_sessions)
        .values(
            project_id=project_id,
            strategy=TOP_UP_STRATEGY,
            pool_size=0,
            n_queued=len(picked),
            created_at=params["now"],
        )
        .returning(_sessions.c.id)
    ).scalar_one()
    # Straight to the driver: SQLAlchemy's per-row parameter handling cost
    # three times what SQLite takes to insert the rows (while the writer
    # lock is held).
    raw: Any = connection.connection.driver_connection
    raw.executemany(
        "INSERT INTO queue (project_id, item_id, session_id, priority) "
        "VALUES (?, ?, ?, ?)",
        [(project_id, item_id, session_id, below) for item_id in picked],
    )
    return len(picked)


#: One below the lowest priority queued (0 when the queue is empty): a
#: top-up goes behind every entry, as a skipped item does.
_LOWEST = select(
    func.coalesce(
        select(func.min(QueueEntry.priority))
        .where(QueueEntry.project_id == bindparam("project"))
        .scalar_subquery(),
        0.0,
    )
    - 1.0
)


@functools.cache
def _top_up_statement(with_overlap: bool) -> Executable:
    """The PostgreSQL top-up as one statement.

    ``picked`` is :func:`_pick`; ``new_session`` inserts the query session
    only when something was picked; the main ``INSERT`` queues the picks
    under it, one below the lowest priority, and leaves any item queued
    meanwhile by someone else (``ON CONFLICT DO NOTHING``).
    """
    picked = _pick(with_overlap).cte("picked")
    found = select(func.count()).select_from(picked).scalar_subquery()
    new_session = (
        insert(_sessions)
        .from_select(
            ["project_id", "strategy", "pool_size", "n_queued", "created_at"],
            select(
                bindparam("project", type_=Integer),
                bindparam("strategy", type_=String),
                literal_column("0"),
                found,
                bindparam("now"),
            ).where(exists(select(picked.c.id))),
        )
        .returning(_sessions.c.id)
        .cte("new_session")
    )
    rows = select(
        bindparam("project", type_=Integer),
        picked.c.id,
        new_session.c.id,
        _LOWEST.scalar_subquery(),
    ).select_from(picked.join(new_session, true()))
    return (
        postgresql.insert(_queue)
        .from_select(["project_id", "item_id", "session_id", "priority"], rows)
        .on_conflict_do_nothing(index_elements=["project_id", "item_id"])
        .returning(_queue.c.item_id)
        .add_cte(new_session)
    )
