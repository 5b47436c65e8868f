"""Uncertainty sampling: least confidence, smallest margin, normalized entropy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from activelabel.al._base import (
    FloatArray,
    IntArray,
    PoolContext,
    QueryStrategy,
    is_fitted,
)
from activelabel.al._validation import check_one_of, check_random_state
from activelabel.al.scores import UNCERTAINTY_METHODS
from activelabel.al.scores import uncertainty_chunks as _scored_chunks

__all__ = ["UncertaintySampling", "uncertainty_chunks"]


def uncertainty_chunks(
    ctx: PoolContext, method: str
) -> Iterator[tuple[int, IntArray | None, FloatArray]]:
    """Uncertainty scores of the pool, chunk by chunk, from the fitted model
    (see :func:`activelabel.al.scores.uncertainty_chunks`)."""
    rows = None if ctx.candidates is None else ctx.pool_positions()
    yield from _scored_chunks(
        ctx.estimator, ctx.X, method=method, chunk_size=ctx.chunk_size, rows=rows
    )


class UncertaintySampling(QueryStrategy):
    """Pick the rows the model is least sure about.

    Parameters
    ----------
    method : {"margin", "least_confidence", "entropy"}, default="margin"
        The measure (see :mod:`activelabel.al.scores`); all lie in [0, 1].
        With two classes all three give the same ranking.
    random_state : int, numpy Generator or None, default=None
        Breaks ties, and picks the cold-start batch.

    Notes
    -----
    With no fitted ``estimator`` every row scores the same, so the batch is
    uniformly random (cold start).
    """

    def __init__(self, method: str = "margin", *, random_state: Any = None) -> None:
        self.method = method
        self.random_state = random_state

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_one_of(
            self.method, name="method", owner=owner, allowed=UNCERTAINTY_METHODS
        )
        check_random_state(self.random_state, owner=owner)

    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        if not is_fitted(ctx.estimator):
            return ctx.select_uniform()
        return ctx.select_streamed(uncertainty_chunks(ctx, self.method))
