"""The background trainer: decides when to retrain and runs rounds off the request path.

A thread watches the projects (woken at once by new labels, else every few
seconds). When a project has ``retrain_every`` new labels, a queued "retrain now"
job, or a queue running low, it records a job in the database, claims it, and
computes the round (:func:`activelabel.loop.round.compute_round`) in a worker
*process* (:mod:`activelabel.loop.worker`), so feature extraction and
training never hold the server's GIL. The worker only reads the database; the
server writes what it computed (model version, query session, queue) in short
transactions of its own, so on SQLite requests never wait for another
process's write lock. Jobs live in the database so several servers on one
PostgreSQL database run each job once. While a round runs, the trainer renews
its job's heartbeat every few seconds; a job whose heartbeat stopped (its
server died) is reclaimed by whichever trainer looks next
(:func:`activelabel.store.jobs.reclaim_stale_jobs`).

Routes wake the trainer through :func:`notify_trainer` when labels arrive or a
queue runs low.

How long each round's queue is and how soon a round asked for by labels may
follow the last adapt to the project's labeling rate
(:mod:`activelabel.loop.cadence`): a fast team gets a queue that lasts it
through the rounds, and rounds that rest as long as they took.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from activelabel.config import Settings
from activelabel.loop.cadence import LabelRate, queue_size_for, rest_seconds
from activelabel.loop.process_memory import release_free_memory
from activelabel.loop.worker import RoundFailed, RoundWorker
from activelabel.loop.write import write_round
from activelabel.store.engine import Store
from activelabel.store.jobs import (
    HEARTBEAT_SECONDS,
    STALE_AFTER,
    beat_job,
    claim_job,
    finish_job,
    has_open_job,
    has_stale_jobs,
    reclaim_stale_jobs,
    request_job,
)
from activelabel.store.model_versions import has_model_version, newest_n_labels
from activelabel.store.models import Annotation, Project
from activelabel.store.queue import queue_size
from activelabel.store.random_fill import (
    has_items_to_queue,
    probe_at_random,
    queue_at_random,
    random_fill,
)

__all__ = ["BackgroundTrainer", "notify_trainer", "trainer_of"]

log = logging.getLogger("activelabel.trainer")

#: The trainer looks at the projects at most this often (seconds).
MIN_CHECK_SECONDS = 1.0

#: A worker process idle this long exits, giving back the memory of the model
#: stack and the pool's features (hundreds of MiB on a large pool). The next
#: round starts a new one: a few seconds, against the tens a large round takes,
#: and the features come back from the on-disk cache.
WORKER_IDLE_SECONDS = 60.0

#: Seconds between two top-ups of one project's queue while a round runs.
TOP_UP_SECONDS = 10.0

#: Seconds before a queue found with nothing left to add to it is looked at
#: again for new items (an import), when no labels made a round due meanwhile.
DRAINED_SECONDS = 60.0

#: The longest a round asked for by labels waits after the last round ended
#: (a first round, which featurizes the pool, can take minutes).
MAX_REST_SECONDS = 60.0

#: PostgreSQL advisory lock key held while a starting server fills empty queues.
_PG_START_LOCK = 0x61637476_0002


def labels_that_train(session: Session, *, project_id: int) -> int:
    """The project's labels that count towards its next round: people's active
    labels, not the ones the model gave itself (auto-accept never brings a round)."""
    return (
        session.scalar(
            select(func.count()).where(
                Annotation.project_id == project_id,
                Annotation.status == "active",
                Annotation.source != "model",
            )
        )
        or 0
    )


def trainer_of(holder: object) -> BackgroundTrainer | None:
    """The background trainer of an app, given its request or its ``app.state``
    (None when the app runs none)."""
    app = getattr(holder, "app", None)
    state = app.state if app is not None else holder
    trainer = getattr(state, "trainer", None)
    return trainer if isinstance(trainer, BackgroundTrainer) else None


def notify_trainer(
    holder: object, project_id: int, *, queue_left: int | None = None
) -> None:
    """Tell the app's trainer that a project changed (labels, a request to retrain).

    ``holder`` is the request, or the app's ``state``. With ``queue_left``
    (items left in the queue after a lease), the trainer is told only when that
    is below its low-water mark. Does nothing when the app runs no trainer.
    """
    trainer = trainer_of(holder)
    if trainer is None:
        return
    if queue_left is not None and queue_left >= trainer.low_water:
        return
    trainer.notify(project_id)


class BackgroundTrainer:
    """Runs training rounds for every project of a store, one at a time."""

    def __init__(
        self,
        store: Store,
        url: str,
        *,
        queue_size: int = 500,
        poll_seconds: float = 5.0,
        cache_dir: Path | None = None,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        stale_after: dt.timedelta = STALE_AFTER,
    ) -> None:
        self.store = store
        self.url = url
        self.queue_size = queue_size
        #: Below this many queued items a refill is due.
        self.low_water = max(10, queue_size // 5)
        self.poll_seconds = poll_seconds
        #: Where the worker caches feature matrices (the ``cache_dir`` setting
        #: when none is given; unset, beside a SQLite file).
        self.cache_dir = cache_dir if cache_dir is not None else Settings().cache_dir
        #: How often a running job's heartbeat is renewed, and how old another
        #: server's job's heartbeat may get before the job is reclaimed.
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_after = stale_after
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker = RoundWorker()
        self._worker_used = 0.0
        self.worker_idle_seconds = WORKER_IDLE_SECONDS
        #: When each project's queue was last topped up during a round.
        self._topped_up: dict[int, float] = {}
        #: Until when a project's low queue is known to have nothing to add.
        self._drained_until: dict[int, float] = {}
        #: Labels a project had when its last round was asked for by labels.
        self._labels_at_round: dict[int, int] = {}
        #: Each project's labeling rate, from the counts read by _round_due.
        self._rates: dict[int, LabelRate] = {}
        #: How long each project's last round took (seconds) and when it ended.
        self._round_seconds: dict[int, float] = {}
        self._round_ended: dict[int, float] = {}
        #: Seconds for the labeling rate and the rests (``time.monotonic``).
        self.clock: Callable[[], float] = time.monotonic
        self.rounds: list[dict[str, Any]] = []

    def start(self) -> None:
        """Fill empty queues at once, then start watching in the background."""
        with self.store.session(write=True) as session:
            if session.get_bind().dialect.name == "postgresql":
                # Servers starting together on one database fill each queue once:
                # the others wait here, then see the filled queue and the queued job.
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_START_LOCK}
                )
            for project_id in session.scalars(select(Project.id)):
                if queue_size(session, project_id=project_id) == 0:
                    random_fill(session, project_id=project_id, size=self.queue_size)
                if not has_model_version(session, project_id=project_id):
                    # A first round: cold start, or a first model from imported labels.
                    request_job(session, project_id=project_id, kind="train")
                    # Run it now, not after the first poll interval: the person
                    # who just started the server is about to open the page.
                    self._wake.set()
        self._thread = threading.Thread(
            target=self._run, name="activelabel-trainer", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a round in progress is abandoned (its job is marked failed)."""
        self._stop.set()
        self._wake.set()
        # A round can take minutes on a large pool; stopping must not wait for
        # it. Killed, the worker's round fails at once and its job with it.
        self._worker.close(kill=True)
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def worker_running(self) -> bool:
        """Whether a worker process is up (it exits after a while without rounds)."""
        return self._worker.running

    def labels_per_second(self, project_id: int) -> float:
        """The project's labeling rate over the last half minute, as last read."""
        rate = self._rates.get(project_id)
        return rate.per_second() if rate is not None else 0.0

    def queue_size_for(self, project_id: int) -> int:
        """Entries the project's next round queues: ``queue_size``, or what the
        team labels in three rounds' time at its rate if more
        (:func:`~activelabel.loop.cadence.queue_size_for`)."""
        return queue_size_for(
            self.labels_per_second(project_id),
            self._round_seconds.get(project_id, 0.0),
            base=self.queue_size,
        )

    def low_water_for(self, project_id: int) -> int:
        """Below this many entries the project's queue makes a round due."""
        return max(self.low_water, self.queue_size_for(project_id) // 5)

    def record_round(self, project_id: int, *, started: float, ended: float) -> None:
        """Note that a round of the project ran from ``started`` to ``ended``
        (:attr:`clock` seconds): what its rest and the next queue's
        length are measured from."""
        self._round_seconds[project_id] = max(0.0, ended - started)
        self._round_ended[project_id] = ended

    def resting(self, project_id: int, now: float) -> bool:
        """Whether a round asked for by labels waits: the last round ended less
        than its own duration ago (at most :data:`MAX_REST_SECONDS`)."""
        ended = self._round_ended.get(project_id)
        if ended is None:
            return False
        rest = min(
            MAX_REST_SECONDS, rest_seconds(self._round_seconds.get(project_id, 0.0))
        )
        return now < ended + rest

    def notify(self, project_id: int) -> None:
        """Something changed in a project (labels, a request): look now."""
        self._wake.set()

    def _run(self) -> None:
        last_check = 0.0
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            # Labels arrive many times a second with a team; looking at most once
            # per MIN_CHECK_SECONDS keeps the trainer's queries off the hot path.
            pause = MIN_CHECK_SECONDS - (time.monotonic() - last_check)
            if pause > 0:
                self._stop.wait(pause)
            self._wake.clear()
            if self._stop.is_set():
                return
            last_check = time.monotonic()
            try:
                self._check_projects()
                while not self._stop.is_set() and self._run_one_job():
                    pass
            except Exception:  # keep the thread alive; the error is in the job row
                log.exception("background trainer failed")
            idle = time.monotonic() - self._worker_used
            if self._worker.running and idle > self.worker_idle_seconds:
                self._worker.close()
                release_free_memory()

    def _check_projects(self) -> None:
        """Queue a train job where enough new labels arrived or the queue runs low.

        Looked at in a read transaction; the writing one (on SQLite, the lock
        every label waits for) is opened only when there is a job to queue or a
        stale one to reclaim (see :func:`reclaim_stale_jobs`).
        """
        with self.store.session() as session:
            stale = has_stale_jobs(session, stale_after=self.stale_after)
            due = [
                project.id
                for project in session.scalars(select(Project))
                if self._round_due(session, project)
                and not has_open_job(session, project_id=project.id)
            ]
        if not stale and not due:
            return
        with self.store.session(write=True) as session:
            if stale:
                reclaimed = reclaim_stale_jobs(session, stale_after=self.stale_after)
                if reclaimed:
                    log.warning("reclaimed jobs %s of a server that stopped", reclaimed)
            for project_id in due:
                # Another server may have queued one since the read.
                if not has_open_job(session, project_id=project_id):
                    request_job(session, project_id=project_id, kind="train")

    def _round_due(self, session: Session, project: Project) -> bool:
        """Whether ``retrain_every`` labels arrived since the newest model, or the
        queue runs low."""
        retrain_every = project.settings.retrain_every
        labels = labels_that_train(session, project_id=project.id)
        now = self.clock()
        self._rates.setdefault(project.id, LabelRate()).add(now, labels)
        # Counted from the newest model, or from the last round asked for by
        # labels when that round trained none (labels that cannot train a
        # model yet: one class, sentences without a span) — else a round would
        # be due again at every look, reshuffling the queue each time.
        newest = newest_n_labels(session, project_id=project.id)
        last = max(newest or 0, self._labels_at_round.get(project.id, 0))
        # With a team faster than a round, labels are due again before the
        # last round is written: rest as long as it took (see loop/cadence.py).
        # Not before the first model, which is what the people labeling wait
        # for: the cold-start round's duration would only delay it.
        rests = newest is not None and self.resting(project.id, now)
        if labels - last >= retrain_every and not rests:
            self._labels_at_round[project.id] = labels
            return True
        if queue_size(session, project_id=project.id) >= self.low_water_for(project.id):
            return False
        # A round refills a low queue only from items outside it. A pool smaller
        # than the low-water mark, or one nearly all labeled, would otherwise be
        # retrained again and again with nothing new to queue.
        if now < self._drained_until.get(project.id, 0.0):
            return False
        if has_items_to_queue(session, project_id=project.id):
            return True
        self._drained_until[project.id] = now + DRAINED_SECONDS
        return False

    def _top_up_low_queues(self) -> None:
        """Add random items to queues that ran low while a round is computed.

        Rounds refill the queues, but a round can take minutes (a first round
        of sentence embeddings on a large pool), and a team empties a queue
        of 500 faster: the page would say nothing is left to label while most
        of the pool is. Items are drawn by random ids (a few index lookups,
        not a scan of the pool) in a read transaction and appended
        behind what is queued; the next round replaces them. A project is
        topped up at most every :data:`TOP_UP_SECONDS`.
        """
        now = time.monotonic()
        try:
            picked: dict[int, list[int]] = {}
            with self.store.session() as session:
                for project_id in list(session.scalars(select(Project.id))):
                    last = self._topped_up.get(project_id, -TOP_UP_SECONDS)
                    if now - last < TOP_UP_SECONDS:
                        continue
                    size = queue_size(session, project_id=project_id)
                    if size < self.low_water_for(project_id):
                        picked[project_id] = probe_at_random(
                            session,
                            project_id=project_id,
                            size=self.queue_size_for(project_id) - size,
                        )
            for project_id, item_ids in picked.items():
                self._topped_up[project_id] = now
                if item_ids:
                    with self.store.session(write=True) as session:
                        queue_at_random(
                            session, project_id=project_id, item_ids=item_ids
                        )
        except Exception:  # the round goes on; the next call tries again
            log.exception("topping up a queue failed")

    def _run_one_job(self) -> bool:
        with self.store.session(write=True) as session:
            job = claim_job(session)
            if job is None:
                return False
            job_id, project_id = job.id, job.project_id
        beat = JobHeartbeat(self.store, job_id, self.heartbeat_seconds)
        started = self.clock()

        def while_waiting() -> None:
            beat()
            self._top_up_low_queues()

        try:
            try:
                computed = self._worker.compute(
                    self.url,
                    project_id,
                    self.queue_size_for(project_id),
                    str(self.cache_dir) if self.cache_dir else None,
                    while_waiting=while_waiting,
                )
            finally:
                self._worker_used = time.monotonic()
            result = asdict(write_round(self.store, computed))
        except Exception as exc:
            if self._stop.is_set():
                message = "The server stopped during this round."
            elif isinstance(exc, RoundFailed):
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc}"
            log.warning("training round for project %s failed: %s", project_id, message)
            with self.store.session(write=True) as session:
                finish_job(session, job_id=job_id, error=message)
            return True
        self.record_round(project_id, started=started, ended=self.clock())
        self.rounds.append(result)
        with self.store.session(write=True) as session:
            finish_job(session, job_id=job_id, result=result)
        # Writing the round's queue allocated and freed thousands of rows.
        release_free_memory()
        return True


class JobHeartbeat:
    """Renews a running job's heartbeat, at most every ``seconds``, when called."""

    def __init__(self, store: Store, job_id: int, seconds: float) -> None:
        self.store = store
        self.job_id = job_id
        self.seconds = seconds
        self._last = time.monotonic()  # claiming the job set the first beat

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < self.seconds:
            return
        self._last = now
        try:
            with self.store.session(write=True) as session:
                beat_job(session, job_id=self.job_id)
        except Exception:  # a missed beat is retried at the next call
            log.exception("renewing the heartbeat of job %s failed", self.job_id)
