"""Statistics of labeling functions, as Snorkel's ``LFAnalysis`` reports them.

Per function, over a pool of ``pool_size`` items:

* **coverage**: the share of the pool it voted on;
* **overlap**: the share of the pool it voted on where another function
  voted too;
* **conflict**: the share of the pool it voted on where another function
  voted a label it did not (for a set of labels per item this counts
  compatible labels too, as Snorkel counts them: read it as "disagrees");
* **emitted**: how many items it gave each label;
* **accuracy**: among the items it voted on that a person labeled, the share
  of its votes the person's label holds, and on how many items that was
  measured (a figure from 3 items is shown as such, never alone).

Pure NumPy over a :class:`~activelabel.weak.label_matrix.LabelMatrix`; the
people's labels come in as (matrix row, label index) pairs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from activelabel.weak.label_matrix import LabelMatrix

__all__ = ["FunctionStats", "function_stats"]

IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True)
class FunctionStats:
    """What one labeling function did over the pool."""

    name: str
    coverage: float
    overlap: float
    conflict: float
    #: Items it gave each label, by label (labels it never gave are absent).
    emitted: dict[str, int]
    #: Share of its votes a person's label holds (None: no labeled item voted).
    accuracy: float | None
    #: Labeled items it voted on: what ``accuracy`` was measured on.
    n_accuracy: int

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready values."""
        return asdict(self)


def function_stats(
    matrix: LabelMatrix,
    pool_size: int,
    human_rows: IntArray,
    human_labels: IntArray,
) -> list[FunctionStats]:
    """The statistics of every function (column) of ``matrix``.

    ``human_rows`` / ``human_labels``: one pair per label a person gave an
    item of the matrix (its row, the label's index); an item with a set of
    labels has one pair per label.
    """
    m, k = len(matrix.functions), max(len(matrix.labels), 1)
    pool = max(pool_size, 1)
    rows, columns, values = matrix.rows, matrix.columns, matrix.values
    # One cell per (item, function), with how many labels it voted there.
    cell_keys, cell_votes = np.unique(rows * m + columns, return_counts=True)
    cell_rows, cell_columns = cell_keys // m, cell_keys % m
    functions_on_row = np.bincount(cell_rows, minlength=matrix.n_items)
    labels_on_row = np.bincount(
        np.unique(rows * k + values) // k, minlength=matrix.n_items
    )
    overlapping = functions_on_row[cell_rows] >= 2
    # Another function voted a label this one did not on this item.
    conflicting = labels_on_row[cell_rows] > cell_votes
    voted = np.bincount(cell_columns, minlength=m)
    overlaps = np.bincount(cell_columns[overlapping], minlength=m)
    conflicts = np.bincount(cell_columns[conflicting], minlength=m)
    emitted = np.zeros((m, k), dtype=np.int64)
    np.add.at(emitted, (columns, values), 1)

    human_keys = np.unique(
        np.asarray(human_rows, dtype=np.int64) * k
        + np.asarray(human_labels, dtype=np.int64)
    )
    labeled_rows = np.unique(human_keys // k)
    on_labeled = np.isin(rows, labeled_rows)
    right = np.isin(rows * k + values, human_keys) & on_labeled
    votes_on_labeled = np.bincount(columns[on_labeled], minlength=m)
    right_votes = np.bincount(columns[right], minlength=m)
    labeled_cells = np.isin(cell_rows, labeled_rows)
    measured_on = np.bincount(cell_columns[labeled_cells], minlength=m)

    stats = []
    for j, name in enumerate(matrix.functions):
        stats.append(
            FunctionStats(
                name=name,
                coverage=float(voted[j] / pool),
                overlap=float(overlaps[j] / pool),
                conflict=float(conflicts[j] / pool),
                emitted={
                    matrix.labels[c]: int(emitted[j, c])
                    for c in range(len(matrix.labels))
                    if emitted[j, c]
                },
                accuracy=(
                    float(right_votes[j] / votes_on_labeled[j])
                    if votes_on_labeled[j]
                    else None
                ),
                n_accuracy=int(measured_on[j]),
            )
        )
    return stats
