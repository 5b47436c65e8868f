"""The label matrix: which function voted which label for which item.

A :class:`LabelMatrix` holds every vote as three parallel arrays (item row,
function column, label index: a sparse COO matrix), over the items with at
least one vote. A label model reads it in one of two shapes:

* :meth:`LabelMatrix.dense`: an ``n_items × n_functions`` int matrix with the
  voted label's index, ``-1`` for an abstain (Snorkel's ``L``). It is what a
  single-label project's functions give: each votes at most one label per item.
* :meth:`LabelMatrix.label_votes`: for one label, an ``n_items × n_functions``
  int8 matrix with ``1`` where the function voted that label, ``0`` where it
  voted other labels only, ``-1`` where it abstained. A multilabel project's
  Python function may vote several labels for one item; a model of each
  label's yes/no reads this one label at a time (400 labels × a million items
  at once would not fit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from activelabel.exceptions import ConfigError

__all__ = ["ABSTAIN", "LabelMatrix"]

#: The value of an abstain in :meth:`LabelMatrix.dense`.
ABSTAIN = -1

IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True, eq=False)
class LabelMatrix:
    """Votes of a project's enabled labeling functions, as a sparse matrix.

    ``item_ids`` are the store's ids of the items with at least one vote, in
    increasing order; ``functions`` the functions' names (columns, in the
    order they were added); ``labels`` the project's labels. Vote ``k`` is
    function ``columns[k]`` giving label ``labels[values[k]]`` to item
    ``item_ids[rows[k]]``; votes are sorted by row, then column, then value,
    and never repeated.
    """

    item_ids: IntArray
    functions: tuple[str, ...]
    labels: tuple[str, ...]
    rows: IntArray
    columns: IntArray
    values: IntArray

    @classmethod
    def from_votes(
        cls,
        item_ids: IntArray,
        columns: IntArray,
        values: IntArray,
        *,
        functions: tuple[str, ...],
        labels: tuple[str, ...],
    ) -> LabelMatrix:
        """A matrix from one entry per vote: the item's id, function and label index.

        Votes may come in any order and repeat; items without a vote simply
        have none.
        """
        item_ids = np.asarray(item_ids, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        values = np.asarray(values, dtype=np.int64)
        if not len(item_ids) == len(columns) == len(values):
            raise ValueError("item_ids, columns and values must have one entry a vote.")
        unique_items, rows = np.unique(item_ids, return_inverse=True)
        rows = rows.reshape(-1)
        # One key per vote, sorted and deduplicated in one pass.
        n_functions, n_labels = max(len(functions), 1), max(len(labels), 1)
        keys = np.unique((rows * n_functions + columns) * n_labels + values)
        values = keys % n_labels
        cells = keys // n_labels
        return cls(
            item_ids=unique_items,
            functions=functions,
            labels=labels,
            rows=cells // n_functions,
            columns=cells % n_functions,
            values=values,
        )

    @property
    def n_items(self) -> int:
        """Items with at least one vote (the matrix's rows)."""
        return len(self.item_ids)

    @property
    def n_votes(self) -> int:
        """Votes in the matrix (a function's label for an item)."""
        return len(self.values)

    @property
    def multi_valued(self) -> bool:
        """Whether some function voted several labels for one item."""
        cells = self.rows * max(len(self.functions), 1) + self.columns
        return bool(len(cells) and (np.diff(cells) == 0).any())

    def dense(self) -> np.ndarray[Any, np.dtype[np.int32]]:
        """The ``n_items × n_functions`` matrix of label indices, -1 for an abstain.

        Raises :class:`ConfigError` naming a function that voted several
        labels for one item (read those with :meth:`label_votes`).
        """
        if self.multi_valued:
            cells = self.rows * max(len(self.functions), 1) + self.columns
            first = int(np.flatnonzero(np.diff(cells) == 0)[0])
            name = self.functions[int(self.columns[first])]
            raise ConfigError(
                f"The labeling function {name!r} voted several labels for item "
                f"{int(self.item_ids[self.rows[first]])}; a matrix of one label "
                "per function and item cannot hold that (read it label by label)."
            )
        matrix = np.full((self.n_items, len(self.functions)), ABSTAIN, dtype=np.int32)
        matrix[self.rows, self.columns] = self.values
        return matrix

    def label_votes(self, label: int | str) -> np.ndarray[Any, np.dtype[np.int8]]:
        """One label's ``n_items × n_functions`` votes: 1 for it, 0 for others only,
        -1 abstain."""
        index = self.labels.index(label) if isinstance(label, str) else int(label)
        matrix = np.full((self.n_items, len(self.functions)), -1, dtype=np.int8)
        matrix[self.rows, self.columns] = 0
        chosen = self.values == index
        matrix[self.rows[chosen], self.columns[chosen]] = 1
        return matrix
