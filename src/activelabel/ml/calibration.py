"""Calibrated confidences: a model's 0.9 should be right nine times in ten.

A logistic regression trained on a few dozen labels, with balanced class
weights and a strong penalty, is rarely calibrated: its probabilities crowd
around 0.5-0.7 whatever it knows, or sit near 1 on a class it barely saw. A
threshold on such a number (auto-accept, "confident" suggestions) does not mean
what it says. This module measures that and corrects it.

Measure
    :func:`expected_calibration_error` (ECE): the confidences are put into ten
    equal-width bins, and the gap between each bin's mean confidence and its
    share of right answers is averaged, weighted by the bin's size. It is
    computed on out-of-fold probabilities (each row predicted by a model that
    never saw it), so it measures held-out behaviour, never the training fit.
    Single-label: the confidence of the top class against whether it is the
    label. Multilabel: every yes/no decision (``max(p, 1 - p)`` against whether
    the decision is right).

Correct
    Temperature scaling: the model's log-probabilities are divided by one number
    ``T`` fitted by maximum likelihood on the out-of-fold probabilities, then
    normalised again (a softmax; per label a sigmoid for multilabel). One
    parameter fits from twenty labels without overfitting, and it never changes
    which class is suggested (the order of a row's probabilities is kept), only
    how sure the suggestion says it is. Isotonic or Platt scaling needs hundreds
    of held-out rows per class to beat it, which a labeling project rarely has
    when calibration matters most.

Honest figures
    ``ece_after`` is cross-fitted: the out-of-fold rows are split in five, and
    each fifth is scaled by a temperature fitted on the other four. Fitting and
    measuring on the same rows would flatter the method. A temperature that
    does not lower that figure is not kept.

Where it applies
    :func:`calibrate_model` stores the fitted temperature on the estimator as
    ``calibration_`` (a dict of plain numbers: skops saves and loads it without
    trusting any new type), so it travels with the model version.
    :func:`calibrated_proba` is what every confidence shown or thresholded
    reads (suggestions, auto-accept). The query strategies keep the raw
    ``predict_proba``: they rank items, and for two classes a temperature keeps
    every ranking the same (least confidence, margin and entropy are monotone
    in ``|logit|``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar
from sklearn.model_selection import KFold

__all__ = [
    "CALIBRATION_ATTRIBUTE",
    "MIN_CALIBRATION_ROWS",
    "apply_temperature",
    "calibrate_model",
    "calibrated_proba",
    "expected_calibration_error",
    "fit_temperature",
    "oof_confidence",
]

#: The estimator attribute holding its calibration (a dict of plain values).
CALIBRATION_ATTRIBUTE = "calibration_"

#: Out-of-fold rows needed before a temperature is fitted; below it the raw
#: probabilities are kept (a fit on fewer rows moves with every label).
MIN_CALIBRATION_ROWS = 20

#: Probabilities are clipped to [EPS, 1 - EPS] before taking logs (a tree
#: model's exact 0 or 1 would be an infinite logit).
_EPS = 1e-7

#: Bounds of the temperature search: sharpen up to 20x, soften up to 20x.
_LOG_T_BOUNDS = (float(np.log(0.05)), float(np.log(20.0)))

FloatArray = npt.NDArray[np.float64]


def expected_calibration_error(
    confidence: npt.ArrayLike, correct: npt.ArrayLike, *, n_bins: int = 10
) -> float:
    """ECE of ``confidence`` (in [0, 1]) against ``correct`` (bool), equal-width bins.

    ``sum_b |mean confidence_b - accuracy_b| * n_b / n``; a confidence of
    exactly 1 falls in the last bin. NaN for no rows.
    """
    conf = np.asarray(confidence, dtype=np.float64).ravel()
    hit = np.asarray(correct, dtype=np.float64).ravel()
    if conf.shape != hit.shape:
        raise ValueError(
            f"confidence has {conf.size} values but correct has {hit.size}; "
            "give one of each per prediction."
        )
    if conf.size == 0:
        return float("nan")
    bins = np.minimum((conf * n_bins).astype(np.int64), n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    conf_sum = np.bincount(bins, weights=conf, minlength=n_bins)
    hit_sum = np.bincount(bins, weights=hit, minlength=n_bins)
    used = counts > 0
    gaps = np.abs(conf_sum[used] - hit_sum[used])
    return float(gaps.sum() / conf.size)


def oof_confidence(
    proba: npt.ArrayLike, truth: npt.ArrayLike, *, multilabel: bool
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Confidences and whether each prediction is right, as the ECE reads them.

    Single-label: ``truth`` holds each row's column index; the confidence is
    the top probability. Multilabel: ``truth`` is the 0/1 matrix; every cell is
    a yes/no decision at 0.5 with confidence ``max(p, 1 - p)``.
    """
    p = np.asarray(proba, dtype=np.float64)
    t = np.asarray(truth)
    if multilabel:
        return np.maximum(p, 1 - p).ravel(), ((p >= 0.5) == (t > 0)).ravel()
    return p.max(axis=1), p.argmax(axis=1) == t


def apply_temperature(
    proba: npt.ArrayLike, temperature: float, *, multilabel: bool
) -> FloatArray:
    """Probabilities rescaled by ``temperature`` (1: unchanged; <1: sharper).

    Single-label rows are a softmax of ``log p / T``; multilabel cells a
    sigmoid of ``logit(p) / T``. The order within a row is kept.
    """
    p = np.clip(np.asarray(proba, dtype=np.float64), _EPS, 1 - _EPS)
    if temperature == 1.0:
        return np.asarray(proba, dtype=np.float64)
    if multilabel:
        logit = np.log(p) - np.log1p(-p)
        out: FloatArray = 1.0 / (1.0 + np.exp(-logit / temperature))
        return out
    z = np.log(p) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    scaled: FloatArray = e / e.sum(axis=1, keepdims=True)
    return scaled


def _nll(proba: FloatArray, truth: npt.NDArray[Any], multilabel: bool) -> float:
    p = np.clip(proba, _EPS, 1 - _EPS)
    if multilabel:
        t = truth > 0
        return float(-np.mean(np.where(t, np.log(p), np.log1p(-p))))
    return float(-np.mean(np.log(p[np.arange(len(truth)), truth])))


def fit_temperature(
    proba: npt.ArrayLike, truth: npt.ArrayLike, *, multilabel: bool
) -> float:
    """The temperature that minimises the log-loss of ``proba`` against ``truth``.

    ``truth`` as in :func:`oof_confidence`. Searched over [0.05, 20] on a log scale.
    """
    p = np.asarray(proba, dtype=np.float64)
    t = np.asarray(truth)
    result = minimize_scalar(
        lambda log_t: _nll(
            apply_temperature(p, float(np.exp(log_t)), multilabel=multilabel),
            t,
            multilabel,
        ),
        bounds=_LOG_T_BOUNDS,
        method="bounded",
        options={"xatol": 1e-3},
    )
    return float(np.exp(result.x))


def _cross_fitted_ece(
    proba: FloatArray, truth: npt.NDArray[Any], multilabel: bool, random_state: int
) -> float:
    """ECE after temperature scaling, each fifth scaled by a fit on the others."""
    scaled = np.empty_like(proba)
    folds = KFold(n_splits=5, shuffle=True, random_state=random_state)
    for train, test in folds.split(proba):
        temperature = fit_temperature(proba[train], truth[train], multilabel=multilabel)
        scaled[test] = apply_temperature(
            proba[test], temperature, multilabel=multilabel
        )
    return expected_calibration_error(
        *oof_confidence(scaled, truth, multilabel=multilabel)
    )


def calibrate_model(
    estimator: Any,
    oof_proba: npt.ArrayLike | None,
    truth: npt.ArrayLike,
    *,
    multilabel: bool,
    n_rows: int | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """Fit a temperature on out-of-fold probabilities, store it on ``estimator``.

    ``oof_proba`` holds the out-of-fold probabilities of the training rows (NaN
    rows were never held out and are left out); ``truth`` each row's column
    index (single-label) or its 0/1 row (multilabel). Only the first ``n_rows``
    rows (default: all) were people's labels held out; later rows (labels from
    rules) are left out. Returns what the model
    version records as ``metrics["calibration"]``: ``method`` (``temperature``,
    or ``none`` with ``reason`` when there are too few held-out rows),
    ``temperature``, ``ece_before``, ``ece_after`` (cross-fitted) and ``n_rows``.
    A temperature whose cross-fitted ECE is not lower than the raw one is not
    kept (``method`` ``none``): calibration never makes the figures worse.
    """
    setattr(estimator, CALIBRATION_ATTRIBUTE, None)
    if oof_proba is None:
        return {"method": "none", "reason": "no out-of-fold probabilities"}
    proba = np.asarray(oof_proba, dtype=np.float64)[:n_rows]
    t = np.asarray(truth)[: proba.shape[0]]
    kept = ~np.isnan(proba).any(axis=1)
    proba, t = proba[kept], t[kept]
    n = int(proba.shape[0])
    before = expected_calibration_error(
        *oof_confidence(proba, t, multilabel=multilabel)
    )
    record: dict[str, Any] = {
        "n_rows": n,
        "ece_before": None if np.isnan(before) else round(before, 4),
    }
    if n < MIN_CALIBRATION_ROWS:
        record.update(
            method="none",
            reason=f"{n} held-out rows; calibration starts at {MIN_CALIBRATION_ROWS}",
            ece_after=record["ece_before"],
        )
        return record
    temperature = fit_temperature(proba, t, multilabel=multilabel)
    after = _cross_fitted_ece(proba, t, multilabel, random_state)
    if not after < before:
        # With few rows the fitted temperature can be noise; raw it stays.
        record.update(
            method="none",
            reason="temperature scaling did not lower the held-out ECE",
            temperature=round(temperature, 4),
            ece_after=record["ece_before"],
        )
        return record
    setattr(
        estimator,
        CALIBRATION_ATTRIBUTE,
        {
            "method": "temperature",
            "temperature": temperature,
            "multilabel": bool(multilabel),
        },
    )
    record.update(
        method="temperature",
        temperature=round(temperature, 4),
        ece_after=round(after, 4),
    )
    return record


def calibrated_proba(estimator: Any, X: Any) -> FloatArray:
    """``estimator.predict_proba(X)`` with the calibration stored on it applied.

    A model trained before calibration existed (no ``calibration_``) gives its
    raw probabilities. Columns are the estimator's classes, as ``predict_proba``.
    """
    raw = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    stored = getattr(estimator, CALIBRATION_ATTRIBUTE, None)
    if not isinstance(stored, dict) or stored.get("method") != "temperature":
        return raw
    return apply_temperature(
        raw,
        float(stored["temperature"]),
        multilabel=bool(stored.get("multilabel", False)),
    )
