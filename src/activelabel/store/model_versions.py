"""Every query about a project's model versions (the rows, never the models).

A row of :class:`~activelabel.store.models.ModelVersion` holds the name (UTC
timestamp + CV score), the number of labels, the featurizer id, the CV score,
the metrics as JSON, and the model itself as a skops artifact. The round, the
trainer, the stats, the progress panel and the ``Project`` facade ask here;
building and loading the model itself is :mod:`activelabel.loop.model_files`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from activelabel.store.models import ModelVersion

__all__ = [
    "NEWEST_MODEL_ID",
    "ModelPoint",
    "count_model_versions",
    "has_model_version",
    "latest_model_version",
    "list_model_versions",
    "model_history",
    "newest_model_point",
    "newest_n_labels",
]

#: The id of the project's (``:project``) newest model version, as a subquery.
NEWEST_MODEL_ID = (
    select(ModelVersion.id)
    .where(ModelVersion.project_id == bindparam("project"))
    .order_by(ModelVersion.id.desc())
    .limit(1)
    .scalar_subquery()
)


class ModelPoint(NamedTuple):
    """One model version as the progress panel reads it (no artifact)."""

    name: str
    cv_score: float | None
    n_labels: int
    created_at: dt.datetime
    metrics: dict[str, Any]


_POINT = select(
    ModelVersion.name,
    ModelVersion.cv_score,
    ModelVersion.n_labels,
    ModelVersion.created_at,
    ModelVersion.metrics,
)


def list_model_versions(session: Session, *, project_id: int) -> list[ModelVersion]:
    """The project's model versions, oldest first, artifacts and all."""
    return list(
        session.scalars(
            select(ModelVersion)
            .where(ModelVersion.project_id == project_id)
            .order_by(ModelVersion.id)
        )
    )


def model_history(session: Session, *, project_id: int) -> list[ModelPoint]:
    """Every model version of the project, oldest first, without its artifact:
    the learning curve, and the newest model's figures and stopping signal."""
    rows = session.execute(
        _POINT.where(ModelVersion.project_id == project_id).order_by(ModelVersion.id)
    ).all()
    return [ModelPoint(*row) for row in rows]


def has_model_version(session: Session, *, project_id: int) -> bool:
    """Whether a model was ever trained for the project."""
    found = session.scalar(
        select(ModelVersion.id).where(ModelVersion.project_id == project_id).limit(1)
    )
    return found is not None


def newest_n_labels(session: Session, *, project_id: int) -> int | None:
    """How many labels the newest model was trained on (None: no model yet)."""
    return session.scalar(
        select(ModelVersion.n_labels)
        .where(ModelVersion.project_id == project_id)
        .order_by(ModelVersion.id.desc())
        .limit(1)
    )


def latest_model_version(session: Session, *, project_id: int) -> ModelVersion | None:
    """The newest model version of the project, or None before the first training."""
    return session.scalars(
        select(ModelVersion)
        .where(ModelVersion.project_id == project_id)
        .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        .limit(1)
    ).first()


def newest_model_point(session: Session, *, project_id: int) -> ModelPoint | None:
    """The newest model version without its artifact, or None before the first."""
    row = session.execute(
        _POINT.where(ModelVersion.project_id == project_id)
        .order_by(ModelVersion.id.desc())
        .limit(1)
    ).first()
    return None if row is None else ModelPoint(*row)


def count_model_versions(session: Session, *, project_id: int) -> int:
    """How many model versions the project has."""
    return (
        session.scalar(
            select(func.count()).where(ModelVersion.project_id == project_id)
        )
        or 0
    )
