"""Chance-corrected agreement of coded ratings, in NumPy: the arithmetic under
:mod:`activelabel.quality.agreement`.

Ratings are parallel arrays: the unit rated, the rater, the code (category)
given. Nothing here loops in Python over ratings or pairs of raters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CategoricalFigures",
    "Floats",
    "Ints",
    "UnitCounts",
    "binary_by_group",
    "categorical_figures",
    "cohen_kappa",
    "figure",
    "fleiss_kappa",
    "group_sums",
    "krippendorff_alpha",
    "pair_kappas",
    "rater_pairs",
    "ratio",
    "unit_counts",
    "weighted_mean",
]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CategoricalFigures:
    """Fleiss' κ, Krippendorff's α and observed agreement of coded ratings."""

    units: int
    ratings: int
    observed: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None


def figure(x: float) -> float | None:
    """``x``, or None when it is undefined (NaN, infinite)."""
    return None if not np.isfinite(x) else float(x)


def ratio(num: Any, den: Any) -> Floats:
    """``num / den`` elementwise, NaN where ``den`` is 0."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


@dataclass(frozen=True)
class UnitCounts:
    """Ratings per unit (pairable units only) and per (unit, category)."""

    units: Ints  # the pairable units (rated at least twice), ascending
    m: Floats  # ratings of each pairable unit
    pair_unit: Ints  # for each (unit, category) with a count: the unit's row in m
    pair_code: Ints  # its category
    pair_count: Floats  # how many ratings of the unit gave it


def unit_counts(unit: Ints, code: Ints, n_codes: int) -> UnitCounts:
    """Ratings per unit rated twice or more, and per (unit, code) given."""
    units, unit_row = np.unique(unit, return_inverse=True)
    m_all = np.bincount(unit_row, minlength=units.size)
    keys, key_counts = np.unique(unit_row * n_codes + code, return_counts=True)
    pair_row, pair_code = keys // n_codes, keys % n_codes
    # Only units rated at least twice can show (dis)agreement.
    pairable = m_all >= 2
    renumber = np.cumsum(pairable) - 1
    keep = pairable[pair_row]
    return UnitCounts(
        units=units[pairable],
        m=m_all[pairable].astype(np.float64),
        pair_unit=renumber[pair_row[keep]],
        pair_code=pair_code[keep],
        pair_count=key_counts[keep].astype(np.float64),
    )


def categorical_figures(unit: Ints, code: Ints, n_codes: int) -> CategoricalFigures:
    """Observed agreement, Fleiss' κ and nominal Krippendorff's α of ratings:
    ``code[i]`` (0 … ``n_codes`` - 1) given to ``unit[i]``."""
    c = unit_counts(np.asarray(unit), np.asarray(code), n_codes)
    units, ratings = int(c.m.size), float(c.m.sum())
    if units == 0:
        return CategoricalFigures(0, 0, None, None, None)
    m_of_pair = c.m[c.pair_unit]
    same_pairs = np.bincount(
        c.pair_unit, weights=c.pair_count * (c.pair_count - 1), minlength=units
    )
    # Fleiss: each unit's share of agreeing (ordered) rater pairs.
    p_unit = same_pairs / (c.m * (c.m - 1))
    share = np.bincount(c.pair_code, weights=c.pair_count, minlength=n_codes) / ratings
    chance = float(np.sum(share**2))
    mean_p = float(p_unit.mean())
    fleiss = (mean_p - chance) / (1 - chance) if chance < 1 else np.nan
    # Krippendorff: the coincidence matrix's diagonal against the margins.
    diagonal = float(np.sum(c.pair_count * (c.pair_count - 1) / (m_of_pair - 1)))
    n_c = share * ratings
    expected = ratings**2 - float(np.sum(n_c**2))
    alpha = (
        1 - (ratings - 1) * (ratings - diagonal) / expected if expected > 0 else np.nan
    )
    return CategoricalFigures(
        units, int(ratings), figure(mean_p), figure(fleiss), figure(alpha)
    )


def fleiss_kappa(counts: npt.ArrayLike) -> float | None:
    """Fleiss' κ of a units × categories table of rating counts."""
    unit, code, _ = _expand(counts)
    return categorical_figures(unit, code, np.asarray(counts).shape[1]).fleiss_kappa


def krippendorff_alpha(counts: npt.ArrayLike) -> float | None:
    """Nominal Krippendorff's α of a units × categories table of rating counts."""
    unit, code, _ = _expand(counts)
    table = np.asarray(counts)
    return categorical_figures(unit, code, table.shape[1]).krippendorff_alpha


def _expand(counts: npt.ArrayLike) -> tuple[Ints, Ints, int]:
    table = np.asarray(counts, dtype=np.int64)
    rows, cols = np.nonzero(table)
    reps = table[rows, cols]
    return np.repeat(rows, reps), np.repeat(cols, reps), int(reps.sum())


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    """Cohen's κ of two annotators' labels of the same items (``a[i]``, ``b[i]``)."""
    values = sorted({*a, *b}, key=str)
    index = {v: i for i, v in enumerate(values)}
    ca = np.array([index[v] for v in a], dtype=np.int64)
    cb = np.array([index[v] for v in b], dtype=np.int64)
    pairs = pair_kappas(
        np.zeros(ca.size, dtype=np.int64), ca, cb, n_pairs=1, n_codes=len(values)
    )
    return figure(pairs[2][0])


def rater_pairs(unit: Ints, rater: Ints, code: Ints) -> tuple[Ints, Ints, Ints, Ints]:
    """Every pair of ratings of one unit by two raters: (rater a, rater b, code
    a, code b), with ``a < b``; built per number of raters of a unit, in NumPy."""
    order = np.lexsort((rater, unit))
    u, r, c = unit[order], rater[order], code[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]]) if u.size else u
    sizes = np.diff(np.r_[starts, u.size])
    parts: list[tuple[Ints, Ints, Ints, Ints]] = []
    for size in np.unique(sizes[sizes >= 2]):
        rows = starts[sizes == size][:, None] + np.arange(size)
        rr, cc = r[rows], c[rows]
        for i in range(size - 1):
            for j in range(i + 1, size):
                parts.append((rr[:, i], rr[:, j], cc[:, i], cc[:, j]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    ra, rb, ca, cb = (np.concatenate(p) for p in zip(*parts, strict=True))
    distinct = ra != rb  # one rater twice on a unit is no pair
    return ra[distinct], rb[distinct], ca[distinct], cb[distinct]


def pair_kappas(
    pair: Ints, ca: Ints, cb: Ints, *, n_pairs: int, n_codes: int
) -> tuple[Ints, Floats, Floats]:
    """Per pair of raters: shared units, observed agreement, Cohen's κ."""
    shared = np.bincount(pair, minlength=n_pairs)
    observed = ratio(np.bincount(pair, weights=ca == cb, minlength=n_pairs), shared)
    size = n_pairs * n_codes
    margin_a = np.bincount(pair * n_codes + ca, minlength=size)
    margin_b = np.bincount(pair * n_codes + cb, minlength=size)
    both = (margin_a * margin_b).reshape(n_pairs, n_codes).sum(axis=1)
    chance = ratio(both, shared.astype(np.float64) ** 2)
    kappa = ratio(observed - chance, 1 - chance)
    return shared, observed, kappa


def weighted_mean(values: Floats, weights: Ints) -> float | None:
    """Mean of the defined ``values`` weighted by ``weights`` (None if none)."""
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return None
    return float(np.average(values[ok], weights=weights[ok]))


def binary_by_group(
    units: Floats, ratings: Floats, sums: dict[str, Floats]
) -> tuple[Floats, Floats]:
    """Fleiss' κ and α of yes/no ratings, for many groups at once.

    ``units`` and ``ratings`` are each group's pairable units and their
    ratings; ``sums`` the group's sums over units of x/(m-1), x²/(m-1),
    m·x/(m-1) and x²/(m(m-1)), x being a unit's yes ratings and m its ratings.
    Expanding the two-category formulas over x = 0 and m - x gives these.
    """
    yes = sums["x"]
    mean_p = 1 + 2 * ratio(sums["x2_mm1"] - sums["x_m1"], units)
    share = ratio(yes, ratings)
    chance = share**2 + (1 - share) ** 2
    fleiss = ratio(mean_p - chance, 1 - chance)
    diagonal = ratings + 2 * sums["x2_m1"] - 2 * sums["mx_m1"]
    expected = ratings**2 - yes**2 - (ratings - yes) ** 2
    alpha = 1 - ratio((ratings - 1) * (ratings - diagonal), expected)
    return fleiss, alpha


def group_sums(x: Floats, m: Floats, group: Ints, n_groups: int) -> dict[str, Floats]:
    """The sums :func:`binary_by_group` needs, per group."""

    def total(weights: Floats) -> Floats:
        return np.bincount(group, weights=weights, minlength=n_groups).astype(
            np.float64
        )

    return {
        "x": total(x),
        "x_m1": total(x / (m - 1)),
        "x2_m1": total(x**2 / (m - 1)),
        "mx_m1": total(m * x / (m - 1)),
        "x2_mm1": total(x**2 / (m * (m - 1))),
    }
