"""Fit a project's label model on its label matrix: each label's probability per item.

Two ways to read the votes, picked by what the project's model learns
(the loop's table in :mod:`activelabel.loop.weak_labels`):

* :func:`fit_one_of_labels` (one label per item): one
  :class:`~activelabel.weak.label_model.DawidSkene` over every label, the
  labels exclusive, rows summing to 1.
* :func:`fit_each_label` (a set of labels per item): one binary model per
  label, its functions' "voted this label" against abstaining; the other
  labels' votes say nothing about this one. A label no function votes gets
  probability 0 (no evidence), and fits are skipped for it, so a schema of
  400 labels with rules for 20 costs 20 fits.

Both also give majority vote's answer over the same items (the baseline the
statistics report beside the model), and both fit over the whole pool: the
items no function voted on are one more vote pattern (every function
abstained), which is what tells a model how rarely a function fires on the
labels it does not name. Only items with at least one vote are returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from activelabel.weak.label_matrix import LabelMatrix
from activelabel.weak.label_model import DawidSkene, MajorityVote, VotePatterns

__all__ = ["LABEL_MODEL_NAME", "WeakProba", "fit_each_label", "fit_one_of_labels"]

#: The name stored with each weak label (``weak_labels.label_model``).
LABEL_MODEL_NAME = "dawid_skene"

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class WeakProba:
    """Each label's probability for every item with a vote.

    ``item_ids`` are the matrix's (increasing); ``proba`` the label model's
    and ``majority`` majority vote's, one column per label of ``labels``.
    """

    item_ids: np.ndarray[Any, np.dtype[np.int64]]
    labels: tuple[str, ...]
    proba: FloatArray
    majority: FloatArray
    #: Each function's estimated accuracy when it votes (by name).
    accuracies: dict[str, float]


def _with_silent_items(
    patterns: VotePatterns, n_silent: int, n_functions: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Patterns and counts with the pool's items without a vote added as one row."""
    if n_silent <= 0:
        return patterns.patterns, patterns.counts
    silent = np.full((1, n_functions), -1, dtype=np.int32)
    return (
        np.concatenate([patterns.patterns, silent]),
        np.concatenate([patterns.counts, [float(n_silent)]]),
    )


def _one_hot(labels: np.ndarray[Any, Any], k: int) -> FloatArray:
    """Majority vote's label (ties broken as :class:`MajorityVote` breaks them)
    as a row with 1 in its column."""
    rows = np.zeros((len(labels), k))
    voted = labels >= 0
    rows[np.flatnonzero(voted), labels[voted]] = 1.0
    return rows


def fit_one_of_labels(matrix: LabelMatrix, pool_size: int) -> WeakProba:
    """One model over the labels (exclusive), fitted on a pool of ``pool_size``
    items of which the matrix's have votes."""
    k = max(len(matrix.labels), 1)
    votes = matrix.dense()
    mv = MajorityVote(k)
    patterns = VotePatterns.of(votes, k)
    fit_rows, counts = _with_silent_items(
        patterns, pool_size - matrix.n_items, len(matrix.functions)
    )
    model = DawidSkene(k).fit_patterns(fit_rows, counts)
    proba = model.predict_proba_patterns(patterns.patterns)[patterns.inverse]
    return WeakProba(
        item_ids=matrix.item_ids,
        labels=matrix.labels,
        proba=proba,
        majority=_one_hot(mv.predict(votes), k),
        accuracies=dict(
            zip(matrix.functions, (float(a) for a in model.accuracies_), strict=True)
        ),
    )


def fit_each_label(matrix: LabelMatrix, pool_size: int) -> WeakProba:
    """One yes/no model per label that some function votes."""
    n, k = matrix.n_items, len(matrix.labels)
    proba = np.zeros((n, k))
    majority = np.zeros((n, k))
    accuracies: dict[str, list[float]] = {}
    for index in range(k):
        chosen = matrix.values == index
        if not chosen.any():
            continue
        columns = np.unique(matrix.columns[chosen])
        # "Voted this label" (1) or abstained (-1): other labels say nothing.
        votes = np.full((n, len(columns)), -1, dtype=np.int32)
        votes[matrix.rows[chosen], np.searchsorted(columns, matrix.columns[chosen])] = 1
        patterns = VotePatterns.of(votes, 2)
        fit_rows, counts = _with_silent_items(patterns, pool_size - n, len(columns))
        model = DawidSkene(2).fit_patterns(
            fit_rows, counts, silent_start=np.array([1.0, 0.0])
        )
        proba[:, index] = model.predict_proba_patterns(patterns.patterns)[
            patterns.inverse, 1
        ]
        majority[:, index] = (votes >= 0).any(axis=1)
        for column, accuracy in zip(columns, model.accuracies_, strict=True):
            accuracies.setdefault(matrix.functions[int(column)], []).append(
                float(accuracy)
            )
    return WeakProba(
        item_ids=matrix.item_ids,
        labels=matrix.labels,
        proba=proba,
        majority=majority,
        accuracies={name: float(np.mean(a)) for name, a in accuracies.items()},
    )
