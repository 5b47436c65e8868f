"""Figures for the progress panel, model versions, and "retrain now"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.server.deps import (
    ProjectDep,
    RecentValues,
    SessionDep,
    StoreDep,
    project_transaction,
)
from activelabel.server.presenters import model_figures
from activelabel.server.roles import CanManage, CanRead
from activelabel.server.schemas import (
    ModelVersionPublic,
    ModelVersionsPublic,
    StatsPublic,
    TrainPublic,
)
from activelabel.store.engine import Store
from activelabel.store.jobs import request_job, training_status
from activelabel.store.models import ModelVersion, Project
from activelabel.store.projects import get_project
from activelabel.store.stats import project_stats

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["stats"])

#: Seconds the progress panel's figures of a project are shared between
#: requests; the page asks every 3 s.
STATS_SECONDS = 2.0


@router.get("/stats")
def read_stats(name: str, request: Request, store: StoreDep, _: CanRead) -> StatsPublic:
    """Everything the progress panel shows, in one call.

    Every open page asks every 3 s, and the counts cost the database time
    that grows with the project (~100 ms for 200,000 items and 39,000
    labels on SQLite): the figures of a project are computed at most once
    per :data:`STATS_SECONDS` and shared by the requests meanwhile. Asking
    for a retrain or changing the project's settings makes them fresh at once.
    """
    figures: RecentValues[StatsPublic] = request.app.state.stats
    return figures.get(name, lambda: _stats(store, name))


def _stats(store: Store, name: str) -> StatsPublic:
    with store.session() as session:
        return _stats_in(session, get_project(session, name))


def _stats_in(session: Session, project: Project) -> StatsPublic:
    stats = project_stats(session, project)
    versions = session.execute(
        select(
            ModelVersion.name,
            ModelVersion.cv_score,
            ModelVersion.n_labels,
            ModelVersion.created_at,
            ModelVersion.metrics,
        )
        .where(ModelVersion.project_id == project.id)
        .order_by(ModelVersion.id)
    ).all()
    curve = [
        {"name": name, "cv_score": score, "n_labels": n, "created_at": created}
        for name, score, n, created, _metrics in versions
    ]
    model = model_figures(*versions[-1]) if versions else None
    stopping: dict[str, object] = {
        "kappa": [],
        "stable_rounds": 0,
        "should_stop": False,
        "message": "No model yet: the stopping signal starts after two models.",
    }
    if versions:
        signal = (versions[-1][4] or {}).get("stopping")
        if isinstance(signal, dict):
            stopping = signal
    retrain_every = int((project.config or {}).get("retrain_every", 10))
    return StatsPublic(
        items=stats.items,
        labeled_items=stats.labeled_items,
        annotations=stats.annotations,
        label_counts=stats.label_counts,
        by_annotator=stats.by_annotator,
        by_source=stats.by_source,
        queue_size=stats.queue_size,
        model=model,
        learning_curve=curve,
        stopping=stopping,
        training=training_status(
            session,
            project_id=project.id,
            labeled=stats.annotations,
            last_n_labels=versions[-1][2] if versions else 0,
            retrain_every=retrain_every,
        ),
    )


@router.get("/model-versions")
def read_model_versions(
    _: CanRead, project: ProjectDep, session: SessionDep
) -> ModelVersionsPublic:
    """Every trained model of the project, oldest first."""
    rows = session.scalars(
        select(ModelVersion)
        .where(ModelVersion.project_id == project.id)
        .order_by(ModelVersion.id)
    ).all()
    data = [
        ModelVersionPublic(
            id=v.id,
            name=v.name,
            n_labels=v.n_labels,
            featurizer=v.featurizer,
            cv_score=v.cv_score,
            metrics=v.metrics,
            created_at=v.created_at,
        )
        for v in rows
    ]
    return ModelVersionsPublic(data=data, count=len(data))


@router.post("/train", status_code=202)
def train_now(
    name: str, request: Request, store: StoreDep, _: CanManage
) -> TrainPublic:
    """Retrain and rescore in the background, now."""
    with project_transaction(store, name) as (session, project):
        job = request_job(session, project_id=project.id, kind="train")
    trainer = getattr(request.app.state, "trainer", None)
    if trainer is not None:
        trainer.notify(project.id)
    request.app.state.stats.forget(name)
    return TrainPublic(state=job.state)
