"""Projects: list, read, update keys and settings; who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request

from activelabel.server.deps import (
    ProjectCache,
    ProjectDep,
    SessionDep,
    SettingsDep,
    StoreDep,
    project_transaction,
)
from activelabel.server.presenters import project_public
from activelabel.server.roles import CanManage, CanRead
from activelabel.server.schemas import (
    ProjectPublic,
    ProjectsPublic,
    ProjectUpdate,
    UserPublic,
)
from activelabel.store.project_settings import RESETTABLE, change_settings
from activelabel.store.projects import list_projects

router = APIRouter(prefix="/api/v1", tags=["projects"])


@router.get("/me")
def read_me(user: CanRead) -> UserPublic:
    """The user making the request, with their role."""
    return UserPublic(name=user.name, role=user.role, is_admin=user.role == "admin")


@router.get("/projects")
def read_projects(
    session: SessionDep, settings: SettingsDep, _: CanRead
) -> ProjectsPublic:
    """Every project this server serves, with its size and progress."""
    data = [
        project_public(session, p)
        for p in list_projects(session)
        if settings.serves(p.name)
    ]
    return ProjectsPublic(data=data, count=len(data))


@router.get("/projects/{name}")
def read_project(_: CanRead, project: ProjectDep, session: SessionDep) -> ProjectPublic:
    """One project: task, labels, keys, settings, progress."""
    return project_public(session, project)


@router.patch("/projects/{name}")
def update_project(
    name: str, body: ProjectUpdate, request: Request, store: StoreDep, _: CanManage
) -> ProjectPublic:
    """Reassign label keys or change retrain_every, overlap, overlap_share,
    gold_rate, auto-labeling (auto_accept, auto_accept_max, auto_accept_audit)
    or how the model learns (model, automl_budget, featurizer, augment).

    An explicit null sets auto_accept (off), model, featurizer or augment back
    to its default. A value is refused with the sentence `activelabel
    settings` says, and then nothing changes."""
    given = body.model_fields_set
    with project_transaction(store, name) as (session, project):
        change_settings(
            session,
            project,
            keys=body.keys,
            retrain_every=body.retrain_every,
            overlap=body.overlap,
            overlap_share=body.overlap_share,
            gold_rate=body.gold_rate,
            auto_accept=body.auto_accept,
            auto_accept_max=body.auto_accept_max,
            auto_accept_audit=body.auto_accept_audit,
            model=body.model,
            automl_budget=body.automl_budget,
            featurizer=body.featurizer,
            augment=body.augment,
            # A null sent on purpose: back to the default (auto_accept: off).
            to_default=[
                setting
                for setting in RESETTABLE
                if setting in given and getattr(body, setting) is None
            ],
        )
        public = project_public(session, project)
    # After the commit: a label request in between would read the old
    # settings again and remember them.
    cache: ProjectCache = request.app.state.projects
    cache.forget(name)
    request.app.state.stats.forget(name)
    return public
