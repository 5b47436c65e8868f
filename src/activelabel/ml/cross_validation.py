"""Cross-validation of a classifier with few labels: folds, out-of-fold scores.

Stratified k-fold needs every class in every fold. With ``cv=5`` and a class
holding 3 examples that is impossible, so :func:`cross_validate_model`:

* uses ``k = min(cv, smallest class count)`` folds, counted over the classes
  that have at least 2 examples;
* keeps the rows of classes with a single example in every training fold and
  never scores them (a class seen once cannot be held out and learned from);
* returns no score (``cv_score=None``, with the reason in ``cv_note``) when
  fewer than two classes have 2+ examples: a number computed on that would lie.

Out-of-fold predictions give accuracy, macro-F1 and per-class metrics. Their
probabilities are kept
(:attr:`activelabel.ml.training.TrainedModel.oof_proba`): the mislabel finder
(:mod:`activelabel.quality.label_issues`) ranks the labels by them, so it costs
the round no second cross-validation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold, StratifiedKFold

from activelabel.exceptions import ConfigError
from activelabel.ml.fitting import fit_quietly

__all__ = ["cross_validate_model", "cross_validate_multilabel", "labels_1d"]


def labels_1d(y: Any) -> npt.NDArray[Any]:
    """``y`` as a 1-d array, or :class:`ConfigError` naming its shape."""
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
    y = labels_1d(y)
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


def cross_validate_multilabel(
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
    """:func:`cross_validate_model` for a 0/1 matrix of labels (one column each):
    k-fold, subset accuracy, and per-label metrics named by ``names``."""
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
