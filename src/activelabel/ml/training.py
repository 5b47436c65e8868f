"""Fit the classifier, score it by cross-validation, and save it with skops.

The default model is a multinomial logistic regression with balanced class
weights (classes are rarely balanced while labeling). ``"gradient_boosting"``
uses scikit-learn's histogram gradient boosting, a strong choice for tabular
data; multilabel tasks wrap the chosen model in one-vs-rest. How few labels are
cross-validated is :mod:`activelabel.ml.cross_validation`'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from activelabel.choices import MODEL_KINDS as CHOICES_MODEL_KINDS
from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.ml.calibration import calibrate_model
from activelabel.ml.cross_validation import (
    cross_validate_model,
    cross_validate_multilabel,
    labels_1d,
)
from activelabel.ml.fitting import fit_quietly
from activelabel.ml.skops_files import SAVED_TYPES, import_skops_io

sio = import_skops_io()

__all__ = [
    "MODEL_KINDS",
    "TrainedModel",
    "cross_validate_model",
    "fit_quietly",
    "load_model_bytes",
    "make_estimator",
    "model_version_name",
    "save_model_bytes",
    "train_model",
]

#: Names accepted by :func:`make_estimator`.
MODEL_KINDS = CHOICES_MODEL_KINDS

#: skops is told to trust these (beyond its defaults) and nothing else; see
#: :mod:`activelabel.ml.skops_files`.
_TRUSTED: Final = sorted(SAVED_TYPES)


def make_estimator(
    kind: str = "logistic",
    *,
    multilabel: bool = False,
    C: float = 1.0,
    random_state: int | None = 0,
) -> BaseEstimator:
    """Build an unfitted classifier of ``kind`` (see :data:`MODEL_KINDS`)."""
    if kind == "logistic":
        est: BaseEstimator = LogisticRegression(
            C=C, class_weight="balanced", max_iter=1000, random_state=random_state
        )
    elif kind == "gradient_boosting":
        est = HistGradientBoostingClassifier(
            class_weight="balanced", random_state=random_state
        )
    else:
        choices = ", ".join(repr(k) for k in MODEL_KINDS)
        raise ConfigError(
            f"The model kind must be one of {choices}. Got {kind!r} instead."
        )
    return OneVsRestClassifier(est) if multilabel else est


@dataclass
class TrainedModel:
    """A fitted model and what is known about its quality."""

    estimator: Any
    classes: list[Any]
    n_labels: int
    cv_score: float | None
    cv_folds: int
    cv_note: str
    metrics: dict[str, Any] = field(default_factory=dict)
    multilabel: bool = False
    #: Out-of-fold probabilities of every training row (columns: ``classes``);
    #: NaN rows were never held out (a class with one label). None without CV.
    oof_proba: npt.NDArray[np.float64] | None = None
    trained_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def name(self) -> str:
        """UTC timestamp plus CV score, e.g. ``20250101T120000Z-cv0.912``."""
        return model_version_name(self.trained_at, self.cv_score)


def model_version_name(when: dt.datetime, cv_score: float | None) -> str:
    """The model version name: UTC timestamp + CV score (``cvNA`` if none)."""
    stamp = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    score = "NA" if cv_score is None else f"{cv_score:.3f}"
    return f"{stamp}-cv{score}"


def _reused(
    cross_validated: tuple[Any, ...], oof: dict[str, Any]
) -> tuple[float | None, int, str, dict[str, Any]]:
    """A cross-validation made before (an AutoML trial's), as train_model uses it."""
    score, folds, note, metrics, proba = cross_validated
    oof["proba"] = proba
    return score, folds, note, dict(metrics)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def train_model(
    X: Any,
    y: Any,
    *,
    kind: str = "logistic",
    multilabel: bool = False,
    cv: int = 5,
    random_state: int | None = 0,
    sample_weight: Any = None,
    n_scored: int | None = None,
    extra_sources: Any = None,
    estimator: BaseEstimator | None = None,
    cross_validated: tuple[Any, ...] | None = None,
) -> TrainedModel:
    """Cross-validate, then fit on all labeled rows, and describe the result.

    ``y`` holds labels (single-label) or lists of labels (``multilabel=True``).
    ``sample_weight`` weighs the rows; rows past the first ``n_scored`` (labels
    from rules, augmented copies) are learned but never held out or scored,
    and a fold leaves out the copies of its test rows (``extra_sources``: see
    :func:`cross_validate_model`). ``estimator``, an unfitted one (e.g. an
    AutoML search's winner, :mod:`activelabel.ml.automl`), replaces ``kind``'s;
    ``cross_validated`` is its cross-validation already made on these rows and
    folds (score, folds, note, metrics, out-of-fold probabilities), not redone.
    Raises :class:`InvalidLabelError` when the labels cannot train a classifier
    (fewer than two classes, or rows and labels of different lengths).
    """
    if not _is_int(cv) or cv < 2:
        raise ConfigError(f"The 'cv' parameter must be an int >= 2. Got {cv!r}.")
    if X.shape[0] != len(y):
        raise InvalidLabelError(
            f"X has {X.shape[0]} rows but y has {len(y)} labels; they must match."
        )
    if estimator is None:
        estimator = make_estimator(
            kind, multilabel=multilabel, random_state=random_state
        )
    oof: dict[str, Any] = {}
    if multilabel:
        binarizer = MultiLabelBinarizer()
        Y = binarizer.fit_transform([list(v) for v in y])
        if Y.shape[1] < 1:
            raise InvalidLabelError("Training needs at least one label in use.")
        if cross_validated is not None:
            score, folds, note, metrics = _reused(cross_validated, oof)
        else:
            score, folds, note, metrics = cross_validate_multilabel(
                estimator,
                X,
                Y,
                cv,
                random_state,
                [str(c) for c in binarizer.classes_],
                oof,
                n_scored,
                None if extra_sources is None else np.asarray(extra_sources),
            )
        fitted = fit_quietly(estimator, X, Y)
        classes = [c.item() if hasattr(c, "item") else c for c in binarizer.classes_]
        truth: Any = Y
    else:
        arr = labels_1d(y)
        present = np.unique(arr)
        if present.size < 2:
            raise InvalidLabelError(
                "Training needs labels of at least two classes; got only "
                f"{[p.item() if hasattr(p, 'item') else p for p in present]}. "
                "Label at least one item of another class."
            )
        weights = None if sample_weight is None else np.asarray(sample_weight)
        if cross_validated is not None:
            score, folds, note, metrics = _reused(cross_validated, oof)
        else:
            score, folds, note, metrics = cross_validate_model(
                estimator,
                X,
                arr,
                cv=cv,
                random_state=random_state,
                oof=oof,
                sample_weight=weights,
                n_scored=n_scored,
                extra_sources=None
                if extra_sources is None
                else np.asarray(extra_sources),
            )
        fitted = fit_quietly(estimator, X, arr, weights)
        classes = [c.item() if hasattr(c, "item") else c for c in fitted.classes_]
        truth = np.searchsorted(present, arr)
    # The temperature travels on the estimator; see activelabel.ml.calibration.
    metrics["calibration"] = calibrate_model(
        fitted,
        oof.get("proba"),
        truth,
        multilabel=multilabel,
        n_rows=n_scored,
        random_state=random_state or 0,
    )
    metrics["cv_note"] = note
    metrics["converged"] = bool(getattr(fitted, "converged_", True))
    return TrainedModel(
        estimator=fitted,
        classes=classes,
        n_labels=int(X.shape[0]),
        cv_score=score,
        cv_folds=folds,
        cv_note=note,
        metrics=metrics,
        multilabel=multilabel,
        oof_proba=oof.get("proba"),
    )


def save_model_bytes(estimator: Any) -> bytes:
    """Serialise a fitted model with skops (never pickle).

    Raises :class:`ConfigError` if the file would hold a type outside
    :data:`~activelabel.ml.skops_files.SAVED_TYPES` (and skops' defaults):
    :func:`load_model_bytes` would refuse it.
    """
    data: bytes = sio.dumps(estimator)
    unexpected = sorted(set(sio.get_untrusted_types(data=data)) - SAVED_TYPES)
    if unexpected:
        raise ConfigError(
            f"A {type(estimator).__name__} holds types that activelabel does not "
            f"trust when loading a model file ({', '.join(unexpected)}); it was "
            "not saved."
        )
    return data


def load_model_bytes(data: bytes) -> Any:
    """Load a skops model file, trusting exactly the types activelabel saves.

    Raises :class:`ConfigError` naming any other type the file holds, before
    anything in it is built: a model file from elsewhere must not be able to
    run code.
    """
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise ConfigError(f"The model file is not a valid skops file: {exc}") from exc
    bad = sorted(set(untrusted) - SAVED_TYPES)
    if bad:
        raise ConfigError(
            "The model file contains types that are not trusted and was not "
            f"loaded: {', '.join(bad)} (activelabel's models and featurizers "
            "never hold them)."
        )
    return sio.loads(data, trusted=_TRUSTED)
