"""Fit an estimator quietly: convergence warnings recorded, weights where taken."""

from __future__ import annotations

import warnings
from typing import Any

import numpy.typing as npt
from sklearn.exceptions import ConvergenceWarning
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.validation import has_fit_parameter

__all__ = ["fit_quietly"]


def fit_quietly(
    estimator: Any, X: Any, y: Any, sample_weight: npt.NDArray[Any] | None = None
) -> Any:
    """Fit ``estimator``; a convergence warning is recorded, not raised.

    With a handful of labels lbfgs may stop before full convergence; the model
    is still usable, and the warning is noise for a person labeling.
    ``sample_weight`` weighs rows; one-vs-rest ignores it (scikit-learn routes
    weights to its estimators only with metadata routing, whose fitted state
    skops cannot save).
    """
    # Weights go to estimators that take them (k nearest neighbours and a
    # pipeline of an AutoML search do not).
    weighted = (
        sample_weight is not None
        and not isinstance(estimator, OneVsRestClassifier)
        and has_fit_parameter(estimator, "sample_weight")
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if weighted:
            estimator.fit(X, y, sample_weight=sample_weight)
        else:
            estimator.fit(X, y)
    estimator.converged_ = not any(
        issubclass(w.category, ConvergenceWarning) for w in caught
    )
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(
                w.message, w.category, w.filename, w.lineno, source=w.source
            )
    return estimator
