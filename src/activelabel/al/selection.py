"""Pick the top of a pool by score, in O(N), with a fair random tie-break.

Selection never sorts the pool: :func:`numpy.argpartition` finds the top
``batch_size`` in linear time, and only the selected few are sorted. Ties at the
boundary are broken uniformly at random (a pool of equal scores, as at cold
start, gives a random batch, not the first rows). :class:`TopKAccumulator` merges
the top of each chunk so a pool of any size can be scored one chunk at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from activelabel.al._validation import check_batch_size, check_random_state

__all__ = ["TopKAccumulator", "select_batch"]

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.intp]


def _top_of(
    scores: FloatArray, k: int, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """Positions and tie keys of the ``k`` best finite scores of one chunk."""
    finite = np.isfinite(scores)
    if not finite.all():
        scores = np.where(finite, scores, -np.inf)
    n_valid = int(finite.sum())
    k = min(k, n_valid)
    if k == 0:
        return np.empty(0, dtype=np.intp), np.empty(0)
    if k < scores.shape[0]:
        part = np.argpartition(scores, -k)[-k:]
        kth = scores[part].min()
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        need = k - above.size
        if tied.size > need:
            # Uniform keys: the same rule as the cross-chunk merge, so the
            # tie-break is uniform over the whole pool, not per chunk.
            keys = rng.random(tied.size)
            tied = tied[np.argpartition(-keys, need - 1)[:need]] if need else tied[:0]
        chosen = np.concatenate([above, tied])
    else:
        chosen = np.flatnonzero(np.isfinite(scores))
    return chosen.astype(np.intp), rng.random(chosen.size)


class TopKAccumulator:
    """Keep the best ``batch_size`` (score, position) pairs seen over many chunks.

    Memory is O(batch_size) whatever the pool size: each chunk is reduced to its
    own top ``batch_size`` and merged with the running best.
    """

    def __init__(self, batch_size: int, *, random_state: Any = None) -> None:
        self.batch_size = check_batch_size(batch_size, owner="TopKAccumulator")
        self._rng = check_random_state(random_state, owner="TopKAccumulator")
        self._scores: FloatArray = np.empty(0)
        self._index: IntArray = np.empty(0, dtype=np.intp)
        self._keys: FloatArray = np.empty(0)

    def add(self, scores: FloatArray, *, offset: int = 0, index: Any = None) -> None:
        """Merge one chunk; its positions are ``offset + i`` or ``index[i]``."""
        scores = np.asarray(scores)
        local, keys = _top_of(scores, self.batch_size, self._rng)
        if local.size == 0:
            return
        pos = np.asarray(index)[local] if index is not None else local + offset
        all_scores = np.concatenate([self._scores, scores[local].astype(float)])
        all_index = np.concatenate([self._index, pos.astype(np.intp)])
        all_keys = np.concatenate([self._keys, keys])
        # At most 2 * batch_size rows here, so a lexsort is cheap.
        order = np.lexsort((-all_keys, -all_scores))[: self.batch_size]
        self._scores = all_scores[order]
        self._index = all_index[order]
        self._keys = all_keys[order]

    def result(self) -> tuple[IntArray, FloatArray]:
        """Positions and scores of the best rows, best first."""
        return self._index.copy(), self._scores.copy()


def select_batch(
    scores: Any, *, batch_size: int = 1, random_state: Any = None
) -> IntArray:
    """Return the positions of the ``batch_size`` highest scores, best first.

    NaN and -inf mark rows that must not be picked (labeled, not candidates).
    Fewer positions come back when fewer rows are pickable. Ties are broken
    uniformly at random with ``random_state``.
    """
    acc = TopKAccumulator(batch_size, random_state=random_state)
    acc.add(np.asarray(scores, dtype=float))
    return acc.result()[0]
