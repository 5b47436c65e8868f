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

from activelabel.quality.kappa import (
    CategoricalFigures,
    Ints,
    binary_by_group,
    categorical_figures,
    cohen_kappa,
    figure,
    fleiss_kappa,
    group_sums,
    krippendorff_alpha,
    pair_kappas,
    rater_pairs,
    unit_counts,
    weighted_mean,
)

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


def _pairs_and_raters(
    unit: Ints, rater: Ints, code: Ints, n_codes: int
) -> tuple[list[PairAgreement], list[RaterAgreement], float | None]:
    """Cohen's κ per pair of raters, each rater against the others, and the
    pairs' mean κ (weighted by shared units)."""
    ra, rb, ca, cb = rater_pairs(unit, rater, code)
    n_raters = int(rater.max()) + 1 if rater.size else 0
    keys, pair = np.unique(ra * n_raters + rb, return_inverse=True)
    shared, observed, kappa = pair_kappas(
        pair, ca, cb, n_pairs=keys.size, n_codes=n_codes
    )
    a, b = keys // max(n_raters, 1), keys % max(n_raters, 1)
    pairs = [
        PairAgreement(
            int(a[k]),
            int(b[k]),
            int(shared[k]),
            figure(observed[k]),
            figure(kappa[k]),
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
                weighted_mean(observed[mine], shared[mine]),
                weighted_mean(kappa[mine], shared[mine]),
            )
        )
    return pairs, raters, weighted_mean(kappa, shared)


def _categorical_agreement(
    measure: str,
    unit: Ints,
    rater: Ints,
    code: Ints,
    n_codes: int,
    per_label: list[LabelAgreement],
    *,
    items: int | None = None,
    ratings: int | None = None,
) -> Agreement:
    """The figures of coded ratings (``code[i]`` of ``unit[i]`` by ``rater[i]``):
    the pooled ones, Cohen's κ per pair and per rater, beside ``per_label``.
    ``items`` and ``ratings`` default to the units and ratings that count."""
    figures = categorical_figures(unit, code, n_codes)
    pairs, per_rater, mean_kappa = _pairs_and_raters(unit, rater, code, n_codes)
    return Agreement(
        measure=measure,
        items=figures.units if items is None else items,
        ratings=figures.ratings if ratings is None else ratings,
        observed=figures.observed,
        fleiss_kappa=figures.fleiss_kappa,
        krippendorff_alpha=figures.krippendorff_alpha,
        mean_pair_kappa=mean_kappa,
        pairs=pairs,
        labels=per_label,
        raters=per_rater,
    )


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
    c = unit_counts(item, code, n_codes)
    sums = group_sums(c.pair_count, c.m[c.pair_unit], c.pair_code, n_codes)
    units = np.full(n_codes, float(c.m.size))
    ratings = np.full(n_codes, float(c.m.sum()))
    fleiss, alpha = binary_by_group(units, ratings, sums)
    per_label = [
        LabelAgreement(names[k], int(sums["x"][k]), figure(fleiss[k]), figure(alpha[k]))
        for k in range(len(names))
    ]
    return _categorical_agreement("single_label", item, rater, code, n_codes, per_label)


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
    c = unit_counts(unit, code, 2)
    group_of_unit = c.units % max(n_labels, 1)
    yes = np.zeros(c.m.size)
    is_yes = c.pair_code == 1
    yes[c.pair_unit[is_yes]] = c.pair_count[is_yes]
    sums = group_sums(yes, c.m, group_of_unit, n_labels)
    units = np.bincount(group_of_unit, minlength=n_labels).astype(np.float64)
    ratings = np.bincount(group_of_unit, weights=c.m, minlength=n_labels).astype(
        np.float64
    )
    fleiss, alpha = binary_by_group(units, ratings, sums)
    per_label = [
        LabelAgreement(
            labels[k], int(chosen[:, k].sum()), figure(fleiss[k]), figure(alpha[k])
        )
        for k in range(n_labels)
    ]
    pairable_items = np.bincount(item_row) >= 2
    return _categorical_agreement(
        "label_set",
        unit,
        unit_rater,
        code,
        2,
        per_label,
        # The units are (item, label) decisions; the figures count items.
        items=int(pairable_items.sum()),
        ratings=int(pairable_items[item_row].sum()),
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
