"""Agreement between annotators, computed from arrays (no store: a notebook library).

Every measure here reads three parallel sequences: the item each label is
of, the annotator (rater) who gave it, and the label's value. What "agree"
means depends on the task kind, so a task adapter names its measure family
(``adapter.agreement``, a key of :data:`MEASURES`):

``single_label``
    One label per item. The value is a category. Observed agreement (the
    share of annotator pairs on an item that gave the same label), Fleiss'
    κ, Krippendorff's α (nominal), Cohen's κ for each pair of annotators over
    the items both labeled; per label, Fleiss' κ and α one-vs-rest (the label
    against every other).
``label_set``
    Any number of labels per item. Each (item, label) is a yes/no decision:
    the project's figures pool every decision, each label's figures are its
    own decisions.
``exact_spans`` / ``matched_boxes``
    Lists of objects (:mod:`activelabel.quality.object_agreement`): for each
    pair of annotators, F1 of the objects one found that the other found too
    (spans: the same start, end and label; boxes: the same label at IoU >= 0.5,
    each box matched once), pooled over the items both labeled; per label, F1
    over every pair.

Fleiss' κ assumes every item has the same number of raters; here it is
generalized as is usual for a varying number: each item's agreement is the
share of agreeing pairs among its own raters, averaged over items rated at
least twice, and chance agreement comes from every rating of those items
(equal to Fleiss' formula when the number is constant). Krippendorff's α is
computed from the coincidence matrix in NumPy; the tests check it against the
``krippendorff`` package (GPL-3.0, so not a dependency of this Apache-2.0
package) and Krippendorff's own worked example. A figure that is undefined
(every rating the same category, so chance agreement is 1) is ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "MEASURES",
    "Agreement",
    "CategoricalFigures",
    "LabelAgreement",
    "PairAgreement",
    "RaterAgreement",
    "categorical_figures",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "label_set_agreement",
    "measure_agreement",
    "single_label_agreement",
]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PairAgreement:
    """Two annotators (rater indices, ``a < b``) over the items both labeled."""

    a: int
    b: int
    #: Items both labeled.
    items: int
    #: Share of their decisions that agree (categorical measures).
    observed: float | None = None
    kappa: float | None = None
    #: F1 of one's objects against the other's (object measures).
    f1: float | None = None


@dataclass(frozen=True)
class LabelAgreement:
    """One label's figures: one-vs-rest (categorical) or its objects' F1."""

    label: str
    #: Ratings that gave the label (objects of the label, for object measures).
    support: int
    fleiss_kappa: float | None = None
    krippendorff_alpha: float | None = None
    f1: float | None = None


@dataclass(frozen=True)
class RaterAgreement:
    """One annotator against the others: pair figures weighted by shared items."""

    rater: int
    #: Items this annotator labeled that someone else labeled too.
    items: int
    observed: float | None = None
    kappa: float | None = None
    f1: float | None = None


@dataclass(frozen=True)
class Agreement:
    """Every agreement figure of a set of labels."""

    #: The measure family (a key of :data:`MEASURES`).
    measure: str
    #: Items labeled by at least two annotators (the only ones that count).
    items: int
    #: Labels given to those items.
    ratings: int
    observed: float | None = None
    fleiss_kappa: float | None = None
    krippendorff_alpha: float | None = None
    #: Cohen's κ averaged over pairs, weighted by their shared items.
    mean_pair_kappa: float | None = None
    #: F1 averaged over pairs (object measures), weighted by shared items.
    mean_pair_f1: float | None = None
    pairs: list[PairAgreement] = field(default_factory=list)
    labels: list[LabelAgreement] = field(default_factory=list)
    raters: list[RaterAgreement] = field(default_factory=list)


@dataclass(frozen=True)
class CategoricalFigures:
    """Fleiss' κ, Krippendorff's α and observed agreement of coded ratings."""

    units: int
    ratings: int
    observed: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None


def _figure(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def _ratio(num: Any, den: Any) -> Floats:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


@dataclass(frozen=True)
class _Counts:
    """Ratings per unit (pairable units only) and per (unit, category)."""

    units: Ints  # the pairable units (rated at least twice), ascending
    m: Floats  # ratings of each pairable unit
    pair_unit: Ints  # for each (unit, category) with a count: the unit's row in m
    pair_code: Ints  # its category
    pair_count: Floats  # how many ratings of the unit gave it


def _counts(unit: Ints, code: Ints, n_codes: int) -> _Counts:
    units, unit_row = np.unique(unit, return_inverse=True)
    m_all = np.bincount(unit_row, minlength=units.size)
    keys, key_counts = np.unique(unit_row * n_codes + code, return_counts=True)
    pair_row, pair_code = keys // n_codes, keys % n_codes
    # Only units rated at least twice can show (dis)agreement.
    pairable = m_all >= 2
    renumber = np.cumsum(pairable) - 1
    keep = pairable[pair_row]
    return _Counts(
        units=units[pairable],
        m=m_all[pairable].astype(np.float64),
        pair_unit=renumber[pair_row[keep]],
        pair_code=pair_code[keep],
        pair_count=key_counts[keep].astype(np.float64),
    )


def categorical_figures(unit: Ints, code: Ints, n_codes: int) -> CategoricalFigures:
    """Observed agreement, Fleiss' κ and nominal Krippendorff's α of ratings:
    ``code[i]`` (0 … ``n_codes`` - 1) given to ``unit[i]``."""
    c = _counts(np.asarray(unit), np.asarray(code), n_codes)
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
        units, int(ratings), _figure(mean_p), _figure(fleiss), _figure(alpha)
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
    pairs = _pair_kappas(
        np.zeros(ca.size, dtype=np.int64), ca, cb, n_pairs=1, n_codes=len(values)
    )
    return _figure(pairs[2][0])


def _rater_pairs(unit: Ints, rater: Ints, code: Ints) -> tuple[Ints, Ints, Ints, Ints]:
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


def _pair_kappas(
    pair: Ints, ca: Ints, cb: Ints, *, n_pairs: int, n_codes: int
) -> tuple[Ints, Floats, Floats]:
    """Per pair of raters: shared units, observed agreement, Cohen's κ."""
    shared = np.bincount(pair, minlength=n_pairs)
    observed = _ratio(np.bincount(pair, weights=ca == cb, minlength=n_pairs), shared)
    size = n_pairs * n_codes
    margin_a = np.bincount(pair * n_codes + ca, minlength=size)
    margin_b = np.bincount(pair * n_codes + cb, minlength=size)
    both = (margin_a * margin_b).reshape(n_pairs, n_codes).sum(axis=1)
    chance = _ratio(both, shared.astype(np.float64) ** 2)
    kappa = _ratio(observed - chance, 1 - chance)
    return shared, observed, kappa


def _weighted(values: Floats, weights: Ints) -> float | None:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return None
    return float(np.average(values[ok], weights=weights[ok]))


def _pairs_and_raters(
    unit: Ints, rater: Ints, code: Ints, n_codes: int
) -> tuple[list[PairAgreement], list[RaterAgreement], float | None]:
    """Cohen's κ per pair of raters, each rater against the others, and the
    pairs' mean κ (weighted by shared units)."""
    ra, rb, ca, cb = _rater_pairs(unit, rater, code)
    n_raters = int(rater.max()) + 1 if rater.size else 0
    keys, pair = np.unique(ra * n_raters + rb, return_inverse=True)
    shared, observed, kappa = _pair_kappas(
        pair, ca, cb, n_pairs=keys.size, n_codes=n_codes
    )
    a, b = keys // max(n_raters, 1), keys % max(n_raters, 1)
    pairs = [
        PairAgreement(
            int(a[k]),
            int(b[k]),
            int(shared[k]),
            _figure(observed[k]),
            _figure(kappa[k]),
        )
        for k in range(keys.size)
    ]
    raters = []
    for r in np.unique(np.r_[a, b]):
        mine = (a == r) | (b == r)
        raters.append(
            RaterAgreement(
                int(r),
                int(shared[mine].sum()),
                _weighted(observed[mine], shared[mine]),
                _weighted(kappa[mine], shared[mine]),
            )
        )
    return pairs, raters, _weighted(kappa, shared)


def _binary_by_group(
    units: Floats, ratings: Floats, sums: dict[str, Floats]
) -> tuple[Floats, Floats]:
    """Fleiss' κ and α of yes/no ratings, for many groups at once.

    ``units`` and ``ratings`` are each group's pairable units and their
    ratings; ``sums`` the group's sums over units of x/(m-1), x²/(m-1),
    m·x/(m-1) and x²/(m(m-1)), x being a unit's yes ratings and m its ratings.
    Expanding the two-category formulas over x = 0 and m - x gives these.
    """
    yes = sums["x"]
    mean_p = 1 + 2 * _ratio(sums["x2_mm1"] - sums["x_m1"], units)
    share = _ratio(yes, ratings)
    chance = share**2 + (1 - share) ** 2
    fleiss = _ratio(mean_p - chance, 1 - chance)
    diagonal = ratings + 2 * sums["x2_m1"] - 2 * sums["mx_m1"]
    expected = ratings**2 - yes**2 - (ratings - yes) ** 2
    alpha = 1 - _ratio((ratings - 1) * (ratings - diagonal), expected)
    return fleiss, alpha


def _group_sums(x: Floats, m: Floats, group: Ints, n_groups: int) -> dict[str, Floats]:
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


def _coded(
    items: Sequence[int] | Ints, raters: Sequence[int] | Ints
) -> tuple[Ints, Ints]:
    return np.asarray(items, dtype=np.int64), np.asarray(raters, dtype=np.int64)


def single_label_agreement(
    items: Sequence[int] | Ints,
    raters: Sequence[int] | Ints,
    values: Sequence[Any],
    labels: Sequence[str],
) -> Agreement:
    """Agreement of one label per item (``values[i]`` given to ``items[i]`` by
    ``raters[i]``, a rater index from 0). A value not in ``labels`` (a label
    retired since) is a category of its own."""
    item, rater = _coded(items, raters)
    index = {label: i for i, label in enumerate(labels)}
    names = list(labels)
    for value in values:
        if value not in index:
            index[value] = len(names)
            names.append(str(value))
    code = np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    n_codes = max(len(names), 1)
    figures = categorical_figures(item, code, n_codes)
    pairs, per_rater, mean_kappa = _pairs_and_raters(item, rater, code, n_codes)
    c = _counts(item, code, n_codes)
    sums = _group_sums(c.pair_count, c.m[c.pair_unit], c.pair_code, n_codes)
    units = np.full(n_codes, float(c.m.size))
    ratings = np.full(n_codes, float(c.m.sum()))
    fleiss, alpha = _binary_by_group(units, ratings, sums)
    per_label = [
        LabelAgreement(
            names[k], int(sums["x"][k]), _figure(fleiss[k]), _figure(alpha[k])
        )
        for k in range(len(names))
    ]
    return Agreement(
        measure="single_label",
        items=figures.units,
        ratings=figures.ratings,
        observed=figures.observed,
        fleiss_kappa=figures.fleiss_kappa,
        krippendorff_alpha=figures.krippendorff_alpha,
        mean_pair_kappa=mean_kappa,
        pairs=pairs,
        labels=per_label,
        raters=per_rater,
    )


def label_set_agreement(
    items: Sequence[int] | Ints,
    raters: Sequence[int] | Ints,
    values: Sequence[Any],
    labels: Sequence[str],
) -> Agreement:
    """Agreement of label sets: each (item, label) a yes/no decision; the
    project's figures pool them, each label's are its own decisions."""
    item, rater = _coded(items, raters)
    n_labels = len(labels)
    index = {label: i for i, label in enumerate(labels)}
    chosen = np.zeros((len(values), max(n_labels, 1)), dtype=np.int64)
    for row, value in enumerate(values):
        for label in value or ():
            if label in index:
                chosen[row, index[label]] = 1
    item_row = np.unique(item, return_inverse=True)[1]
    unit = (item_row[:, None] * n_labels + np.arange(n_labels)).ravel()
    code = chosen[:, :n_labels].ravel()
    unit_rater = np.repeat(rater, n_labels)
    figures = categorical_figures(unit, code, 2)
    pairs, per_rater, mean_kappa = _pairs_and_raters(unit, unit_rater, code, 2)
    c = _counts(unit, code, 2)
    group_of_unit = c.units % max(n_labels, 1)
    yes = np.zeros(c.m.size)
    is_yes = c.pair_code == 1
    yes[c.pair_unit[is_yes]] = c.pair_count[is_yes]
    sums = _group_sums(yes, c.m, group_of_unit, n_labels)
    units = np.bincount(group_of_unit, minlength=n_labels).astype(np.float64)
    ratings = np.bincount(group_of_unit, weights=c.m, minlength=n_labels).astype(
        np.float64
    )
    fleiss, alpha = _binary_by_group(units, ratings, sums)
    per_label = [
        LabelAgreement(
            labels[k], int(chosen[:, k].sum()), _figure(fleiss[k]), _figure(alpha[k])
        )
        for k in range(n_labels)
    ]
    pairable_items = np.bincount(item_row) >= 2
    return Agreement(
        measure="label_set",
        items=int(pairable_items.sum()),
        ratings=int(pairable_items[item_row].sum()),
        observed=figures.observed,
        fleiss_kappa=figures.fleiss_kappa,
        krippendorff_alpha=figures.krippendorff_alpha,
        mean_pair_kappa=mean_kappa,
        pairs=pairs,
        labels=per_label,
        raters=per_rater,
    )


#: A measure family: (items, raters, values, labels) -> Agreement.
Measure = Callable[[Any, Any, Sequence[Any], Sequence[str]], Agreement]


def _object_measure(name: str) -> Measure:
    def measure(
        items: Any, raters: Any, values: Sequence[Any], labels: Sequence[str]
    ) -> Agreement:
        # Here, not at import: only projects of these kinds need it.
        from activelabel.quality.object_agreement import object_agreement

        return object_agreement(name, items, raters, values, labels)

    return measure


#: The measure families, by the name a task adapter gives (``adapter.agreement``).
MEASURES: Final[dict[str, Measure]] = {
    "single_label": single_label_agreement,
    "label_set": label_set_agreement,
    "exact_spans": _object_measure("exact_spans"),
    "matched_boxes": _object_measure("matched_boxes"),
}


def measure_agreement(
    measure: str,
    items: Sequence[int] | Ints,
    raters: Sequence[int] | Ints,
    values: Sequence[Any],
    labels: Sequence[str],
) -> Agreement:
    """The agreement of labels by the family ``measure`` (a key of :data:`MEASURES`)."""
    return MEASURES[measure](items, raters, values, labels)
