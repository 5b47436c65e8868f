"""Background jobs in the database: asked for by any server, run by one worker.

Keeping jobs in the database (not in a process's memory) lets several ``serve``
processes on one PostgreSQL database share a single trainer: whoever claims a job
runs it, the others see its state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from activelabel.store.models import Job, utcnow

__all__ = ["claim_job", "finish_job", "request_job", "training_status"]

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


def claim_job(session: Session, *, project_id: int | None = None) -> Job | None:
    """Take the oldest queued job (skipping ones another worker holds) and mark it running."""
    query = select(Job).where(Job.state == "queued").order_by(Job.id).limit(1)
    if project_id is not None:
        query = query.where(Job.project_id == project_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalar(query)
    if job is None:
        return None
    job.state = "running"
    job.started_at = utcnow()
    session.flush()
    return job


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
