"""The base class every pool strategy derives from, and the shared query flow.

A strategy is a scikit-learn estimator: ``__init__`` only stores its
arguments; :meth:`QueryStrategy.query` validates them and the inputs, finds the
pool (unlabeled rows, optionally restricted to ``candidates``), asks the
subclass for scores, and selects. Scoring streams over chunks of rows so a
strategy never needs the pool's probabilities in memory at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from activelabel.al._validation import (
    check_batch_size,
    check_candidates,
    check_int,
    check_random_state,
    labeled_mask,
)
from activelabel.al.selection import TopKAccumulator
from activelabel.exceptions import ConfigError
from activelabel.ml.fast_scoring import DEFAULT_CHUNK_SIZE, iter_chunks

__all__ = ["PoolContext", "QueryStrategy", "is_fitted"]

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.intp]
QueryResult = IntArray | tuple[IntArray, FloatArray]


def is_fitted(estimator: Any) -> bool:
    """True when ``estimator`` is a fitted scikit-learn model."""
    if estimator is None:
        return False
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    except TypeError:
        return False
    return True


def n_rows(X: Any, owner: str) -> int:
    """Number of rows of ``X``; a clear error for things that are not matrices."""
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2:
        raise ConfigError(
            f"The 'X' parameter of {owner} must be a 2-d array or sparse matrix "
            f"(n_samples, n_features). Got {type(X).__name__} instead."
        )
    return int(shape[0])


@dataclass
class PoolContext:
    """Everything a strategy needs to score one query, already validated."""

    X: Any
    y: Any
    labeled: npt.NDArray[np.bool_]
    candidates: IntArray | None
    estimator: Any
    batch_size: int
    rng: np.random.Generator
    return_scores: bool
    chunk_size: int

    @property
    def n_samples(self) -> int:
        """Rows in ``X``."""
        return int(self.labeled.shape[0])

    def pool_positions(self) -> IntArray:
        """Positions that may be picked: unlabeled, and among the candidates."""
        if self.candidates is None:
            return np.flatnonzero(~self.labeled).astype(np.intp)
        cand = np.unique(self.candidates)
        return cand[~self.labeled[cand]]

    def iter_pool(self) -> Iterator[tuple[Any, IntArray | None, int]]:
        """Chunks of the pool as ``(selector, positions, offset)``."""
        return iter_chunks(
            self.n_samples,
            chunk_size=self.chunk_size,
            rows=None if self.candidates is None else np.unique(self.candidates),
        )

    def select_streamed(
        self,
        chunks: Iterator[tuple[int, IntArray | None, FloatArray]],
    ) -> tuple[IntArray, FloatArray | None]:
        """Top ``batch_size`` over scored chunks; labeled rows are skipped.

        Only the running top-k (and the full score vector if ``return_scores``)
        is kept, never the probabilities of more than one chunk.
        """
        acc = TopKAccumulator(self.batch_size, random_state=self.rng)
        full = (
            np.full(self.n_samples, np.nan, dtype=np.float32)
            if self.return_scores
            else None
        )
        for offset, positions, scores in chunks:
            scores = np.asarray(scores, dtype=np.float32)
            if positions is None:
                done = self.labeled[offset : offset + scores.shape[0]]
            else:
                done = self.labeled[positions]
            if done.any():
                scores = scores.copy()
                scores[done] = np.nan
            if positions is None:
                acc.add(scores, offset=offset)
                if full is not None:
                    full[offset : offset + scores.shape[0]] = scores
            else:
                acc.add(scores, index=positions)
                if full is not None:
                    full[positions] = scores
        return acc.result()[0], full

    def select_uniform(self) -> tuple[IntArray, FloatArray | None]:
        """A uniformly random batch from the pool (cold start, random sampling)."""
        pool = self.pool_positions()
        k = min(self.batch_size, pool.shape[0])
        picked = self.rng.choice(pool, size=k, replace=False).astype(np.intp)
        full = None
        if self.return_scores:
            full = np.full(self.n_samples, np.nan, dtype=np.float32)
            full[pool] = 1.0
        return picked, full


class QueryStrategy(BaseEstimator, ABC):  # type: ignore[misc]
    """Base of pool-based strategies: one ``query`` signature for all.

    Subclasses implement :meth:`_query` and :meth:`_check_params`; they never
    override :meth:`query`, so every strategy validates and selects the same way.
    """

    #: Rows scored per chunk; large pools are streamed in pieces of this size.
    chunk_size: int = DEFAULT_CHUNK_SIZE

    def query(
        self,
        X: Any,
        y: Any,
        *,
        estimator: Any = None,
        candidates: Any = None,
        batch_size: int = 1,
        return_scores: bool = False,
    ) -> QueryResult:
        """Pick the next ``batch_size`` rows of ``X`` to label, best first.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Features of every item, labeled or not.
        y : array-like of shape (n_samples,)
            Labels, with :data:`~activelabel.al.MISSING_LABEL` (NaN) or None
            for unlabeled rows.
        estimator : classifier, optional
            The model trained on the labeled rows. When it is missing or not
            fitted yet, model-based strategies fall back to a uniform random
            batch (cold start), as documented for each strategy.
        candidates : array-like of int, optional
            Restrict the choice to these positions of ``X``.
        batch_size : int, default=1
            How many rows to return. Fewer come back if the pool is smaller.
        return_scores : bool, default=False
            Also return a float array of shape (n_samples,): each row's score,
            NaN for rows that were not scored (labeled, not candidates).

        Returns
        -------
        indices : ndarray of int, shape (<= batch_size,)
            Positions in ``X``; the caller maps them to item ids.
        scores : ndarray of float, shape (n_samples,)
            Only with ``return_scores=True``.
        """
        owner = type(self).__name__
        self._check_params()
        batch_size = check_batch_size(batch_size, owner=owner)
        if not isinstance(return_scores, bool | np.bool_):
            raise ConfigError(
                f"The 'return_scores' parameter of {owner}.query must be a bool. "
                f"Got {return_scores!r} instead."
            )
        n = n_rows(X, owner)
        ctx = PoolContext(
            X=X,
            y=y,
            labeled=labeled_mask(y, n_samples=n, owner=owner),
            candidates=check_candidates(candidates, n_samples=n, owner=owner),
            estimator=estimator,
            batch_size=batch_size,
            rng=check_random_state(getattr(self, "random_state", None), owner=owner),
            return_scores=bool(return_scores),
            chunk_size=check_int(
                self.chunk_size, name="chunk_size", owner=owner, minimum=1
            ),
        )
        indices, scores = self._query(ctx)
        indices = np.asarray(indices, dtype=np.intp)
        if return_scores:
            assert scores is not None
            return indices, scores
        return indices

    @abstractmethod
    def _check_params(self) -> None:
        """Validate constructor arguments (sklearn style: at use, not at init)."""

    @abstractmethod
    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        """Return selected positions and, if ``ctx.return_scores``, all scores."""


ScoreChunks = Callable[[PoolContext], Iterator[tuple[int, IntArray | None, FloatArray]]]
