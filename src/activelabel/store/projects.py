"""Queries on projects: create, find, list, count."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, ProjectExistsError, ProjectNotFoundError
from activelabel.project_config import ProjectConfig
from activelabel.store.models import Project
from activelabel.tasks import Modality, TaskKind, parse_labels

__all__ = [
    "create_project",
    "get_project",
    "list_projects",
    "read_project",
    "validate_project_name",
]

_MAX_NAME = 200


def validate_project_name(name: str) -> str:
    """Return ``name`` stripped, or raise :class:`ConfigError` if it cannot be a name."""
    cleaned = name.strip()
    if not cleaned:
        raise ConfigError("A project name cannot be empty.")
    if len(cleaned) > _MAX_NAME:
        raise ConfigError(f"A project name can be at most {_MAX_NAME} characters long.")
    if any(ch in cleaned for ch in "/\\\n\r\t"):
        raise ConfigError(
            f"The project name {cleaned!r} contains a slash or a control character."
        )
    return cleaned


def create_project(
    session: Session,
    *,
    name: str,
    task: TaskKind | str,
    labels: str | Sequence[str],
    modality: Modality | str = Modality.TEXT,
    settings: Mapping[str, Any] | None = None,
) -> Project:
    """Create a project; raise :class:`ProjectExistsError` if the name is taken.

    ``settings`` are :class:`~activelabel.project_config.ProjectConfig` fields
    (``{"retrain_every": 20}``); a bad one is a :class:`ConfigError`.
    """
    name = validate_project_name(name)
    task = TaskKind.parse(str(task))
    modality = Modality.parse(str(modality))
    label_list = parse_labels(labels)
    chosen = ProjectConfig().replace(**dict(settings or {}))
    chosen.check_featurizer(modality.value)
    if session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise ProjectExistsError(
            f"A project named {name!r} exists already; pick another name or use it."
        )
    project = Project(
        name=name,
        task=task.value,
        modality=modality.value,
        labels=label_list,
        config=chosen.to_json(),
    )
    session.add(project)
    session.flush()
    return project


#: Built once: every request that names a project runs it.
_PROJECT_BY_NAME = select(Project).where(Project.name == bindparam("name"))


def get_project(session: Session, name: str) -> Project:
    """Return the project called ``name``; the error suggests the closest names."""
    project = session.scalars(_PROJECT_BY_NAME, {"name": name}).one_or_none()
    if project is None:
        raise _not_found(session, name)
    return project


def _not_found(session: Session, name: str) -> ProjectNotFoundError:
    """The error for an unknown project name, suggesting the closest names."""
    names = list(session.scalars(select(Project.name)))
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    known = (
        f" Known projects: {', '.join(sorted(names))}."
        if names and len(names) <= 20
        else ""
    )
    if not names:
        known = " There are no projects yet; create one with `activelabel init`."
    return ProjectNotFoundError(f"No project named {name!r}.{hint}{known}")


#: The columns of a project (no relationships), for :func:`read_project`.
_PROJECT_ROW_BY_NAME = select(*Project.__table__.columns).where(
    Project.name == bindparam("name")
)


def read_project(session: Session, name: str) -> Project:
    """The project called ``name`` as a detached copy, for the hottest routes.

    Read with one Core statement and not loaded into the session: loading an
    ORM object (identity map, instance state) cost more CPU than the query,
    on every label. The copy is for reading; to change the project or
    navigate its relationships use :func:`get_project`. Raises the same error
    as :func:`get_project` for an unknown name.
    """
    row = session.connection().execute(_PROJECT_ROW_BY_NAME, {"name": name}).first()
    if row is None:
        raise _not_found(session, name)
    return Project(**row._asdict())


def list_projects(session: Session) -> list[Project]:
    """Every project, oldest first."""
    return list(session.scalars(select(Project).order_by(Project.id)))
