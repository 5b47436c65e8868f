"""Shared checks for strategy parameters and query inputs.

Every strategy validates with these helpers so that every bad parameter gets the
same wording: what was expected, where, and what was received.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from activelabel.exceptions import ConfigError

__all__ = [
    "MISSING_LABEL",
    "check_batch_size",
    "check_candidates",
    "check_int",
    "check_one_of",
    "check_probability",
    "check_random_state",
    "labeled_mask",
]

#: Marks an unlabeled sample in ``y`` (scikit-activeml's convention). ``None``
#: is accepted as well in object arrays of string labels.
MISSING_LABEL = np.nan


def _where(owner: str, name: str) -> str:
    return f"The {name!r} parameter of {owner}"


def check_int(value: Any, *, name: str, owner: str, minimum: int) -> int:
    """Return ``value`` as an int, or raise a :class:`ConfigError` naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(
            f"{_where(owner, name)} must be an int >= {minimum}. Got {value!r} instead."
        )
    if int(value) < minimum:
        raise ConfigError(
            f"{_where(owner, name)} must be an int >= {minimum}. Got {value!r} instead."
        )
    return int(value)


def check_batch_size(value: Any, *, owner: str) -> int:
    """Check the ``batch_size`` argument of a query."""
    return check_int(value, name="batch_size", owner=owner, minimum=1)


def check_probability(
    value: Any, *, name: str, owner: str, low: float = 0.0, high: float = 1.0
) -> float:
    """Return ``value`` as a float in ``[low, high]`` or raise a :class:`ConfigError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(
            f"{_where(owner, name)} must be a float in [{low}, {high}]. "
            f"Got {value!r} instead."
        )
    if not low <= float(value) <= high:
        raise ConfigError(
            f"{_where(owner, name)} must be a float in [{low}, {high}]. "
            f"Got {value!r} instead."
        )
    return float(value)


def check_one_of(value: Any, *, name: str, owner: str, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise a :class:`ConfigError`."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ConfigError(
            f"{_where(owner, name)} must be one of {choices}. Got {value!r} instead."
        )
    return value


def check_random_state(value: Any, *, owner: str) -> np.random.Generator:
    """Turn ``random_state`` (None, an int, or a Generator) into a Generator."""
    if value is None or isinstance(value, np.random.Generator):
        return np.random.default_rng(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(
            f"{_where(owner, 'random_state')} must be None, an int or a "
            f"numpy Generator. Got {value!r} instead."
        )
    return np.random.default_rng(int(value))


def labeled_mask(y: Any, *, n_samples: int, owner: str) -> npt.NDArray[np.bool_]:
    """Return a boolean mask of the labeled samples in ``y``.

    ``y`` holds one entry per row of ``X``; unlabeled rows are
    :data:`MISSING_LABEL` (NaN) or ``None``.
    """
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n_samples:
        raise ConfigError(
            f"{_where(owner, 'y')} must be a 1-d array with one entry per row of X "
            f"({n_samples}). Got shape {arr.shape} instead."
        )
    if arr.dtype.kind == "f":
        mask: npt.NDArray[np.bool_] = ~np.isnan(arr)
        return mask
    if arr.dtype.kind in "iub":
        return np.ones(n_samples, dtype=bool)
    if arr.dtype.kind in "US":
        return np.ones(n_samples, dtype=bool)
    return np.fromiter(
        (not (v is None or (isinstance(v, float) and v != v)) for v in arr),
        dtype=bool,
        count=n_samples,
    )


def check_candidates(
    candidates: Any, *, n_samples: int, owner: str
) -> npt.NDArray[np.intp] | None:
    """Validate ``candidates`` (positions into ``X``) or pass ``None`` through."""
    if candidates is None:
        return None
    arr = np.asarray(candidates)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ConfigError(
            f"{_where(owner, 'candidates')} must be None or a 1-d array of row "
            f"positions. Got {type(candidates).__name__} with dtype {arr.dtype} "
            "instead."
        )
    out = arr.astype(np.intp, copy=False)
    if out.size and (out.min() < 0 or out.max() >= n_samples):
        raise ConfigError(
            f"{_where(owner, 'candidates')} holds positions outside X, which has "
            f"{n_samples} rows. Got min {out.min()}, max {out.max()}."
        )
    return out
