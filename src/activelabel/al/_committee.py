"""Query by committee: a bagged committee votes; disagreement is uncertainty."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.base import clone

from activelabel.al._base import FloatArray, IntArray, PoolContext, QueryStrategy
from activelabel.al._validation import (
    check_int,
    check_one_of,
    check_random_state,
)
from activelabel.al.scores import kl_divergence_scores, vote_entropy_scores
from activelabel.ml.fast_scoring import iter_chunks
from activelabel.ml.training import fit_quietly, make_estimator

__all__ = ["QueryByCommittee"]

_METHODS = ("vote_entropy", "kl_divergence")


class QueryByCommittee(QueryStrategy):
    """Pick the rows a committee of bagged models disagrees on most.

    Each member is a clone of ``estimator`` (the default logistic regression
    when none is given) fitted on a bootstrap sample of the labeled rows.

    Parameters
    ----------
    n_members : int, default=5
        Committee size (>= 2).
    method : {"vote_entropy", "kl_divergence"}, default="vote_entropy"
        Entropy of the hard votes (normalized to [0, 1]), or the mean KL
        divergence of each member's probabilities from the consensus.
    random_state : int, numpy Generator or None, default=None
        Seeds the bootstrap samples and ties.

    Notes
    -----
    With fewer than two labeled classes no committee can be trained; the batch
    is then uniformly random (cold start).
    """

    def __init__(
        self,
        n_members: int = 5,
        method: str = "vote_entropy",
        *,
        random_state: Any = None,
    ) -> None:
        self.n_members = n_members
        self.method = method
        self.random_state = random_state

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_int(self.n_members, name="n_members", owner=owner, minimum=2)
        check_one_of(self.method, name="method", owner=owner, allowed=_METHODS)
        check_random_state(self.random_state, owner=owner)

    def _committee(self, ctx: PoolContext) -> tuple[list[Any], np.ndarray[Any, Any]]:
        rows = np.flatnonzero(ctx.labeled)
        y = np.asarray(ctx.y, dtype=object)[rows]
        classes = np.unique(y.astype(str)) if y.size else np.empty(0)
        base = ctx.estimator if ctx.estimator is not None else make_estimator()
        members = []
        for _ in range(self.n_members):
            # Redraw a bootstrap that misses a class: a member must know them all.
            for _attempt in range(10):
                sample = ctx.rng.choice(rows, size=rows.size, replace=True)
                if np.unique(y[np.searchsorted(rows, sample)].astype(str)).size == (
                    classes.size
                ):
                    break
            else:
                sample = rows
            ys = np.asarray(ctx.y, dtype=object)[sample].astype(str)
            members.append(fit_quietly(clone(base), ctx.X[sample], ys))
        return members, classes

    def _chunks(
        self, ctx: PoolContext, members: list[Any], classes: np.ndarray[Any, Any]
    ) -> Iterator[tuple[int, IntArray | None, FloatArray]]:
        rows = None if ctx.candidates is None else ctx.pool_positions()
        for selector, positions, offset in iter_chunks(
            ctx.n_samples, chunk_size=ctx.chunk_size, rows=rows
        ):
            block = ctx.X[selector]
            if self.method == "vote_entropy":
                votes = np.stack(
                    [np.searchsorted(classes, m.predict(block)) for m in members]
                )
                yield (
                    offset,
                    positions,
                    vote_entropy_scores(votes, n_classes=classes.size),
                )
            else:
                proba = np.zeros((len(members), block.shape[0], classes.size))
                for i, m in enumerate(members):
                    cols = np.searchsorted(classes, m.classes_)
                    proba[i][:, cols] = m.predict_proba(block)
                yield offset, positions, kl_divergence_scores(proba)

    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        y = np.asarray(ctx.y, dtype=object)[ctx.labeled]
        if np.unique(y.astype(str)).size < 2:
            return ctx.select_uniform()
        members, classes = self._committee(ctx)
        return ctx.select_streamed(self._chunks(ctx, members, classes))
