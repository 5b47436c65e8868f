""" "Next task": lease items to an annotator and say how the queue stands.

The page asks for this before every item, so it is the hottest call of a
labeling session. The lease itself is
:func:`~activelabel.store.leases.lease_entries`; this module decides where
it runs and what follows it. On SQLite it runs inside the server's writing
transaction, with the queue's status read after it. On PostgreSQL each
statement is a round trip to a server process on the same machine, and a
transaction costs more of them (a connection check, BEGIN, a setting,
COMMIT); so there the lease, which is one statement that also counts the
queue, runs on its own in autocommit mode. One statement is one
transaction: it either leases every item it returns or none.

A queue that runs low is topped up here, without waiting for a round
(:class:`QueueTopUp`, :mod:`activelabel.store.top_up`): a call that leased
fewer items than asked tops up and leases once more, and a call that finds
the queue below a mark tops it up before it empties. Neither costs a
statement while the queue is above the mark. A team that takes a batch in
less than :data:`FAST_TOP_UP_SECONDS` gets batches (and a mark) twice as
large the next time, up to :data:`MAX_TOP_UP`: fewer top-ups, each of which
holds SQLite's writer lock, and a queue that does not run dry between them.

A lease sees the queue as it was when its statement began. On PostgreSQL
another request's top-up can commit while it runs: the lease then comes
back short although the queue has free entries, and a top-up of its own
finds nothing left to add. So a call counts the top-ups before it leases,
and a short call leases again whenever one has happened since, even when
the project was just found walked to its end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from activelabel.store.engine import Store
from activelabel.store.gold import GoldMixer, pick_gold_tasks
from activelabel.store.leases import (
    DEFAULT_LEASE,
    Leased,
    LeasedTask,
    lease_entries,
)
from activelabel.store.models import utcnow
from activelabel.store.stats import QueueStatus, queue_status
from activelabel.store.top_up import top_up as top_up_queue

__all__ = ["FAST_TOP_UP_SECONDS", "MAX_TOP_UP", "NextTasks", "QueueTopUp", "next_tasks"]

#: A top-up this soon after the project's last one doubles the project's batch.
FAST_TOP_UP_SECONDS = 2.0
#: A top-up this long after the last one goes back to the server's batch.
SLOW_TOP_UP_SECONDS = 30.0
#: The largest batch a top-up adds (about 10 ms of inserts on SQLite).
MAX_TOP_UP = 1_000


@dataclass(frozen=True)
class NextTasks:
    """The items leased to the caller and the queue as it stood when they were."""

    tasks: list[LeasedTask]
    queue: QueueStatus


@dataclass
class QueueTopUp:
    """When "next task" tops a project's queue up itself, and by how much.

    One per server, shared by its requests. A call that leased fewer items
    than asked tops up at once (waiting for a top-up already under way in
    this process, and then only leasing again); a call that finds fewer
    than ``below`` entries tops up unless another request is doing it. A
    top-up that found fewer items than it looked for has walked the whole
    pool: the project is not walked again for ``drained_seconds`` (a
    project with everything labeled would otherwise be read on every call).

    ``batch`` and ``below`` are where a project starts: a top-up that comes
    within :data:`FAST_TOP_UP_SECONDS` of the project's last one doubles
    both for that project (at most :data:`MAX_TOP_UP`), one after
    :data:`SLOW_TOP_UP_SECONDS` starts over from them, so the batch follows
    the team's labeling rate.

    ``seen`` is :meth:`top_ups` read before the caller's lease began: a
    top-up counted since then may have added entries that lease could not
    see, so a short call leases again instead of giving up.
    """

    #: A queue with fewer entries than this is topped up before it empties.
    below: int
    #: Items a top-up adds (more if a call asked for more).
    batch: int
    drained_seconds: float = 10.0
    #: Seconds, for the batch's and the drained mark's timing.
    clock: Callable[[], float] = time.monotonic
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _locks: dict[int, threading.Lock] = field(default_factory=dict, repr=False)
    _fills: dict[int, int] = field(default_factory=dict, repr=False)
    _drained_until: dict[int, float] = field(default_factory=dict, repr=False)
    #: Per project: its batch now, and when its last top-up added entries.
    _batches: dict[int, int] = field(default_factory=dict, repr=False)
    _filled_at: dict[int, float] = field(default_factory=dict, repr=False)

    @classmethod
    def for_queue(cls, queue_size: int) -> QueueTopUp:
        """The top-up of a server keeping ``queue_size`` entries.

        The mark is half the trainer's refill mark (a fifth of the queue),
        so a round, which orders the queue by the model, is asked for first;
        topping up takes over only if the team gets further before the
        round is written.
        """
        return cls(
            below=max(5, queue_size // 10), batch=max(20, min(100, queue_size // 10))
        )

    def top_ups(self, project_id: int) -> int:
        """How many top-ups that added entries this server has run for the project.

        Read before a lease (one dictionary lookup), it is the ``seen`` of
        :meth:`due` and :meth:`refill`.
        """
        return self._fills.get(project_id, 0)

    def batch_for(self, project_id: int) -> int:
        """Items the project's next top-up adds (the mark below which a call
        tops up is as large, if larger than ``below``)."""
        return self._batches.get(project_id, self.batch)

    def due(self, project_id: int, *, size: int, short: bool, seen: int) -> bool:
        """Whether a call that saw ``size`` entries (and was ``short``) tops up,
        or leases again from a top-up made since its lease began."""
        if not short and size >= max(self.below, self._batches.get(project_id, 0)):
            return False
        if short and self._fills.get(project_id, 0) != seen:
            return True
        return self.clock() >= self._drained_until.get(project_id, 0.0)

    def refill(
        self,
        project_id: int,
        *,
        short: bool,
        wanted: int,
        seen: int,
        fill: Callable[[int], int],
    ) -> bool:
        """Run ``fill(count)`` (which returns the entries added) unless needless;
        whether to lease again.

        That is: a top-up was made since the caller's lease began (by another
        request, which this call may have waited for), or this call's
        ``fill`` added entries.
        """
        with self._guard:
            lock = self._locks.setdefault(project_id, threading.Lock())
        if self._fills.get(project_id, 0) != seen:
            return True
        if not lock.acquire(blocking=short):
            return False  # another request is topping this queue up now
        try:
            if self._fills.get(project_id, 0) != seen:
                return True  # topped up while this call waited
            now = self.clock()
            if now < self._drained_until.get(project_id, 0.0):
                return False
            count = max(self._next_batch(project_id, now), wanted)
            added = fill(count)
            if added < count:
                self._drained_until[project_id] = now + self.drained_seconds
            if added:
                self._filled_at[project_id] = now
                # Counted once the entries are committed (the fill is one
                # statement on PostgreSQL, and SQLite's writer lock is held
                # until the call's transaction ends).
                self._fills[project_id] = self._fills.get(project_id, 0) + 1
            return added > 0
        finally:
            lock.release()

    def _next_batch(self, project_id: int, now: float) -> int:
        """The project's batch for a top-up at ``now``, from how soon after the
        last one it comes (called under the project's lock)."""
        batch = self._batches.get(project_id, self.batch)
        last = self._filled_at.get(project_id)
        if last is not None and now - last < FAST_TOP_UP_SECONDS:
            batch = min(MAX_TOP_UP, max(batch, self.batch) * 2)
        elif last is None or now - last > SLOW_TOP_UP_SECONDS:
            batch = self.batch
        self._batches[project_id] = batch
        return batch


def next_tasks(
    store: Store,
    *,
    project_id: int,
    user_id: int,
    n: int = 5,
    exclude: Sequence[int] = (),
    lease: dt.timedelta = DEFAULT_LEASE,
    now: dt.datetime | None = None,
    top_up: QueueTopUp | None = None,
    overlap: int = 1,
    overlap_share: float = 1.0,
    gold: GoldMixer | None = None,
    gold_rate: float = 0.0,
) -> NextTasks:
    """Lease up to ``n`` items to ``user_id`` (theirs first, then the best free
    ones) and read the queue's size and newest model.

    The same rules as :func:`~activelabel.store.leases.lease_entries`: an item
    the user already labeled is never served to them again, ``exclude`` lists
    items the caller already holds, and two annotators never hold one item.
    The transaction writes only leases, which a crash may lose (a lost lease
    only frees its item), so it does not wait for the disk on PostgreSQL.

    With ``top_up``, a queue that is low (or had too few items for this
    call) gets items that need a label (by ``overlap`` annotators) and are
    not queued, and a short call leases once more; fewer than ``n`` items
    then means there are no more for this annotator. ``overlap_share`` is
    the share of items that need ``overlap`` annotators (the others one).

    With ``gold`` and a ``gold_rate`` above 0, gold items take the places of
    the last tasks when the annotator is due them
    (:class:`~activelabel.store.gold.GoldMixer`); at rate 0 nothing more runs.
    """
    now = now or utcnow()
    r = _Request(
        project_id, user_id, n, list(exclude), lease, now, overlap, overlap_share
    )
    with _lease_connection(store) as connection:
        leased = _lease_and_top_up(connection, r, top_up)
        if gold is not None and gold_rate > 0 and leased.tasks:
            leased = _mix_gold(connection, r, leased, gold, gold_rate)
        return leased


def _mix_gold(
    connection: Connection,
    r: _Request,
    leased: NextTasks,
    gold: GoldMixer,
    rate: float,
) -> NextTasks:
    """Put the gold items the annotator is due among the tasks, at random
    places, in place of the last tasks (which stay leased to them and come
    back on their next call)."""
    tasks = leased.tasks
    due = gold.due(r.project_id, r.user_id, n=len(tasks), rate=rate)
    picked: list[LeasedTask] = []
    if due:
        picked = pick_gold_tasks(
            connection,
            project_id=r.project_id,
            user_id=r.user_id,
            n=due,
            exclude=[*r.exclude, *(t.item_id for t in tasks)],
            like=tasks[-1],
        )
        tasks = tasks[: len(tasks) - len(picked)]
        for chosen in picked:
            tasks.insert(random.randrange(len(tasks) + 1), chosen)
    gold.record(
        r.project_id,
        r.user_id,
        served=len(tasks),
        gold=len(picked),
        exhausted=len(picked) < due,
    )
    return NextTasks(tasks, leased.queue)


def _lease_and_top_up(
    connection: Connection, r: _Request, top_up: QueueTopUp | None
) -> NextTasks:
    """The lease, and a top-up when the queue is low (:class:`QueueTopUp`)."""

    def lease_now(n: int, exclude: list[int]) -> Leased:
        return lease_entries(
            connection,
            project_id=r.project_id,
            user_id=r.user_id,
            n=n,
            exclude=exclude,
            lease=r.lease,
            now=r.now,
        )

    # Before the lease: a top-up counted after this may be one the lease
    # could not see.
    seen = top_up.top_ups(r.project_id) if top_up is not None else 0
    first = lease_now(r.n, r.exclude)
    status = first.status
    if status is None:
        status = queue_status(connection, project_id=r.project_id)
    if top_up is None:
        return NextTasks(first.tasks, status)
    # A lease that comes with the queue's status (PostgreSQL) says how it
    # stands after the top-up; else the top-up's count does.
    latest: list[QueueStatus] = []

    def lease_more(n: int, exclude: list[int]) -> list[LeasedTask]:
        more = lease_now(n, exclude)
        if more.status is not None:
            latest.append(more.status)
        return more.tasks

    tasks, added = _top_up_and_lease(
        top_up,
        r,
        first.tasks,
        status.size,
        seen=seen,
        fill=lambda count: _fill(connection, r, count),
        lease_more=lease_more,
    )
    if latest:
        return NextTasks(tasks, latest[-1])
    return NextTasks(tasks, QueueStatus(status.size + added, status.model))


@dataclass(frozen=True)
class _Request:
    project_id: int
    user_id: int
    n: int
    exclude: list[int]
    lease: dt.timedelta
    now: dt.datetime
    overlap: int
    overlap_share: float = 1.0


@contextlib.contextmanager
def _lease_connection(store: Store) -> Iterator[Connection]:
    """Where "next task" runs its statements.

    SQLite: a writing transaction, so no other request (of any process)
    writes between the lease, the status and a top-up. PostgreSQL: the
    lease connection, each statement atomic by itself and committed without
    waiting for the disk (a lost lease only frees its item).
    """
    if store.dialect == "postgresql":
        with store.lease_connection() as connection:
            yield connection
    else:
        with store.session(write=True) as session:
            yield session.connection()


def _top_up_and_lease(
    top_up: QueueTopUp,
    r: _Request,
    tasks: list[LeasedTask],
    size: int,
    *,
    seen: int,
    fill: Callable[[int], int],
    lease_more: Callable[[int, list[int]], list[LeasedTask]],
) -> tuple[list[LeasedTask], int]:
    """Top a low queue up, and lease again when the call came back short.

    The policy both backends share; returns the tasks and how many items the
    top-up added. ``seen`` is the count of top-ups before the first lease.
    A short call leases again at most twice: after a top-up (its own, or
    another request's made since its lease began), and once more if that
    batch was taken by others before its lease got there.
    """
    short = len(tasks) < r.n
    if not top_up.due(r.project_id, size=size, short=short, seen=seen):
        return tasks, 0
    added = 0

    def counted(count: int) -> int:
        nonlocal added
        filled = fill(count)
        added += filled
        return filled

    if not short:
        top_up.refill(r.project_id, short=False, wanted=r.n, seen=seen, fill=counted)
        return tasks, added
    for _ in range(2):
        if len(tasks) >= r.n or not top_up.refill(
            r.project_id, short=True, wanted=r.n, seen=seen, fill=counted
        ):
            break
        seen = top_up.top_ups(r.project_id)
        tasks = tasks + lease_more(
            r.n - len(tasks), [*r.exclude, *(t.item_id for t in tasks)]
        )
    return tasks, added


def _fill(connection: Connection, r: _Request, count: int) -> int:
    """Top the queue up by up to ``count`` items; how many were added."""
    return top_up_queue(
        connection,
        project_id=r.project_id,
        n=count,
        overlap=r.overlap,
        overlap_share=r.overlap_share,
        now=r.now,
    )
