"""Which model a round trains: the project's ``model`` setting, and AutoML's cadence.

``model`` unset or ``logistic`` trains the balanced logistic regression,
``gradient_boosting`` scikit-learn's histogram gradient boosting, and ``auto``
lets an AutoML search (:mod:`activelabel.ml.automl`) choose.

When ``auto`` searches
----------------------
A search costs its time budget (``automl_budget``, 60 s by default) in the
worker process; a round without one costs a second. So a search runs only
when the labels have grown enough to change the answer:

* the first at :data:`FIRST_SEARCH_LABELS` labels (fewer hold too little for
  five folds to tell models apart);
* the next each time the labels have doubled since the last search
  (30, 60, 120, 240, ...), so a project of n labels has searched about
  log2(n / 30) times;
* ``activelabel train NAME --automl`` searches now, whatever the count.

Between searches the round refits the last winner's configuration on every
label (as cheap as the default model), or the default model when the last
search kept it. The search's record (winner, hyperparameters, every trial) is
in the metrics of the model version it trained (``metrics["automl"]``); the
versions that refit it carry the winner and scores without the trials.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import scipy.sparse as sp

from activelabel.exceptions import ConfigError
from activelabel.ml.automl import build_estimator, search_model
from activelabel.ml.automl_learners import LEARNERS
from activelabel.ml.model_families import family_is_multilabel, train_family
from activelabel.ml.training import TrainedModel
from activelabel.store.engine import Store
from activelabel.store.model_versions import newest_model_point
from activelabel.store.models import Project

__all__ = ["FIRST_SEARCH_LABELS", "search_due", "train_for_project"]

#: Labels before the first AutoML search of a ``model=auto`` project.
FIRST_SEARCH_LABELS: Final = 30


def search_due(n_labels: int, last: dict[str, Any] | None) -> bool:
    """Whether a ``model=auto`` round with ``n_labels`` labels searches, given
    the newest model's AutoML record ``last`` (see the module docstring)."""
    searched_at = None if last is None else last.get("searched_at")
    if not isinstance(searched_at, int):
        return n_labels >= FIRST_SEARCH_LABELS
    return n_labels >= max(FIRST_SEARCH_LABELS, 2 * searched_at)


def _last_record(store: Store, project_id: int) -> dict[str, Any] | None:
    with store.session() as session:
        point = newest_model_point(session, project_id=project_id)
    record = None if point is None else (point.metrics or {}).get("automl")
    return record if isinstance(record, dict) else None


def train_for_project(
    store: Store,
    project: Project,
    family: str,
    X: Any,
    y: Sequence[Any],
    *,
    time_budget: float | None = None,
    random_state: int = 0,
    **options: Any,
) -> TrainedModel:
    """Train the feature-row family ``family`` as the project's ``model`` says.

    ``time_budget`` (seconds) searches now with that budget, whatever the
    setting (``activelabel train --automl``); otherwise a ``model=auto``
    project searches on the cadence of the module docstring. ``options`` go to
    :func:`activelabel.ml.training.train_model`.
    """
    settings = project.settings
    if settings.model == "gradient_boosting" and sp.issparse(X):
        raise ConfigError(
            f"Project {project.name!r} asks for gradient_boosting, which learns from "
            "dense features (a table, sentence embeddings), and its features are "
            "sparse (TF-IDF): activelabel settings "
            f"{project.name} --model logistic (or auto)."
        )
    if settings.model != "auto" and time_budget is None:
        return train_family(
            family,
            X,
            y,
            kind=settings.model or "logistic",
            random_state=random_state,
            **options,
        )
    multilabel = family_is_multilabel(family)
    n_labels = int(options.get("n_scored") or len(y))
    last = _last_record(store, project.id)
    if time_budget is None and not search_due(n_labels, last):
        # Between searches: the last winner's configuration, refit (cheap).
        winner = None if last is None else last.get("winner")
        estimator = None
        if isinstance(winner, dict) and winner.get("learner") in LEARNERS:
            estimator = build_estimator(
                winner, multilabel=multilabel, random_state=random_state
            )
        trained = train_family(
            family, X, y, estimator=estimator, random_state=random_state, **options
        )
        trained.metrics["automl"] = _carried(last, n_labels)
        return trained
    found = search_model(
        X,
        y,
        time_budget=settings.automl_budget if time_budget is None else time_budget,
        multilabel=multilabel,
        random_state=random_state,
        sample_weight=options.get("sample_weight"),
        n_scored=options.get("n_scored"),
        extra_sources=options.get("extra_sources"),
    )
    winner = found.winner
    estimator = (
        None
        if winner is None
        else build_estimator(winner, multilabel=multilabel, random_state=random_state)
    )
    # The chosen model's cross-validation was a trial's: reused, not redone.
    trained = train_family(
        family,
        X,
        y,
        estimator=estimator,
        cross_validated=found.chosen_cv,
        random_state=random_state,
        **options,
    )
    record = found.record()
    record.update(
        searched=True,
        searched_at=n_labels,
        next_search_at=max(FIRST_SEARCH_LABELS, 2 * n_labels),
    )
    trained.metrics["automl"] = record
    return trained


def _carried(last: dict[str, Any] | None, n_labels: int) -> dict[str, Any]:
    """What a refit between searches records: the last search's outcome, no trials."""
    if last is None:
        return {
            "searched": False,
            "winner": None,
            # Shown as "AutoML: <note>" (loop/automl_record.py).
            "note": f"the first search comes at {FIRST_SEARCH_LABELS} labels; "
            f"logistic regression learned the {n_labels} so far",
            "next_search_at": FIRST_SEARCH_LABELS,
        }
    kept = (
        "winner",
        "winner_title",
        "best_macro_f1",
        "baseline_macro_f1",
        "searched_at",
    )
    carried = {key: last.get(key) for key in kept}
    searched_at = last.get("searched_at")
    carried.update(
        searched=False,
        next_search_at=(
            max(FIRST_SEARCH_LABELS, 2 * searched_at)
            if isinstance(searched_at, int)
            else FIRST_SEARCH_LABELS
        ),
    )
    return carried
