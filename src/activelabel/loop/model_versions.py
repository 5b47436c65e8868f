"""Model versions in the database: save a trained model, load it back.

A row of :class:`~activelabel.store.models.ModelVersion` holds the name (UTC
timestamp + CV score), the number of labels, the featurizer id, the CV score,
the metrics as JSON, and the model itself as a skops artifact (never pickle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, NotFoundError
from activelabel.loop.write import NewModelVersion
from activelabel.ml.training import TrainedModel, load_model_bytes, save_model_bytes
from activelabel.store.models import ModelVersion

__all__ = [
    "LoadedModel",
    "latest_model_version",
    "list_model_versions",
    "load_model_version",
    "new_model_version",
    "save_model_version",
]


@dataclass(frozen=True)
class LoadedModel:
    """A model loaded from the database, with the row it came from."""

    estimator: Any
    version: ModelVersion

    @property
    def classes(self) -> list[Any]:
        """The class labels the model predicts, in its column order."""
        return list(self.version.metrics.get("classes", []))


def new_model_version(trained: TrainedModel, *, featurizer_id: str) -> NewModelVersion:
    """The ``model_versions`` row for ``trained``, with its artifact serialized.

    Built outside any transaction: serializing takes a moment, and a write
    transaction should hold the database's write lock no longer than the writes.
    """
    metrics = dict(trained.metrics)
    metrics.update(
        classes=[
            str(c) if not isinstance(c, int | float) else c for c in trained.classes
        ],
        cv_folds=trained.cv_folds,
        cv_note=trained.cv_note,
        multilabel=trained.multilabel,
        estimator=type(trained.estimator).__name__,
        trained_at=trained.trained_at.isoformat(),
    )
    return NewModelVersion(
        name=trained.name,
        n_labels=trained.n_labels,
        featurizer=featurizer_id,
        cv_score=trained.cv_score,
        metrics=metrics,
        artifact=save_model_bytes(trained.estimator),
    )


def save_model_version(
    session: Session,
    *,
    project_id: int,
    trained: TrainedModel,
    featurizer_id: str,
) -> ModelVersion:
    """Store ``trained`` as a new model version of the project and return the row."""
    version = new_model_version(trained, featurizer_id=featurizer_id).as_row(project_id)
    session.add(version)
    session.flush()
    return version


def load_model_version(session: Session, *, model_version_id: int) -> LoadedModel:
    """Load the model stored in version ``model_version_id``.

    Raises :class:`NotFoundError` if there is no such version, and
    :class:`ConfigError` if its artifact is missing or holds untrusted types.
    """
    version = session.get(ModelVersion, model_version_id)
    if version is None:
        raise NotFoundError(f"There is no model version with id {model_version_id}.")
    if version.artifact is None:
        raise ConfigError(
            f"Model version {version.name!r} has no stored model; train again."
        )
    return LoadedModel(load_model_bytes(version.artifact), version)


def list_model_versions(session: Session, *, project_id: int) -> list[ModelVersion]:
    """The project's model versions, oldest first (for the learning curve)."""
    return list(
        session.scalars(
            select(ModelVersion)
            .where(ModelVersion.project_id == project_id)
            .order_by(ModelVersion.created_at, ModelVersion.id)
        )
    )


def latest_model_version(session: Session, *, project_id: int) -> ModelVersion | None:
    """The newest model version of the project, or None before the first training."""
    return session.scalars(
        select(ModelVersion)
        .where(ModelVersion.project_id == project_id)
        .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        .limit(1)
    ).first()
