"""Fit the classifier, score it by cross-validation, and save it with skops.

The default model is a multinomial logistic regression with balanced class
weights (classes are rarely balanced while labeling). ``"gradient_boosting"``
uses scikit-learn's histogram gradient boosting, a strong choice for tabular
data; multilabel tasks wrap the chosen model in one-vs-rest.

Cross-validation with few labels
--------------------------------
Stratified k-fold needs every class in every fold. With ``cv=5`` and a class
holding 3 examples that is impossible, so :func:`cross_validate_model`:

* uses ``k = min(cv, smallest class count)`` folds, counted over the classes
  that have at least 2 examples;
* keeps the rows of classes with a single example in every training fold and
  never scores them (a class seen once cannot be held out and learned from);
* returns no score (``cv_score=None``, with the reason in ``cv_note``) when
  fewer than two classes have 2+ examples: a number computed on that would lie.

Out-of-fold predictions give accuracy, macro-F1 and per-class metrics. Their
probabilities are kept (:attr:`TrainedModel.oof_proba`): the mislabel finder
(:mod:`activelabel.quality.label_issues`) ranks the labels by them, so it costs
the round no second cross-validation.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils.validation import has_fit_parameter

from activelabel.choices import MODEL_KINDS as CHOICES_MODEL_KINDS
from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.ml.calibration import calibrate_model
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


def _labels_1d(y: Any) -> npt.NDArray[Any]:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ConfigError(
            f"y must be a 1-d array of labels for classification. Got shape {arr.shape}."
        )
    return arr


def _fold_plan(
    y: npt.NDArray[Any], cv: int, random_state: int | None
) -> tuple[list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]], str]:
    """Folds following the rules in the module docstring, and a note on them."""
    classes, counts = np.unique(y, return_counts=True)
    splittable = classes[counts >= 2]
    rare = classes[counts < 2]
    if splittable.size < 2:
        return [], (
            "No cross-validation: fewer than two classes have 2 or more labels. "
            "Label more items of each class."
        )
    k = int(min(cv, counts[counts >= 2].min()))
    rows = np.flatnonzero(np.isin(y, splittable))
    always_train = np.flatnonzero(np.isin(y, rare))
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
    folds = [
        (np.concatenate([rows[tr], always_train]).astype(np.intp), rows[te])
        for tr, te in skf.split(rows, y[rows])
    ]
    note = f"Stratified {k}-fold"
    if k < cv:
        note += f" (reduced from {cv}: the smallest class has {k} labels)"
    if rare.size:
        names = ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in rare)
        note += f"; classes with one label kept in training only: {names}"
    return folds, note + "."


def cross_validate_model(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    cv: int = 5,
    random_state: int | None = 0,
    oof: dict[str, Any] | None = None,
    sample_weight: npt.NDArray[Any] | None = None,
    n_scored: int | None = None,
    extra_sources: npt.NDArray[np.intp] | None = None,
) -> tuple[float | None, int, str, dict[str, Any]]:
    """Out-of-fold accuracy, folds used, a note, and metrics for single-label y.

    Only the first ``n_scored`` rows (default: all) are held out and scored;
    the rest (labels from rules, augmented copies) are in every training fold,
    except a copy of a held-out row: ``extra_sources`` names, for each row
    past ``n_scored``, the scored row it was made from (-1: none), and a fold
    leaves out the copies of its test rows (learning them would score the
    model on what it saw).

    See the module docstring for what happens with very few labels. An
    ``oof`` dict receives the out-of-fold probabilities (``proba``, one column
    per class of ``np.unique(y)``, NaN rows never held out).
    """
    y = _labels_1d(y)
    n_scored = y.shape[0] if n_scored is None else n_scored
    folds, note = _fold_plan(y[:n_scored], cv, random_state)
    if not folds:
        return None, 0, note, {}
    folds = [
        (
            np.concatenate(
                [train, _extra_rows(n_scored, y.shape[0], extra_sources, test)]
            ),
            test,
        )
        for train, test in folds
    ]
    scored = np.concatenate([te for _, te in folds])
    classes = np.unique(y)
    proba = np.full((y.shape[0], classes.size), np.nan)
    for train, test in folds:
        model = fit_quietly(
            clone(estimator),
            X[train],
            y[train],
            None if sample_weight is None else sample_weight[train],
        )
        # Columns by name: a fold's model knows the classes its rows hold.
        columns = np.searchsorted(classes, model.classes_)
        proba[test] = 0.0
        proba[np.ix_(test, columns)] = model.predict_proba(X[test])
    pred = np.empty(y.shape[0], dtype=y.dtype)
    pred[scored] = classes[np.argmax(proba[scored], axis=1)]
    if oof is not None:
        oof["proba"] = proba
    truth, guess = y[scored], pred[scored]
    labels = np.unique(truth)
    p, r, f, s = precision_recall_fscore_support(
        truth, guess, labels=labels, zero_division=0
    )
    per_class = {
        str(c): {
            "precision": float(pi),
            "recall": float(ri),
            "f1": float(fi),
            "support": int(si),
        }
        for c, pi, ri, fi, si in zip(labels, p, r, f, s, strict=True)
    }
    acc = float(accuracy_score(truth, guess))
    metrics = {
        "accuracy": acc,
        "macro_f1": float(
            f1_score(truth, guess, labels=labels, average="macro", zero_division=0)
        ),
        "per_class": per_class,
        "unlearned": _unlearned(np.unique(y), guess, per_class),
        "n_scored": int(scored.size),
    }
    return acc, len(folds), note, metrics


def _extra_rows(
    n_scored: int,
    n_rows: int,
    sources: npt.NDArray[np.intp] | None,
    test: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """The rows past ``n_scored`` a fold trains on: all but copies of its test rows."""
    extra = np.arange(n_scored, n_rows, dtype=np.intp)
    if sources is None:
        return extra
    return extra[~np.isin(np.asarray(sources), test)]


def _unlearned(
    classes: npt.NDArray[Any], guess: npt.NDArray[Any], per_class: dict[str, Any]
) -> list[str]:
    """Classes the model has not learned to predict, by its out-of-fold answers.

    A class none of the held-out predictions named, or whose held-out items
    were all predicted as something else (recall 0). Accuracy hides this: a
    model that always answers the majority class scores the majority share.
    """
    predicted = {str(c) for c in np.unique(guess)}
    return [
        str(c)
        for c in classes
        if str(c) not in predicted
        or (str(c) in per_class and per_class[str(c)]["recall"] == 0.0)
    ]


def _cross_validate_multilabel(
    estimator: Any,
    X: Any,
    Y: npt.NDArray[Any],
    cv: int,
    random_state: int | None,
    names: list[str],
    oof: dict[str, Any] | None = None,
    n_scored: int | None = None,
    extra_sources: npt.NDArray[np.intp] | None = None,
) -> tuple[float | None, int, str, dict[str, Any]]:
    n_scored = Y.shape[0] if n_scored is None else n_scored
    k = min(cv, n_scored)
    if k < 2:
        return None, 0, "No cross-validation: fewer than 2 labeled items.", {}
    proba = np.zeros(Y.shape, dtype=np.float64)
    for held_in, test in KFold(k, shuffle=True, random_state=random_state).split(
        Y[:n_scored]
    ):
        train = np.concatenate(
            [held_in, _extra_rows(n_scored, Y.shape[0], extra_sources, test)]
        )
        if np.any(Y[train].sum(axis=0) == 0) or np.any(
            Y[train].sum(axis=0) == len(train)
        ):
            return (
                None,
                0,
                "No cross-validation: some label is on all or none of the items in "
                "a fold. Label more varied items.",
                {},
            )
        model = fit_quietly(clone(estimator), X[train], Y[train])
        proba[test] = model.predict_proba(X[test])
    # One yes/no model per label: "yes" is p >= 0.5, as OneVsRest predicts.
    pred = (proba >= 0.5).astype(Y.dtype)
    if oof is not None:
        oof["proba"] = proba
    Y, pred = Y[:n_scored], pred[:n_scored]
    acc = float(accuracy_score(Y, pred))
    p, r, f, s = precision_recall_fscore_support(Y, pred, zero_division=0)
    per_class = {
        name: {
            "precision": float(pi),
            "recall": float(ri),
            "f1": float(fi),
            "support": int(si),
        }
        for name, pi, ri, fi, si in zip(names, p, r, f, s, strict=True)
    }
    metrics = {
        "subset_accuracy": acc,
        "macro_f1": float(f1_score(Y, pred, average="macro", zero_division=0)),
        "per_class": per_class,
        "unlearned": [
            name
            for name, hits in zip(names, pred.sum(axis=0), strict=True)
            if hits == 0 or per_class[name]["recall"] == 0.0
        ],
        "n_scored": int(Y.shape[0]),
    }
    return acc, k, f"{k}-fold (multilabel, subset accuracy).", metrics


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
            score, folds, note, metrics = _cross_validate_multilabel(
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
        arr = _labels_1d(y)
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
