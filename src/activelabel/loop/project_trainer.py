"""One project's rounds in the background, for a process that labels it itself.

A notebook labels in its kernel's main thread; a round there would freeze the
widget for as long as it trains. :class:`ProjectTrainer` watches one project
from a thread: every ``retrain_every`` new labels it queues a train job in the
database, claims it, computes the round in a worker *process*
(:class:`~activelabel.loop.worker.RoundWorker`, as the server's trainer does)
and writes it from the thread. The jobs are the server's, so a notebook and an
``activelabel serve`` on one database never train the project twice at once:
whichever claims the job runs it, and both see the model it wrote.

It also notices models trained elsewhere (by a server's trainer) and calls
``on_model`` with each new one, so a widget can show it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from activelabel.config import Settings
from activelabel.loop.trainer import JobHeartbeat, labels_that_train
from activelabel.loop.worker import RoundFailed, RoundWorker
from activelabel.loop.write import write_round
from activelabel.store.engine import Store
from activelabel.store.jobs import (
    HEARTBEAT_SECONDS,
    claim_job,
    finish_job,
    has_open_job,
    has_stale_jobs,
    reclaim_stale_jobs,
    request_job,
)
from activelabel.store.model_versions import ModelPoint, newest_model_point
from activelabel.store.models import Project

__all__ = ["ProjectTrainer"]

log = logging.getLogger("activelabel.project_trainer")

#: A worker process idle this long exits and gives its memory back.
WORKER_IDLE_SECONDS = 60.0


class ProjectTrainer:
    """Trains one project every ``retrain_every`` labels, off the caller's thread.

    Call :meth:`notify` after labeling (it looks at once instead of at the next
    poll), :meth:`train_now` to ask for a round, :meth:`stop` when done.
    ``on_model`` is called from the trainer's thread with each new model
    version, whoever trained it.
    """

    def __init__(
        self,
        store: Store,
        project_id: int,
        *,
        on_model: Callable[[ModelPoint], None] | None = None,
        queue_size: int = 500,
        poll_seconds: float = 3.0,
        cache_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.project_id = project_id
        self.on_model = on_model
        self.queue_size = queue_size
        self.poll_seconds = poll_seconds
        self.cache_dir = cache_dir if cache_dir is not None else Settings().cache_dir
        #: The last round's error, as a sentence (None after a round that worked).
        self.last_error: str | None = None
        #: Whether a round of this trainer is being computed now.
        self.training = False
        self._url = store.engine.url.render_as_string(hide_password=False)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker = RoundWorker()
        self._worker_used = 0.0
        self._labels_at_round = 0
        with store.session() as session:
            newest = newest_model_point(session, project_id=project_id)
        self._newest = newest.name if newest is not None else None

    def start(self) -> None:
        """Start watching in a daemon thread (it never keeps a kernel alive)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="activelabel-project-trainer", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a round in progress is abandoned and its job marked failed."""
        self._stop.set()
        self._wake.set()
        self._worker.close(kill=True)
        # Stopped from its own thread (a callback closed the widget), it ends
        # by itself once this call returns.
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    def notify(self) -> None:
        """Labels arrived: look now rather than at the next poll."""
        self._wake.set()

    def train_now(self) -> None:
        """Queue a round now (unless one is queued or running) and wake the thread."""
        with self.store.session(write=True) as session:
            if not has_open_job(session, project_id=self.project_id):
                request_job(session, project_id=self.project_id, kind="train")
        self._wake.set()

    def labels_until_round(self) -> int:
        """New labels still needed before the next round is due."""
        with self.store.session() as session:
            labels, last, every = self._counts(session)
        return max(0, last + every - labels)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._reclaim_stale_jobs()
                self._queue_if_due()
                self._run_own_job()
                self._announce_new_model()
            except Exception:  # keep watching; the error is logged and kept
                log.exception("the notebook's trainer failed")
            idle = time.monotonic() - self._worker_used
            if self._worker.running and idle > WORKER_IDLE_SECONDS:
                self._worker.close()

    def _counts(self, session: Session) -> tuple[int, int, int]:
        """(labels that train, labels of the last round, retrain_every)."""
        project = session.get(Project, self.project_id)
        every = project.settings.retrain_every if project is not None else 10
        # Counted as the server's trainer counts them.
        labels = labels_that_train(session, project_id=self.project_id)
        newest = newest_model_point(session, project_id=self.project_id)
        last = max(newest.n_labels if newest else 0, self._labels_at_round)
        return labels, last, every

    def _reclaim_stale_jobs(self) -> None:
        """Take back jobs whose trainer stopped beating (a kernel restarted in
        mid-round): left running, the project's open job would block every
        later round. The same reclaim as the server's trainer."""
        with self.store.session() as session:
            if not has_stale_jobs(session):
                return
        with self.store.session(write=True) as session:
            reclaimed = reclaim_stale_jobs(session)
        if reclaimed:
            log.warning("reclaimed jobs %s of a trainer that stopped", reclaimed)

    def _queue_if_due(self) -> None:
        with self.store.session() as session:
            labels, last, every = self._counts(session)
            if labels - last < every or has_open_job(
                session, project_id=self.project_id
            ):
                return
        # Remembered even when the round trains no model (one class so far),
        # else a round would be due again at every look.
        self._labels_at_round = labels
        with self.store.session(write=True) as session:
            if not has_open_job(session, project_id=self.project_id):
                request_job(session, project_id=self.project_id, kind="train")

    def _run_own_job(self) -> None:
        with self.store.session(write=True) as session:
            job = claim_job(session, project_id=self.project_id)
            if job is None:
                return
            job_id = job.id
        beat = JobHeartbeat(self.store, job_id, HEARTBEAT_SECONDS)
        self.training = True
        try:
            try:
                computed = self._worker.compute(
                    self._url,
                    self.project_id,
                    self.queue_size,
                    str(self.cache_dir) if self.cache_dir else None,
                    while_waiting=beat,
                )
            finally:
                self._worker_used = time.monotonic()
            report = write_round(self.store, computed)
        except Exception as exc:
            message = (
                "The notebook stopped during this round."
                if self._stop.is_set()
                else str(exc)
                if isinstance(exc, RoundFailed)
                else f"{type(exc).__name__}: {exc}"
            )
            self.last_error = message
            log.warning(
                "training round of project %s failed: %s", self.project_id, message
            )
            with self.store.session(write=True) as session:
                finish_job(session, job_id=job_id, error=message)
            return
        finally:
            self.training = False
        self.last_error = None
        with self.store.session(write=True) as session:
            finish_job(
                session,
                job_id=job_id,
                result={"model_version": report.model_version, "queued": report.queued},
            )

    def _announce_new_model(self) -> None:
        with self.store.session() as session:
            newest = newest_model_point(session, project_id=self.project_id)
        if newest is None or newest.name == self._newest:
            return
        self._newest = newest.name
        if self.on_model is not None:
            self.on_model(newest)
