"""Pure uncertainty and disagreement measures: probabilities in, scores out.

All uncertainty scores lie in [0, 1] and are higher for items the model is less
sure about, so a strategy always picks the highest scores:

* least confidence ``1 - p(1)``
* smallest margin ``1 - (p(1) - p(2))``
* normalized entropy ``-Σ p log p / log n``

With two classes the three rank a pool identically (each is a monotone function
of ``|p - 0.5|``); they differ from three classes on. They take any float dtype
and keep it, so float32 chunks stay float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from activelabel.exceptions import ConfigError

__all__ = [
    "UNCERTAINTY_METHODS",
    "entropy_scores",
    "kl_divergence_scores",
    "least_confidence_scores",
    "margin_scores",
    "uncertainty_scores",
    "vote_entropy_scores",
]

FloatArray = npt.NDArray[np.floating[Any]]

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


def uncertainty_scores(proba: Any, *, method: str = "margin") -> FloatArray:
    """Dispatch to one of :data:`UNCERTAINTY_METHODS` by name."""
    if method == "least_confidence":
        return least_confidence_scores(proba)
    if method == "margin":
        return margin_scores(proba)
    if method == "entropy":
        return entropy_scores(proba)
    choices = ", ".join(repr(m) for m in UNCERTAINTY_METHODS)
    raise ConfigError(
        f"The 'method' of uncertainty_scores must be one of {choices}. "
        f"Got {method!r} instead."
    )


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
