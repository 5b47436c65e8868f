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
from activelabel.al.scores import UNCERTAINTY_METHODS, uncertainty_scores
from activelabel.ml.fast_scoring import (
    is_fast_linear,
    linear_uncertainty_chunks,
    predict_proba_chunks,
)

__all__ = ["UncertaintySampling", "uncertainty_chunks"]


def uncertainty_chunks(
    ctx: PoolContext, method: str
) -> Iterator[tuple[int, IntArray | None, FloatArray]]:
    """Uncertainty scores of the pool, chunk by chunk, from the fitted model.

    A logistic regression is scored straight from its coefficients in float32
    (:mod:`activelabel.ml.fast_scoring`); any other model via ``predict_proba``.
    """
    rows = None if ctx.candidates is None else ctx.pool_positions()
    if is_fast_linear(ctx.estimator):
        yield from linear_uncertainty_chunks(
            ctx.estimator, ctx.X, method=method, chunk_size=ctx.chunk_size, rows=rows
        )
        return
    for offset, positions, proba in predict_proba_chunks(
        ctx.estimator, ctx.X, chunk_size=ctx.chunk_size, rows=rows
    ):
        yield offset, positions, uncertainty_scores(proba, method=method)


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
