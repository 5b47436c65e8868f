"""How an AutoML trial is scored: cross-validated macro-F1, within a deadline.

:class:`TrialScorer` holds the labeled rows and scores an estimator as the
default model is scored (:func:`activelabel.ml.cross_validation.cross_validate_model`
and its multilabel twin: the same folds, the same few-label rules).
:class:`Deadline` wraps a trial's estimator so that a slow setting stops
between its folds (:class:`OutOfTime`) instead of running past the budget.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, clone
from sklearn.preprocessing import MultiLabelBinarizer

from activelabel.ml.cross_validation import (
    cross_validate_model,
    cross_validate_multilabel,
)
from activelabel.ml.fitting import fit_quietly

__all__ = ["Deadline", "OutOfTime", "TrialScorer"]


class TrialScorer:
    """Cross-validated macro-F1 of an estimator on fixed rows and folds."""

    def __init__(
        self,
        X: Any,
        y: Any,
        *,
        multilabel: bool,
        cv: int,
        random_state: int,
        sample_weight: npt.NDArray[Any] | None,
        n_scored: int | None,
        extra_sources: npt.NDArray[np.intp] | None,
    ) -> None:
        self.X, self.multilabel, self.cv = X, multilabel, cv
        self.random_state, self.sample_weight = random_state, sample_weight
        self.n_scored, self.extra_sources = n_scored, extra_sources
        #: The newest call's cross-validation: (accuracy, folds, note, metrics,
        #: out-of-fold probabilities).
        self.last: tuple[Any, ...] | None = None
        if multilabel:
            binarizer = MultiLabelBinarizer()
            self.y = binarizer.fit_transform([list(v) for v in y])
            self.names = [str(c) for c in binarizer.classes_]
        else:
            self.y = np.asarray(y)
            self.names = []

    def __call__(self, estimator: BaseEstimator) -> tuple[float | None, str]:
        """The estimator's cross-validated macro-F1 (None: no CV possible) and
        the note on its folds. The whole cross-validation (what
        :func:`activelabel.ml.training.train_model` would compute, out-of-fold
        probabilities included) is kept in :attr:`last`, so the winner's fit
        on every label need not redo it."""
        oof: dict[str, Any] = {}
        if self.multilabel:
            accuracy, folds, note, metrics = cross_validate_multilabel(
                estimator,
                self.X,
                self.y,
                self.cv,
                self.random_state,
                self.names,
                oof,
                self.n_scored,
                self.extra_sources,
            )
        else:
            accuracy, folds, note, metrics = cross_validate_model(
                estimator,
                self.X,
                self.y,
                cv=self.cv,
                random_state=self.random_state,
                oof=oof,
                sample_weight=self.sample_weight,
                n_scored=self.n_scored,
                extra_sources=self.extra_sources,
            )
        self.last = (accuracy, folds, note, metrics, oof.get("proba"))
        score = metrics.get("macro_f1")
        return (None if score is None else float(score)), note


class OutOfTime(Exception):
    """A trial's next fold would start after the search's deadline."""


class Deadline(BaseEstimator):  # type: ignore[misc]
    """``estimator``, refusing to start a fit after ``deadline`` (monotonic
    seconds): a trial of a slow setting stops between its folds instead of
    running past the budget."""

    def __init__(self, estimator: Any, deadline: float) -> None:
        self.estimator = estimator
        self.deadline = deadline

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Deadline:
        """Fit a clone of the estimator, or raise :class:`OutOfTime` past the deadline."""
        if time.monotonic() > self.deadline:
            raise OutOfTime
        self.estimator_ = fit_quietly(clone(self.estimator), X, y, sample_weight)
        self.classes_ = getattr(self.estimator_, "classes_", None)
        return self

    def predict_proba(self, X: Any) -> Any:
        """The fitted estimator's probabilities."""
        return self.estimator_.predict_proba(X)
