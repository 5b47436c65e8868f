"""Candidate configurations of the default strategy, measured before shipping.

Each is a :class:`activelabel.al.QueryStrategy`; :mod:`.variants` runs them
under their own names beside the shipped default.

``HerdingStart`` spends the first labels on coverage alone: while fewer than
``warm_labels`` rows are labeled it picks greedily the rows that most raise
the coverage of a uniform sample of the data (MaxHerding, Bae et al. 2024),
whatever the model says; afterwards it is the default. With ten labels a
model's uncertainty is mostly noise, and low-budget studies (Hacohen et al.
2022) find coverage ahead of uncertainty there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from activelabel.al._base import FloatArray, IntArray, PoolContext, QueryStrategy
from activelabel.al._diversity import (
    REFERENCE_SIZE,
    DiverseUncertaintySampling,
    _Rows,
)

#: Pool rows sampled as candidates for a coverage pick.
CANDIDATES = 2_000


def herding_batch(ctx: PoolContext, size: int) -> IntArray:
    """``size`` pool rows picked greedily by coverage gain (MaxHerding)."""
    pool = ctx.pool_positions()
    if pool.size <= size:
        return pool
    cand = np.sort(ctx.rng.choice(pool, size=min(CANDIDATES, pool.size), replace=False))
    ref = ctx.rng.choice(
        ctx.n_samples, size=min(REFERENCE_SIZE, ctx.n_samples), replace=False
    )
    gamma = 1.0 / max(int(ctx.X.shape[1]), 1)
    sample = _Rows(ctx.X, ref)
    labeled = np.flatnonzero(ctx.labeled)
    nearest = (
        sample.squared_distances(_Rows(ctx.X, labeled)).min(axis=1)
        if labeled.size
        else np.full(ref.size, np.inf)
    )
    coverage = np.exp(-gamma * nearest)
    kernel = np.exp(-gamma * _Rows(ctx.X, cand).squared_distances(sample))
    picked: list[int] = []
    for _ in range(size):
        gain = np.maximum(kernel - coverage[None, :], 0.0).mean(axis=1)
        gain[picked] = -1.0
        best = int(np.argmax(gain))
        picked.append(best)
        coverage = np.maximum(coverage, kernel[best])
    return cand[np.asarray(picked, dtype=np.intp)]


class HerdingStart(QueryStrategy):
    """Coverage picks until ``warm_labels`` rows are labeled, then the default."""

    def __init__(
        self, warm_labels: int = 50, *, random_state: Any = None, **default: Any
    ) -> None:
        self.warm_labels = warm_labels
        self.random_state = random_state
        self.default = default

    def _check_params(self) -> None:
        pass

    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        if int(ctx.labeled.sum()) < self.warm_labels:
            return herding_batch(ctx, ctx.batch_size), None
        inner = DiverseUncertaintySampling(**self.default, random_state=ctx.rng)
        return inner._query(ctx)
