"""The round's record of the stopping signal: its stop set, and kappa against the
previous model.

The signal itself (kappa, the stable rounds, the verdict and its sentence) is
:class:`activelabel.al.stopping.StoppingSignal`; this module only finds what it
compares: the project's fixed stop set, and the previous model version, loaded
from the store with its recorded history.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from activelabel.al.stopping import StoppingSignal, agreement_kappa, select_stop_set
from activelabel.exceptions import InvalidLabelError
from activelabel.loop.model_files import LoadedModel, load_model_version
from activelabel.store.model_versions import latest_model_version
from activelabel.store.models import Project

__all__ = ["STOP_SET_SIZE", "stop_set", "stopping_record"]

#: Items the stopping signal compares successive models on.
STOP_SET_SIZE = 1000


def stop_set(
    project: Project, item_ids: np.ndarray[Any, Any], y: np.ndarray[Any, Any]
) -> list[int]:
    """The item ids the project's models are compared on: the ones kept in its
    settings, else a fixed draw of up to :data:`STOP_SET_SIZE` unlabeled items."""
    chosen = project.settings.stop_set
    if chosen:
        return list(chosen)
    positions = select_stop_set(y, size=STOP_SET_SIZE, random_state=0)
    return [int(item_ids[p]) for p in positions]


def _in_todays_names(loaded: LoadedModel, predicted: Any) -> Any:
    """An older model's predictions under today's label names: a rename
    (:mod:`activelabel.store.label_schema`) renames the classes in the
    version's figures, not inside its stored estimator."""
    own = [str(c) for c in getattr(loaded.estimator, "classes_", [])]
    names = dict(zip(own, map(str, loaded.classes), strict=False))
    if not names or all(k == v for k, v in names.items()):
        return predicted
    return np.array([names.get(str(p), p) for p in predicted], dtype=object)


def stopping_record(
    session: Session,
    project_id: int,
    *,
    estimator: Any,
    X: Any,
    positions: list[int],
    n_labels: int,
    cv_score: float | None,
) -> dict[str, Any]:
    """The stopping signal after this round, as its model version stores it.

    Kappa compares the previous model's and ``estimator``'s predictions on the
    stop set (rows ``positions`` of ``X``); the history continues the one the
    previous model version recorded.
    """
    previous = latest_model_version(session, project_id=project_id)
    kappa = None
    history: list[dict[str, Any]] = []
    if previous is not None:
        history = (previous.metrics or {}).get("stopping", {}).get("history", [])
        if positions:
            try:
                loaded = load_model_version(session, model_version_id=previous.id)
                kappa = agreement_kappa(
                    _in_todays_names(loaded, loaded.estimator.predict(X[positions])),
                    estimator.predict(X[positions]),
                )
            except (ValueError, InvalidLabelError):
                kappa = None  # e.g. the featurizer changed: no comparison this round
    signal = StoppingSignal.from_history(history)
    signal.record(kappa=kappa, n_labels=n_labels, cv_score=cv_score)
    return signal.report()
