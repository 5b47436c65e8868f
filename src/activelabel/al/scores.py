"""Pure uncertainty and disagreement measures: probabilities in, scores out.

All uncertainty scores lie in [0, 1] and are higher for items the model is less
sure about, so a strategy always picks the highest scores:

* least confidence ``1 - p(1)``
* smallest margin ``1 - (p(1) - p(2))``
* normalized entropy ``-Σ p log p / log n``

With two classes the three rank a pool identically (each is a monotone function
of ``|p - 0.5|``); they differ from three classes on. They take any float dtype
and keep it, so float32 chunks stay float32.

This module is the one home of the measures. A logistic regression's pool is
scored from its logits instead of its probabilities
(:func:`logit_uncertainty_scores`, fed by
:func:`activelabel.ml.fast_scoring.linear_logit_chunks`): the same measures up
to float32 rounding, without ever normalising the logits.
:func:`uncertainty_chunks` picks that fast path for such a model and
``predict_proba`` for any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from activelabel.exceptions import ConfigError
from activelabel.ml.fast_scoring import (
    DEFAULT_CHUNK_SIZE,
    is_fast_linear,
    linear_logit_chunks,
    predict_proba_chunks,
)

__all__ = [
    "UNCERTAINTY_METHODS",
    "entropy_scores",
    "kl_divergence_scores",
    "least_confidence_scores",
    "linear_uncertainty_chunks",
    "logit_uncertainty_scores",
    "margin_scores",
    "uncertainty_chunks",
    "uncertainty_scores",
    "vote_entropy_scores",
]

FloatArray = npt.NDArray[np.floating[Any]]
F32 = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.intp]

#: Names accepted by :func:`uncertainty_scores`.
UNCERTAINTY_METHODS = ("least_confidence", "margin", "entropy")


def _check_proba(proba: Any, name: str = "proba") -> FloatArray:
    arr = np.asarray(proba)
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ConfigError(
            f"{name} must be a 2-d array (n_samples, n_classes). "
            f"Got shape {arr.shape} instead."
        )
    return arr


def least_confidence_scores(proba: Any) -> FloatArray:
    """``1 - max_c p(c)``: how far the top class is from certain."""
    p = _check_proba(proba)
    out: FloatArray = np.subtract(1, p.max(axis=1), dtype=p.dtype)
    return out


def margin_scores(proba: Any) -> FloatArray:
    """``1 - (p(1) - p(2))``: small margins between the two top classes score high."""
    p = _check_proba(proba)
    if p.shape[1] == 1:
        return np.zeros(p.shape[0], dtype=p.dtype)
    if p.shape[1] == 2:
        return np.subtract(1, np.abs(p[:, 0] - p[:, 1]), dtype=p.dtype)
    top2 = np.partition(p, p.shape[1] - 2, axis=1)[:, -2:]
    return np.subtract(1, top2[:, 1] - top2[:, 0], dtype=p.dtype)


def entropy_scores(proba: Any) -> FloatArray:
    """Shannon entropy divided by ``log(n_classes)``, so it lies in [0, 1]."""
    p = _check_proba(proba)
    n = p.shape[1]
    if n == 1:
        return np.zeros(p.shape[0], dtype=p.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = p * np.log(p)
    plogp = np.nan_to_num(plogp, nan=0.0, copy=False)
    out = -plogp.sum(axis=1) / np.log(n)
    clipped: FloatArray = np.clip(out, 0, 1).astype(p.dtype, copy=False)
    return clipped


def _check_method(method: str, owner: str) -> None:
    if method not in UNCERTAINTY_METHODS:
        choices = ", ".join(repr(m) for m in UNCERTAINTY_METHODS)
        raise ConfigError(
            f"The 'method' of {owner} must be one of {choices}. Got {method!r} instead."
        )


def uncertainty_scores(proba: Any, *, method: str = "margin") -> FloatArray:
    """Dispatch to one of :data:`UNCERTAINTY_METHODS` by name."""
    _check_method(method, "uncertainty_scores")
    if method == "least_confidence":
        return least_confidence_scores(proba)
    if method == "margin":
        return margin_scores(proba)
    return entropy_scores(proba)


def logit_uncertainty_scores(logits: Any, *, method: str = "margin") -> F32:
    """The measure ``method`` from a linear model's class-major logits, float32.

    ``logits`` has shape ``(n_classes, n_rows)``, or ``(1, n_rows)`` for a
    binary model (the logit of the second class). Equal to
    :func:`uncertainty_scores` of the softmax (sigmoid) probabilities up to
    float32 rounding, computed with log-sum-exp identities and never normalised.
    """
    _check_method(method, "logit_uncertainty_scores")
    zt = np.asarray(logits, dtype=np.float32)
    return np.asarray(_logit_uncertainty(zt, method), dtype=np.float32)


def _logit_uncertainty(zt: F32, method: str) -> Any:
    if zt.shape[0] == 1:
        a = np.abs(zt[0])
        if method == "least_confidence":
            # 1 - sigmoid(|z|)
            return 1.0 / (1.0 + np.exp(a))
        if method == "margin":
            # 1 - |2 sigmoid(z) - 1| = 1 - tanh(|z| / 2)
            return 1.0 - np.tanh(a * np.float32(0.5))
        # Binary entropy of sigmoid(|z|) in bits, written with softplus so it
        # is stable for large |z|: H = softplus(-a) + a * sigmoid(-a) (nats).
        e = np.exp(-a)
        h = np.log1p(e) + a * e / (1.0 + e)
        return h / np.float32(np.log(2.0))
    first = zt[0].copy()
    second = np.full_like(first, -np.inf)
    for row in zt[1:]:
        # Running top-2 over the classes, element-wise.
        np.maximum(second, np.minimum(first, row), out=second)
        np.maximum(first, row, out=first)
    total = np.zeros_like(first)
    weighted = np.zeros_like(first) if method == "entropy" else None
    for row in zt:
        shifted = row - first
        e = np.exp(shifted)
        total += e
        if weighted is not None:
            weighted += e * shifted
    if method == "least_confidence":
        return 1.0 - 1.0 / total
    if method == "margin":
        return 1.0 - (1.0 - np.exp(second - first)) / total
    # H = log S - Σ e^z z / S with z shifted so that max z = 0.
    assert weighted is not None
    h = np.log(total) - weighted / total
    return np.clip(h / np.float32(np.log(zt.shape[0])), 0.0, 1.0)


def linear_uncertainty_chunks(
    estimator: Any,
    X: Any,
    *,
    method: str = "margin",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    rows: Any = None,
) -> Iterator[tuple[int, IntArray | None, F32]]:
    """Yield ``(offset, positions, scores)`` per chunk for one uncertainty method.

    Only for a fitted logistic regression
    (:func:`activelabel.ml.fast_scoring.is_fast_linear`): the scores come
    straight from float32 logits (:func:`logit_uncertainty_scores`).
    """
    _check_method(method, "linear_uncertainty_chunks")
    for offset, positions, zt in linear_logit_chunks(
        estimator, X, chunk_size=chunk_size, rows=rows
    ):
        yield offset, positions, logit_uncertainty_scores(zt, method=method)


def uncertainty_chunks(
    estimator: Any,
    X: Any,
    *,
    method: str = "margin",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    rows: Any = None,
) -> Iterator[tuple[int, IntArray | None, FloatArray]]:
    """Uncertainty scores of a fitted model over ``X`` (or its ``rows``), by chunk.

    A logistic regression is scored straight from its coefficients in float32;
    any other model through its ``predict_proba``.
    """
    if is_fast_linear(estimator):
        yield from linear_uncertainty_chunks(
            estimator, X, method=method, chunk_size=chunk_size, rows=rows
        )
        return
    for offset, positions, proba in predict_proba_chunks(
        estimator, X, chunk_size=chunk_size, rows=rows
    ):
        yield offset, positions, uncertainty_scores(proba, method=method)


def vote_entropy_scores(votes: Any, *, n_classes: int) -> FloatArray:
    """Entropy of the committee's hard votes, normalized to [0, 1].

    ``votes`` has shape ``(n_members, n_samples)`` and holds class positions
    ``0 .. n_classes - 1``.
    """
    v = np.asarray(votes)
    if v.ndim != 2:
        raise ConfigError(
            f"votes must be a 2-d array (n_members, n_samples). Got shape {v.shape}."
        )
    counts = np.zeros((v.shape[1], n_classes))
    for member in v:
        counts[np.arange(v.shape[1]), member] += 1
    return entropy_scores(counts / v.shape[0])


def kl_divergence_scores(committee_proba: Any) -> FloatArray:
    """Mean KL divergence of each member from the consensus (McCallum & Nigam).

    ``committee_proba`` has shape ``(n_members, n_samples, n_classes)``. The
    score is 0 when every member agrees and grows with disagreement.
    """
    p = np.asarray(committee_proba, dtype=np.float64)
    if p.ndim != 3:
        raise ConfigError(
            "committee_proba must be a 3-d array (n_members, n_samples, n_classes). "
            f"Got shape {p.shape}."
        )
    consensus = p.mean(axis=0)
    eps = 1e-12
    kl = (p * (np.log(p + eps) - np.log(consensus + eps)[None])).sum(axis=2)
    out: FloatArray = np.maximum(kl.mean(axis=0), 0.0)
    return out
