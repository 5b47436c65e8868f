"""Cold start: a first batch of typical and diverse items, before any model.

With no labels a model cannot say what is uncertain, and a random batch may
miss whole regions of the data (or a rare class). Clustering the pool into
``batch_size`` groups and taking the row nearest each centroid gives a batch
that covers the data (diverse) with items that look like their neighbours
(typical), as in Hacohen et al. (2022), "Active learning on a budget".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from activelabel.al._base import FloatArray, IntArray, PoolContext, QueryStrategy
from activelabel.al._diversity import pick_per_cluster
from activelabel.al._validation import check_int, check_random_state

__all__ = ["RepresentativeSampling"]


class RepresentativeSampling(QueryStrategy):
    """Pick one typical item per k-means cluster of the pool; ignores the model.

    Parameters
    ----------
    max_pool : int, default=20000
        Cluster a uniform random sample of at most this many pool rows, so the
        cost does not grow with the pool (>= 1).
    random_state : int, numpy Generator or None, default=None
        Seeds the sample and k-means.

    Notes
    -----
    The returned scores are 1 for the picked rows, 0 for the rest of the
    clustered sample, and NaN for rows that were not clustered.
    """

    def __init__(self, max_pool: int = 20_000, *, random_state: Any = None) -> None:
        self.max_pool = max_pool
        self.random_state = random_state

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_int(self.max_pool, name="max_pool", owner=owner, minimum=1)
        check_random_state(self.random_state, owner=owner)

    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        pool = ctx.pool_positions()
        if pool.size > self.max_pool:
            pool = np.sort(ctx.rng.choice(pool, size=self.max_pool, replace=False))
        if pool.size == 0:
            return np.empty(0, dtype=np.intp), (
                np.full(ctx.n_samples, np.nan, dtype=np.float32)
                if ctx.return_scores
                else None
            )
        seed = int(ctx.rng.integers(2**31 - 1))
        chosen = pick_per_cluster(
            ctx.X[pool],
            np.ones(pool.size),
            min(ctx.batch_size, pool.size),
            random_state=seed,
        )
        full = None
        if ctx.return_scores:
            full = np.full(ctx.n_samples, np.nan, dtype=np.float32)
            full[pool] = 0.0
            full[pool[chosen]] = 1.0
        return pool[chosen], full
