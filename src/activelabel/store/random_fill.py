"""Random fill: queue unlabeled items drawn at random, with no model.

Before the first model, and whenever a round cannot run, the queue still
needs items: these functions draw unlabeled items that are not queued and
append them behind every entry, under a query session of their own
(strategy ``random``). :mod:`activelabel.store.top_up` is the serving path's
cheaper relative (one index walk from a random point, no sort of the pool).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from activelabel.store.gold import NOT_GOLD
from activelabel.store.models import Annotation, Item, QuerySession, QueueEntry

__all__ = [
    "PROBE_LIMIT",
    "has_items_to_queue",
    "pick_at_random",
    "probe_at_random",
    "queue_at_random",
    "random_fill",
]


#: Random ids :func:`probe_at_random` looks up at most in one try.
PROBE_LIMIT = 20_000


def _unlabeled_unqueued() -> Any:
    """Items with no active label and no queue entry, not gold (a WHERE clause
    on ``Item``)."""
    labeled = exists().where(
        Annotation.item_id == Item.id, Annotation.status == "active"
    )
    queued = exists().where(QueueEntry.item_id == Item.id)
    # Gold items reach annotators only through "next task"'s gold mixing.
    return and_(~labeled, ~queued, NOT_GOLD)


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
    rows = [
        {
            "project_id": project_id,
            "item_id": item_id,
            "session_id": query_session.id,
            "priority": below - rank,
        }
        for rank, item_id in enumerate(picked)
    ]
    # Another server's trainer (or "next task") may have queued one of these
    # since they were checked (PostgreSQL; on SQLite the check and this
    # insert share the writer lock): its entry stays.
    upsert = (
        postgresql.insert
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert
    )
    queued = len(
        session.execute(
            upsert(QueueEntry)
            .on_conflict_do_nothing(index_elements=["project_id", "item_id"])
            .returning(QueueEntry.item_id),
            rows,
        ).all()
    )
    query_session.n_queued = queued
    return queued


def random_fill(session: Session, *, project_id: int, size: int) -> int:
    """Add a random sample of up to ``size`` unlabeled items to the queue (no model needed).

    Cheap enough to run while a server starts, so the first item is there at once
    while the first real round (featurize, cold start, train) runs in the background.
    """
    # Picked in this transaction: nothing to check again.
    picked = pick_at_random(session, project_id=project_id, size=size)
    return _append_random(session, project_id=project_id, picked=picked)
