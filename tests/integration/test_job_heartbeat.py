"""Jobs left running by a server that died are reclaimed by their heartbeat.

The staleness is a parameter (and "now" an argument), so nothing here waits for
a minute to pass.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import inspect, select, update

from activelabel.loop.trainer import BackgroundTrainer, JobHeartbeat
from activelabel.store.engine import Store, _alembic_config, current_revision, upgrade
from activelabel.store.jobs import (
    STALE_AFTER,
    beat_job,
    claim_job,
    finish_job,
    has_stale_jobs,
    reclaim_stale_jobs,
    request_job,
)
from activelabel.store.models import Job, Project, utcnow

LATER = dt.timedelta(seconds=30)


def running_job(store: Store, project: Project) -> int:
    """A job requested and claimed, as a server does before it runs the round."""
    with store.session(write=True) as session:
        request_job(session, project_id=project.id)
        job = claim_job(session, project_id=project.id)
        assert job is not None and job.heartbeat_at is not None
        return job.id


def job_row(store: Store, job_id: int) -> Job:
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_a_job_whose_heartbeat_stopped_is_requeued_then_failed_the_second_time(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": "a"}])
    job_id = running_job(store, project)
    later = utcnow() + STALE_AFTER + dt.timedelta(seconds=1)
    with store.session(write=True) as session:
        assert has_stale_jobs(session, now=later)
        assert reclaim_stale_jobs(session, now=later) == [job_id]
    job = job_row(store, job_id)
    assert (job.state, job.started_at, job.heartbeat_at) == ("queued", None, None)

    # Another server claims it, and dies too.
    with store.session(write=True) as session:
        claimed = claim_job(session)
        assert claimed is not None and claimed.id == job_id
    later = utcnow() + STALE_AFTER + dt.timedelta(seconds=1)
    with store.session(write=True) as session:
        assert reclaim_stale_jobs(session, now=later) == [job_id]
    job = job_row(store, job_id)
    assert job.state == "failed" and job.finished_at is not None
    assert job.error == (
        "The server running this job stopped twice in a row (no heartbeat for "
        "45 s); it was not started again."
    )


def test_a_job_whose_heartbeat_is_renewed_is_not_reclaimed(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": "a"}])
    job_id = running_job(store, project)
    with store.session(write=True) as session:
        assert not has_stale_jobs(session, now=utcnow() + LATER)
        assert reclaim_stale_jobs(session, now=utcnow() + LATER) == []
    # Its server renews the heartbeat a little later.
    with store.session(write=True) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(heartbeat_at=utcnow() - dt.timedelta(minutes=10))
        )
        assert beat_job(session, job_id=job_id)
    with store.session(write=True) as session:
        assert reclaim_stale_jobs(session, now=utcnow() + LATER) == []
    assert job_row(store, job_id).state == "running"


def test_a_stale_job_is_failed_when_a_newer_request_is_waiting(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": "a"}])
    job_id = running_job(store, project)
    with store.session(write=True) as session:
        newer = request_job(session, project_id=project.id).id
    later = utcnow() + STALE_AFTER + dt.timedelta(seconds=1)
    with store.session(write=True) as session:
        assert reclaim_stale_jobs(session, now=later) == [job_id]
    job = job_row(store, job_id)
    assert job.state == "failed"
    assert job.error == (
        "The server running this job stopped (no heartbeat for 45 s); a newer "
        "request is queued."
    )
    assert job_row(store, newer).state == "queued"


def test_a_short_staleness_reclaims_a_job_that_missed_only_a_few_seconds(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": "a"}])
    job_id = running_job(store, project)
    short = dt.timedelta(seconds=2)
    with store.session(write=True) as session:
        assert reclaim_stale_jobs(session, stale_after=short) == []
        assert reclaim_stale_jobs(
            session, stale_after=short, now=utcnow() + dt.timedelta(seconds=3)
        ) == [job_id]


def test_finished_jobs_and_a_reclaimed_jobs_heartbeat_are_left_alone(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": "a"}])
    job_id = running_job(store, project)
    with store.session(write=True) as session:
        finish_job(session, job_id=job_id, result={"ok": 1})
        assert not beat_job(session, job_id=job_id)
    later = utcnow() + dt.timedelta(hours=1)
    with store.session(write=True) as session:
        assert reclaim_stale_jobs(session, now=later) == []
    assert job_row(store, job_id).state == "done"


def test_the_heartbeat_renews_at_most_every_interval(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": "a"}])
    job_id = running_job(store, project)
    old = utcnow() - dt.timedelta(minutes=10)
    with store.session(write=True) as session:
        session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=old))
    JobHeartbeat(store, job_id, seconds=3600)()
    with store.session() as session:
        assert has_stale_jobs(session)
    JobHeartbeat(store, job_id, seconds=0)()
    with store.session() as session:
        assert not has_stale_jobs(session)


def test_another_servers_trainer_runs_a_dead_servers_job_to_the_end(
    store: Store, db_url: str, project_factory: Any
) -> None:
    words = ["apple", "river", "stone", "cloud", "ember", "maple", "quartz", "tide"]
    project = project_factory(
        items=[{"text": f"{words[i % 8]} {words[i * 3 % 8]} {i}"} for i in range(40)],
        config={"text_column": "text"},
    )
    # A server claimed the first round, then was killed: no heartbeat since.
    job_id = running_job(store, project)
    with store.session(write=True) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(heartbeat_at=utcnow() - dt.timedelta(seconds=5))
        )
    trainer = BackgroundTrainer(
        store,
        db_url,
        queue_size=20,
        heartbeat_seconds=0.0,
        stale_after=dt.timedelta(seconds=2),
    )
    try:
        trainer._check_projects()
        assert job_row(store, job_id).state == "queued"
        assert trainer._run_one_job()
    finally:
        trainer.stop()
    job = job_row(store, job_id)
    assert job.state == "done", job.error
    # The round renewed its heartbeat while it ran (a worker process takes
    # seconds to start, and beats are renewed every second it is waited for).
    assert job.started_at is not None and job.heartbeat_at is not None
    assert job.heartbeat_at > job.started_at
    with store.session() as session:
        states = session.scalars(select(Job.state).order_by(Job.id)).all()
    assert states == ["done"]


def test_migration_0007_adds_the_heartbeat_and_takes_it_away_again(
    store: Store, project_factory: Any
) -> None:
    from alembic import command

    project = project_factory(items=[{"text": "a"}])
    job_id = running_job(store, project)

    def columns() -> set[str]:
        return {c["name"] for c in inspect(store.engine).get_columns("jobs")}

    assert "heartbeat_at" in columns()
    config = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    try:
        assert "heartbeat_at" not in columns()
        assert current_revision(store.engine) == "0006"
    finally:
        upgrade(store.engine)
    assert "heartbeat_at" in columns()
    # The job survived both ways; a job running across the upgrade has no
    # heartbeat yet and is judged by when it started.
    job = job_row(store, job_id)
    assert job.state == "running" and job.heartbeat_at is None
    with store.session(write=True) as session:
        assert reclaim_stale_jobs(
            session, now=utcnow() + STALE_AFTER + dt.timedelta(seconds=1)
        ) == [job_id]


def test_a_projects_second_round_waits_until_its_running_round_finishes(
    store: Store, project_factory: Any
) -> None:
    sms = project_factory(name="sms", items=[{"text": "a"}])
    other = project_factory(name="other", items=[{"text": "b"}])
    first = running_job(store, sms)
    # Another server, started at the same moment, queued its own first round.
    with store.session(write=True) as session:
        second = request_job(session, project_id=sms.id).id
        elsewhere = request_job(session, project_id=other.id).id
    with store.session(write=True) as session:
        claimed = claim_job(session)
        assert claimed is not None and claimed.id == elsewhere
        assert claim_job(session) is None
    with store.session(write=True) as session:
        finish_job(session, job_id=first, result={})
    with store.session(write=True) as session:
        claimed = claim_job(session)
        assert claimed is not None and claimed.id == second
