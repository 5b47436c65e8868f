"""Figures for the progress panel, model versions, and "retrain now"."""

from __future__ import annotations

from fastapi import APIRouter, Request

from activelabel.loop.model_files import newest_stopping
from activelabel.loop.trainer import notify_trainer
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
    AutoLabelsPublic,
    ModelVersionPublic,
    ModelVersionsPublic,
    StatsPublic,
    TrainPublic,
)
from activelabel.store.engine import Store
from activelabel.store.jobs import request_job, training_status
from activelabel.store.model_versions import list_model_versions, model_history
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
    """The panel's figures: the project's counts, its models, the trainer's state."""
    with store.session() as session:
        project = get_project(session, name)
        stats = project_stats(session, project)
        history = model_history(session, project_id=project.id)
        training = training_status(
            session,
            project_id=project.id,
            # As the trainer counts: the model's own labels never bring a round.
            labeled=stats.annotations - stats.by_source.get("model", 0),
            last_n_labels=history[-1].n_labels if history else 0,
            retrain_every=project.settings.retrain_every,
        )
    return StatsPublic(
        items=stats.items,
        labeled_items=stats.labeled_items,
        annotations=stats.annotations,
        label_counts=stats.label_counts,
        by_annotator=stats.by_annotator,
        by_source=stats.by_source,
        queue_size=stats.queue_size,
        model=model_figures(*history[-1]) if history else None,
        learning_curve=[
            {
                "name": point.name,
                "cv_score": point.cv_score,
                "n_labels": point.n_labels,
                "created_at": point.created_at,
            }
            for point in history
        ],
        stopping=newest_stopping(history),
        training=training,
        review=stats.review,
        auto_labels=AutoLabelsPublic(**stats.auto_labels),
    )


@router.get("/model-versions")
def read_model_versions(
    _: CanRead, project: ProjectDep, session: SessionDep
) -> ModelVersionsPublic:
    """Every trained model of the project, oldest first."""
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
        for v in list_model_versions(session, project_id=project.id)
    ]
    return ModelVersionsPublic(data=data, count=len(data))


@router.post("/train", status_code=202)
def train_now(
    name: str, request: Request, store: StoreDep, _: CanManage
) -> TrainPublic:
    """Retrain and rescore in the background, now."""
    with project_transaction(store, name) as (session, project):
        job = request_job(session, project_id=project.id, kind="train")
    notify_trainer(request, project.id)
    request.app.state.stats.forget(name)
    return TrainPublic(state=job.state)
