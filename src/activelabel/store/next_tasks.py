""" "Next task": lease items to an annotator and say how the queue stands.

The page asks for this before every item, so it is the hottest call of a
labeling session. On SQLite it is a few statements inside the server's
writing transaction, each well under a millisecond in process. On PostgreSQL
each statement is a round trip to a server process on the same machine, and
the lease took eight of them (a connection check, BEGIN, a setting, five
statements, COMMIT); so there it is one statement that renews, claims, reads
and counts at once, run on its own in autocommit mode. One statement is one
transaction: it either leases every item it returns or none.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import (
    ARRAY,
    Integer,
    Table,
    all_,
    bindparam,
    func,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.sql import Executable

from activelabel.store.engine import Store
from activelabel.store.leases import (
    DEFAULT_LEASE,
    LeasedTask,
    lease_conditions,
    lease_tasks,
    leased_task,
)
from activelabel.store.models import Item, QuerySession, QueueEntry, utcnow
from activelabel.store.stats import (
    QUEUE_STATUS,
    QueueStatus,
    queue_status,
    queue_status_of,
)

__all__ = ["NextTasks", "next_tasks"]


@dataclass(frozen=True)
class NextTasks:
    """The items leased to the caller and the queue as it stood when they were."""

    tasks: list[LeasedTask]
    queue: QueueStatus


def next_tasks(
    store: Store,
    *,
    project_id: int,
    user_id: int,
    n: int = 5,
    exclude: Sequence[int] = (),
    lease: dt.timedelta = DEFAULT_LEASE,
    now: dt.datetime | None = None,
) -> NextTasks:
    """Lease up to ``n`` items to ``user_id`` (theirs first, then the best free
    ones) and read the queue's size and newest model.

    The same rules as :func:`~activelabel.store.leases.lease_tasks`: an item
    the user already labeled is never served to them again, ``exclude`` lists
    items the caller already holds, and two annotators never hold one item.
    The transaction writes only leases, which a crash may lose (a lost lease
    only frees its item), so it does not wait for the disk on PostgreSQL.
    """
    now = now or utcnow()
    if store.dialect != "postgresql":
        with store.session(write=True) as session:
            tasks = lease_tasks(
                session,
                project_id=project_id,
                user_id=user_id,
                n=n,
                exclude=exclude,
                lease=lease,
                now=now,
            )
            return NextTasks(tasks, queue_status(session, project_id=project_id))
    expires = now + lease
    params = {
        "project": project_id,
        "annotator": user_id,
        "now": now,
        "expires": expires,
        "n": n,
        "exclude": list(exclude),
    }
    with store.lease_connection() as connection:
        rows = connection.execute(_lease_statement(), params).all()
    # Columns 0-2 are the queue's status, 3 on the lease's read (NULL there
    # when nothing was leased).
    tasks = [leased_task(row[3:], expires) for row in rows if row[3] is not None]
    return NextTasks(tasks, queue_status_of(*rows[0][:3]))


@functools.cache
def _lease_statement() -> Executable:
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
    theirs, free = lease_conditions(
        entry.item_id != all_(bindparam("exclude", type_=ARRAY(Integer)))
    )
    returned = (
        entry.item_id,
        entry.session_id,
        entry.priority,
        entry.suggestion,
        entry.confidence,
        entry.score,
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
