"""Batch-aware uncertainty sampling: uncertain rows spread over clusters.

Taking the top ``batch_size`` by uncertainty often returns near-duplicates: the
same confusing item in ten spellings. Following Zhdanov (2019), "Diverse
mini-batch active learning", this strategy keeps the ``beta × batch_size`` most
uncertain rows, clusters them into ``batch_size`` groups with k-means weighted
by uncertainty, and takes the most uncertain row of each group.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans

from activelabel.al._base import (
    FloatArray,
    IntArray,
    PoolContext,
    QueryStrategy,
    is_fitted,
)
from activelabel.al._uncertainty import uncertainty_chunks
from activelabel.al._validation import (
    check_int,
    check_one_of,
    check_random_state,
)
from activelabel.al.scores import UNCERTAINTY_METHODS
from activelabel.al.selection import TopKAccumulator

__all__ = ["DiverseUncertaintySampling", "pick_per_cluster"]


def _dense_used_columns(features: Any) -> FloatArray:
    """The rows as a dense array, without columns that are zero in every row.

    All-zero columns change no distance, so k-means gives the same clusters,
    while 100 rows of a sparse TF-IDF matrix shrink from ~10⁵ to ~10³ columns.
    """
    if sp.issparse(features):
        csr = sp.csr_matrix(features)
        used = np.unique(csr.indices)
        return np.asarray(csr[:, used].toarray())
    return np.asarray(features)


def pick_per_cluster(
    features: Any,
    weights: FloatArray,
    n_clusters: int,
    *,
    random_state: int,
) -> IntArray:
    """One row per k-means cluster: the heaviest row of each (positions).

    ``weights`` both weight the k-means objective and choose the row inside a
    cluster; with uniform weights the row nearest the centroid is chosen.
    """
    n = features.shape[0]
    if n <= n_clusters:
        return np.arange(n, dtype=np.intp)
    dense = _dense_used_columns(features)
    km = KMeans(n_clusters=n_clusters, n_init=1, random_state=random_state)
    with warnings.catch_warnings():
        # Duplicate rows can leave fewer distinct points than clusters.
        warnings.simplefilter("ignore")
        labels = km.fit_predict(dense, sample_weight=np.maximum(weights, 1e-6))
    dist = np.linalg.norm(dense - km.cluster_centers_[labels], axis=1)
    # Prefer the heaviest row; among equal weights the one nearest the centroid.
    order = np.lexsort((dist, -weights))
    picked: list[int] = []
    seen: set[int] = set()
    for pos in order:
        if labels[pos] not in seen:
            seen.add(int(labels[pos]))
            picked.append(int(pos))
    # Empty clusters (duplicates) are filled with the next best rows.
    for pos in order:
        if len(picked) >= n_clusters:
            break
        if int(pos) not in picked:
            picked.append(int(pos))
    return np.asarray(picked[:n_clusters], dtype=np.intp)


class DiverseUncertaintySampling(QueryStrategy):
    """Uncertain rows, one per cluster, so a batch is not near-duplicates.

    Parameters
    ----------
    method : {"margin", "least_confidence", "entropy"}, default="margin"
        Uncertainty measure used to pre-select and weight rows.
    beta : int, default=10
        Pre-select ``beta × batch_size`` most uncertain rows before clustering
        (>= 1; 1 means plain uncertainty sampling).
    random_state : int, numpy Generator or None, default=None
        Seeds k-means, ties, and the cold-start batch.

    Notes
    -----
    With ``batch_size=1`` this is uncertainty sampling. With no fitted model
    the batch is uniformly random (cold start).
    """

    def __init__(
        self, method: str = "margin", beta: int = 10, *, random_state: Any = None
    ) -> None:
        self.method = method
        self.beta = beta
        self.random_state = random_state

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_one_of(
            self.method, name="method", owner=owner, allowed=UNCERTAINTY_METHODS
        )
        check_int(self.beta, name="beta", owner=owner, minimum=1)
        check_random_state(self.random_state, owner=owner)

    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        if not is_fitted(ctx.estimator):
            return ctx.select_uniform()
        wanted = ctx.batch_size
        pre_size = wanted * self.beta
        acc = TopKAccumulator(pre_size, random_state=ctx.rng)
        full = (
            np.full(ctx.n_samples, np.nan, dtype=np.float32)
            if ctx.return_scores
            else None
        )
        for offset, positions, scores in uncertainty_chunks(ctx, self.method):
            scores = np.asarray(scores, dtype=np.float32)
            idx = (
                np.arange(offset, offset + scores.shape[0])
                if positions is None
                else positions
            )
            done = ctx.labeled[idx]
            if done.any():
                scores = scores.copy()
                scores[done] = np.nan
            acc.add(scores, index=idx)
            if full is not None:
                full[idx] = scores
        top, top_scores = acc.result()
        if wanted == 1 or top.size <= wanted:
            return top[:wanted], full
        seed = int(ctx.rng.integers(2**31 - 1))
        chosen = pick_per_cluster(
            ctx.X[top], top_scores.astype(float), wanted, random_state=seed
        )
        picked = top[chosen]
        order = np.argsort(-top_scores[chosen], kind="stable")
        return picked[order], full
