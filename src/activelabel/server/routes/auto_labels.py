"""The model's own labels (``auto_accept``): their figures, and the one undo."""

from __future__ import annotations

from fastapi import APIRouter, Request

from activelabel.server.deps import (
    ProjectCache,
    ProjectDep,
    SessionDep,
    StoreDep,
    project_transaction,
)
from activelabel.server.roles import CanManage, CanRead
from activelabel.server.schemas import AutoLabelsPublic, AutoLabelsUndonePublic
from activelabel.store.auto_labels import auto_label_figures, undo_auto_labels

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["auto-labels"])


@router.get("/auto-labels")
def read_auto_labels(
    _: CanRead, project: ProjectDep, session: SessionDep
) -> AutoLabelsPublic:
    """How many items the model labeled itself and what their audit found."""
    return AutoLabelsPublic(**auto_label_figures(session, project).as_dict())


@router.post("/auto-labels/undo")
def undo_project_auto_labels(
    name: str, request: Request, store: StoreDep, _: CanManage
) -> AutoLabelsUndonePublic:
    """Withdraw every model label no reviewer has decided on and switch
    auto-labeling off, in one transaction; the items return to the pool."""
    with project_transaction(store, name) as (session, project):
        undone = undo_auto_labels(session, project)
        figures = auto_label_figures(session, project)
    # The settings changed (auto_accept is off) and so did the figures.
    cache: ProjectCache = request.app.state.projects
    cache.forget(name)
    request.app.state.stats.forget(name)
    return AutoLabelsUndonePublic(
        undone=undone, auto_labels=AutoLabelsPublic(**figures.as_dict())
    )
