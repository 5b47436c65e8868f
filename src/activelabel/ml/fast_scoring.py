"""Score a pool chunk by chunk, straight from a linear model's coefficients.

``predict_proba`` on a whole pool materialises an ``(n_samples, n_classes)``
float64 matrix and validates the input again on every call. For the default
linear model we skip both: each chunk of rows is cast to float32, multiplied by
the coefficient matrix, and the uncertainty score is computed from the logits
(log-sum-exp identities), so only one chunk of logits is ever in memory and the
pool itself can be a memory-mapped array of any size.

Any other classifier falls back to its own ``predict_proba`` per chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from activelabel.exceptions import ConfigError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "LINEAR_METHODS",
    "is_fast_linear",
    "iter_chunks",
    "linear_uncertainty_chunks",
    "predict_proba_chunks",
]

#: Uncertainty measures computed from logits (same names as ``activelabel.al``).
LINEAR_METHODS = ("least_confidence", "margin", "entropy")

#: Rows per chunk: big enough to amortise the matrix product, small enough that
#: one chunk of logits (rows × classes × 4 bytes) stays in cache-sized memory.
DEFAULT_CHUNK_SIZE = 65_536

F32 = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.intp]


def is_fast_linear(estimator: Any) -> bool:
    """True when ``estimator`` is a fitted single-label logistic regression."""
    return (
        isinstance(estimator, LogisticRegression)
        and hasattr(estimator, "coef_")
        and len(getattr(estimator, "classes_", ())) >= 2
    )


def iter_chunks(
    n_rows: int, *, chunk_size: int = DEFAULT_CHUNK_SIZE, rows: Any = None
) -> Iterator[tuple[slice | IntArray, IntArray | None, int]]:
    """Yield ``(selector, positions, offset)`` covering the pool in chunks.

    Without ``rows`` the selector is a slice (no copy of the positions is
    made); with ``rows`` it is the chunk of positions.
    """
    if chunk_size < 1:
        raise ConfigError(f"chunk_size must be an int >= 1. Got {chunk_size!r}.")
    if rows is None:
        for start in range(0, n_rows, chunk_size):
            yield slice(start, min(start + chunk_size, n_rows)), None, start
    else:
        positions = np.asarray(rows, dtype=np.intp)
        for start in range(0, positions.shape[0], chunk_size):
            chunk = positions[start : start + chunk_size]
            yield chunk, chunk, start


def _as_f32(block: Any) -> Any:
    if sp.issparse(block):
        return block.astype(np.float32)
    return np.asarray(block, dtype=np.float32)


def _logits(block: Any, coef: F32, intercept: F32) -> F32:
    z = block @ coef.T
    z = np.asarray(z, dtype=np.float32)
    z += intercept
    return z


def _linear_params(estimator: Any) -> tuple[F32, F32]:
    coef = np.ascontiguousarray(estimator.coef_, dtype=np.float32)
    intercept = np.asarray(estimator.intercept_, dtype=np.float32)
    return coef, intercept


def _proba_from_logits(z: F32) -> F32:
    if z.shape[1] == 1:
        p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.column_stack([1 - p1, p1]).astype(np.float32)
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def predict_proba_chunks(
    estimator: Any,
    X: Any,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    rows: Any = None,
) -> Iterator[tuple[int, IntArray | None, F32]]:
    """Yield ``(offset, positions, proba)`` for each chunk of the pool, float32.

    ``positions`` is None when scoring all rows (then the chunk starts at
    ``offset``). Raises sklearn's ``NotFittedError`` for an unfitted model.
    """
    check_is_fitted(estimator)
    fast = is_fast_linear(estimator)
    if fast:
        coef, intercept = _linear_params(estimator)
    for selector, positions, offset in iter_chunks(
        X.shape[0], chunk_size=chunk_size, rows=rows
    ):
        block = X[selector]
        if fast:
            proba = _proba_from_logits(_logits(_as_f32(block), coef, intercept))
        else:
            proba = np.asarray(estimator.predict_proba(block), dtype=np.float32)
        yield offset, positions, proba


def _linear_uncertainty(z: F32, method: str) -> F32:
    return np.asarray(_linear_uncertainty_any(z, method), dtype=np.float32)


def _linear_uncertainty_any(z: F32, method: str) -> Any:
    """Uncertainty scores from logits without normalising the whole chunk."""
    if z.shape[1] == 1:
        a = np.abs(z[:, 0])
        if method == "least_confidence":
            # 1 - sigmoid(|z|)
            return (1.0 / (1.0 + np.exp(a))).astype(np.float32)
        if method == "margin":
            # 1 - |2 sigmoid(z) - 1| = 1 - tanh(|z| / 2)
            return (1.0 - np.tanh(a * 0.5)).astype(np.float32)
        p = 1.0 / (1.0 + np.exp(-a))
        q = 1.0 - p
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -(p * np.log(p) + np.where(q > 0, q * np.log(q), 0.0))
        return (np.nan_to_num(h) / np.log(2.0)).astype(np.float32)
    n = z.shape[0]
    top = z.argmax(axis=1)
    z -= z[np.arange(n), top][:, None]  # shift: top logit is 0, others <= 0
    if method == "entropy":
        shifted = z.copy()
    np.exp(z, out=z)
    total = z.sum(axis=1)
    if method == "least_confidence":
        return (1.0 - 1.0 / total).astype(np.float32)
    if method == "margin":
        z[np.arange(n), top] = 0.0
        second = z.max(axis=1)
        return (1.0 - (1.0 - second) / total).astype(np.float32)
    # H = log S - Σ e^z z / S with z shifted so that max z = 0.
    h = np.log(total) - np.einsum("ij,ij->i", z, shifted) / total
    return np.clip(h / np.log(z.shape[1]), 0.0, 1.0).astype(np.float32)


def linear_uncertainty_chunks(
    estimator: Any,
    X: Any,
    *,
    method: str = "margin",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    rows: Any = None,
) -> Iterator[tuple[int, IntArray | None, F32]]:
    """Yield ``(offset, positions, scores)`` per chunk for one uncertainty method.

    Only for a fitted logistic regression (see :func:`is_fast_linear`): the
    scores come straight from float32 logits and equal the probability-based
    measures in ``activelabel.al.scores`` up to float32 rounding.
    """
    if method not in LINEAR_METHODS:
        choices = ", ".join(repr(m) for m in LINEAR_METHODS)
        raise ConfigError(
            f"The 'method' of linear_uncertainty_chunks must be one of {choices}. "
            f"Got {method!r} instead."
        )
    check_is_fitted(estimator)
    if not is_fast_linear(estimator):
        raise ConfigError(
            "linear_uncertainty_chunks needs a fitted LogisticRegression; got "
            f"{type(estimator).__name__}. Use predict_proba_chunks for other models."
        )
    coef, intercept = _linear_params(estimator)
    for selector, positions, offset in iter_chunks(
        X.shape[0], chunk_size=chunk_size, rows=rows
    ):
        z = _logits(_as_f32(X[selector]), coef, intercept)
        yield offset, positions, _linear_uncertainty(z, method)
