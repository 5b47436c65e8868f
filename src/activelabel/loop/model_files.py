"""A model version's model: building the row for a trained model, storing, loading.

A row of :class:`~activelabel.store.models.ModelVersion` holds the name (UTC
timestamp + CV score), the number of labels, the featurizer id, the CV score,
the metrics as JSON, and the model itself as a skops artifact (never pickle).
The queries about model versions are :mod:`activelabel.store.model_versions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, NotFoundError
from activelabel.loop.write import NewModelVersion
from activelabel.store.model_versions import ModelPoint
from activelabel.store.models import ModelVersion

if TYPE_CHECKING:
    from activelabel.ml.training import TrainedModel

__all__ = [
    "LoadedModel",
    "load_model_version",
    "new_model_version",
    "newest_stopping",
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
    # Imported here: the server asks the queries below and never trains.
    from activelabel.ml.training import save_model_bytes

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
    from activelabel.ml.training import load_model_bytes

    return LoadedModel(load_model_bytes(version.artifact), version)


#: The stopping signal the progress panel shows before the first model.
_NO_MODEL_STOPPING: dict[str, Any] = {
    "kappa": [],
    "stable_rounds": 0,
    "should_stop": False,
    "message": "No model yet: the stopping signal starts after two models.",
}


def newest_stopping(history: list[ModelPoint]) -> dict[str, Any]:
    """The stopping signal the newest model of ``history`` recorded (see
    :func:`activelabel.loop.stopping.stopping_record`), or the panel's
    "no model yet" one."""
    if history:
        recorded = (history[-1].metrics or {}).get("stopping")
        if isinstance(recorded, dict):
            return recorded
    return dict(_NO_MODEL_STOPPING)
