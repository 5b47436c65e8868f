"""Projects: list, read, update keys and settings; who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm.attributes import flag_modified

from activelabel.keymap import choose_keys
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
    """Reassign label keys or change retrain_every / overlap."""
    with project_transaction(store, name) as (session, project):
        project.config = _updated_config(
            project.labels, project.modality, project.config or {}, body
        )
        flag_modified(project, "config")
        session.flush()
        public = project_public(session, project)
    # After the commit: a label request in between would read the old
    # settings again and remember them.
    cache: ProjectCache = request.app.state.projects
    cache.forget(name)
    request.app.state.stats.forget(name)
    return public


def _updated_config(
    labels: list[str], modality: str, config: dict[str, Any], body: ProjectUpdate
) -> dict[str, Any]:
    """The project's config with the update applied, or a ConfigError saying why not."""
    config = dict(config)
    if body.keys is not None:
        config["keys"] = choose_keys(
            labels, modality, config.get("keys") or {}, body.keys
        )
    if body.retrain_every is not None:
        config["retrain_every"] = body.retrain_every
    if body.overlap is not None:
        config["overlap"] = body.overlap
    return config
