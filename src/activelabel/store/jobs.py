"""Background jobs in the database: asked for by any server, run by one worker.

Keeping jobs in the database (not in a process's memory) lets several ``serve``
processes on one PostgreSQL database share a single trainer: whoever claims a job
runs it, the others see its state.

The server running a job renews its ``heartbeat_at`` every few seconds
(:func:`beat_job`). A server that dies (killed, power lost) stops renewing it,
and any server's trainer then reclaims the job (:func:`reclaim_stale_jobs`):
put back in the queue the first time, failed with a sentence if it was
reclaimed once already (a round that takes its server down with it must not do
so forever).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import exists, func, select, text, update
from sqlalchemy.orm import Session, aliased

from activelabel.store.models import Job, utcnow

__all__ = [
    "HEARTBEAT_SECONDS",
    "STALE_AFTER",
    "beat_job",
    "claim_job",
    "finish_job",
    "has_open_job",
    "has_stale_jobs",
    "reclaim_stale_jobs",
    "request_job",
    "training_status",
]

#: How often the server running a job renews its heartbeat.
HEARTBEAT_SECONDS: Final = 5.0

#: A running job whose heartbeat is older than this was left by a server that
#: stopped: nine missed beats, so a server busy for a while is not taken for dead.
STALE_AFTER: Final = dt.timedelta(seconds=45)

#: What a job reclaimed once already records when it is reclaimed again.
_GAVE_UP: Final = (
    "The server running this job stopped twice in a row (no heartbeat for "
    "{seconds:.0f} s); it was not started again."
)

#: First key of the advisory locks that serialize job requests per project.
_JOB_LOCK_SPACE = 0x61C7


def request_job(session: Session, *, project_id: int, kind: str = "train") -> Job:
    """Queue a job unless one of the same kind is already waiting; return it."""
    if session.get_bind().dialect.name == "postgresql":
        # Several servers may ask at once; the lock (held to commit) makes "look for
        # a waiting job, else add one" a single step per project.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :project)"),
            {"space": _JOB_LOCK_SPACE, "project": project_id},
        )
    waiting = session.scalar(
        select(Job).where(
            Job.project_id == project_id, Job.kind == kind, Job.state == "queued"
        )
    )
    if waiting is not None:
        return waiting
    job = Job(project_id=project_id, kind=kind, state="queued", result={})
    session.add(job)
    session.flush()
    return job


def has_open_job(session: Session, *, project_id: int) -> bool:
    """Whether the project has a job queued or running."""
    busy = session.scalar(
        select(func.count()).where(
            Job.project_id == project_id, Job.state.in_(("queued", "running"))
        )
    )
    return bool(busy)


def claim_job(session: Session, *, project_id: int | None = None) -> Job | None:
    """Take the oldest queued job (skipping ones another worker holds) and mark it running.

    A job of a project whose round is running elsewhere waits for it: two
    servers starting at once may each queue a first round, and two rounds of
    one project at once would race to write its queue and model.
    """
    running = aliased(Job)
    query = (
        select(Job)
        .where(
            Job.state == "queued",
            ~exists().where(
                running.project_id == Job.project_id, running.state == "running"
            ),
        )
        .order_by(Job.id)
        .limit(1)
    )
    if project_id is not None:
        query = query.where(Job.project_id == project_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalar(query)
    if job is None:
        return None
    job.state = "running"
    job.started_at = job.heartbeat_at = utcnow()
    session.flush()
    return job


def beat_job(session: Session, *, job_id: int) -> bool:
    """Renew the heartbeat of a running job; False if it is no longer running.

    A job reclaimed meanwhile (its server was taken for dead) is left alone.
    """
    done = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "running")
        .values(heartbeat_at=utcnow())
    )
    return bool(getattr(done, "rowcount", 0))


def _stale(stale_after: dt.timedelta, now: dt.datetime | None) -> tuple[Any, ...]:
    """Conditions of a running job whose heartbeat is older than ``stale_after``."""
    cutoff = (now or utcnow()) - stale_after
    return (
        Job.state == "running",
        func.coalesce(Job.heartbeat_at, Job.started_at) < cutoff,
    )


def has_stale_jobs(
    session: Session,
    *,
    stale_after: dt.timedelta = STALE_AFTER,
    now: dt.datetime | None = None,
) -> bool:
    """Whether some running job's heartbeat is older than ``stale_after`` (a read)."""
    found = session.scalar(select(Job.id).where(*_stale(stale_after, now)).limit(1))
    return found is not None


def reclaim_stale_jobs(
    session: Session,
    *,
    stale_after: dt.timedelta = STALE_AFTER,
    now: dt.datetime | None = None,
) -> list[int]:
    """Take back the running jobs whose heartbeat is older than ``stale_after``.

    A job reclaimed for the first time goes back to the queue (any server's
    trainer runs it again), unless the project already has a job of that kind
    waiting; then, and for a job reclaimed before, it is marked failed with a
    sentence. Jobs from before heartbeats existed are judged by ``started_at``.
    Returns the ids of the jobs reclaimed.
    """
    seconds = stale_after.total_seconds()
    query = select(Job).where(*_stale(stale_after, now)).order_by(Job.id)
    if session.get_bind().dialect.name == "postgresql":
        # Two servers reclaiming at once: the second skips what the first holds
        # (and a job already requeued and claimed again no longer matches).
        query = query.with_for_update(skip_locked=True)
    stale = list(session.scalars(query))
    for job in stale:
        waiting = session.scalar(
            select(Job.id).where(
                Job.project_id == job.project_id,
                Job.kind == job.kind,
                Job.state == "queued",
            )
        )
        reclaimed = int((job.result or {}).get("reclaimed", 0))
        if waiting is None and reclaimed == 0:
            job.state = "queued"
            job.started_at = job.heartbeat_at = None
            job.result = {"reclaimed": 1}
        else:
            job.state = "failed"
            job.finished_at = utcnow()
            job.error = (
                _GAVE_UP.format(seconds=seconds)
                if reclaimed
                else (
                    f"The server running this job stopped (no heartbeat for "
                    f"{seconds:.0f} s); a newer request is queued."
                )
            )
    session.flush()
    return [job.id for job in stale]


def finish_job(
    session: Session,
    *,
    job_id: int,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    """Record how a job ended."""
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            state="failed" if error else "done",
            error=error,
            result=result or {},
            finished_at=utcnow(),
        )
    )


def training_status(
    session: Session,
    *,
    project_id: int,
    labeled: int,
    last_n_labels: int,
    retrain_every: int,
) -> dict[str, Any]:
    """What the trainer is doing for a project, for the progress panel."""
    states = dict(
        session.execute(
            select(Job.state, func.count())
            .where(Job.project_id == project_id, Job.state.in_(("queued", "running")))
            .group_by(Job.state)
        ).all()
    )
    last = session.execute(
        select(Job.state, Job.error, Job.result, Job.finished_at)
        .where(Job.project_id == project_id, Job.state.in_(("done", "failed")))
        .order_by(Job.id.desc())
        .limit(1)
    ).first()
    state = (
        "training"
        if states.get("running")
        else "queued"
        if states.get("queued")
        else "idle"
    )
    return {
        "state": state,
        "labels_until_retrain": max(0, last_n_labels + retrain_every - labeled),
        "last_error": last[1] if last is not None and last[0] == "failed" else None,
        "last_result": last[2] if last is not None else None,
    }
