"""Batch-aware uncertainty sampling: uncertain rows on new ground, one per cluster.

Taking the top ``batch_size`` by uncertainty often returns near-duplicates: the
same confusing item in ten spellings. Following Zhdanov (2019), "Diverse
mini-batch active learning", this strategy keeps the ``beta × batch_size`` most
uncertain rows, clusters them into ``batch_size`` groups with weighted k-means,
and takes the heaviest row of each group.

The weight is the uncertainty times the row's coverage gain: how much more of
a uniform sample of the data would resemble a labeled row if this one were
labeled (MaxHerding's utility, Bae et al. 2024). An uncertain outlier covers
little; an uncertain row in a dense region that no label is near yet covers
much. Combining the two is the idea of Uncertainty Herding (Bae et al. 2025).
How much the coverage gain counts follows the model ("adaptive_coverage"):
the gain counts fully while the model's mean uncertainty on the sample is at
least one half, and fades in proportion below. While the model is unsure
across the data (few labels, a hard problem) new ground matters; once it is
sure almost everywhere, only the boundary is left to learn, and the weight
tends to the uncertainty alone (Zhdanov's weighting), as Uncertainty Herding
moves from coverage to uncertainty as the budget grows. On an easy problem
the full gain keeps pulling the batch off the boundary after the model has
settled.

The earlier weights stay available: the full coverage gain ("coverage"), and
typicality (the inverse mean distance to the nearest rows of the sample;
"information density", Settles & Craven 2008; Hacohen et al. 2022), which
favours dense regions whether or not labels are already there.
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
from activelabel.al.scores import UNCERTAINTY_METHODS, uncertainty_scores
from activelabel.al.selection import TopKAccumulator
from activelabel.exceptions import ConfigError

__all__ = [
    "DiverseUncertaintySampling",
    "blend_by_uncertainty",
    "coverage_gain",
    "pick_per_cluster",
    "typicality",
]

#: Neighbours averaged for a row's typicality (TypiClust's choice).
TYPICALITY_NEIGHBORS = 20
#: Rows sampled uniformly as the reference for typicality and coverage; the
#: cost of a query does not grow with the pool beyond the streamed scoring.
REFERENCE_SIZE = 1_000
#: Labeled rows compared with the reference at a time when measuring coverage,
#: so a large labeled set never needs more than 1,000 × 4,096 kernel values.
COVERAGE_BLOCK = 4_096
#: Mean uncertainty of the sample from which the coverage gain counts fully
#: ("adaptive_coverage"): the middle of the [0, 1] scale of the scores.
FULL_GAIN_UNCERTAINTY = 0.5
#: What multiplies a candidate's uncertainty in its weight.
WEIGHTS = ("adaptive_coverage", "coverage", "typicality", "uncertainty")


def _cluster_rows(features: Any) -> Any:
    """The rows k-means clusters: a sparse matrix stays sparse, in float64.

    k-means over sparse rows costs what their non-zeros cost; made dense, a
    thousand TF-IDF rows kept ~20,000 used columns and k-means++ took a minute
    (1.3 s sparse). Float64 either way: given float32, scikit-learn computes
    k-means++ distances in small float64 chunks, one slow product at a time.
    """
    if sp.issparse(features):
        return sp.csr_matrix(features, dtype=np.float64)
    return np.asarray(features, dtype=np.float64)


def _squared_norms(block: Any) -> FloatArray:
    if sp.issparse(block):
        return np.asarray(block.multiply(block).sum(axis=1), dtype=float).ravel()
    dense = np.asarray(block, dtype=float)
    norms: FloatArray = np.einsum("ij,ij->i", dense, dense)
    return norms


class _Rows:
    """Rows of a (dense or sparse) feature matrix with their squared norms.

    Taken once and compared with many other blocks: the coverage pass
    compares the same reference sample with every block of labeled rows.
    """

    def __init__(self, features: Any, positions: IntArray) -> None:
        self.block = features[positions]
        self.sq_norms = _squared_norms(self.block)

    def squared_distances(self, other: _Rows) -> FloatArray:
        """Squared Euclidean distances from each of these rows to each of ``other``."""
        cross = self.block @ other.block.T
        cross = (
            cross.toarray() if sp.issparse(cross) else np.asarray(cross, dtype=float)
        )
        sq = self.sq_norms[:, None] + other.sq_norms[None, :] - 2.0 * cross
        result: FloatArray = np.maximum(sq, 0.0)
        return result


def typicality(
    features: Any,
    rows: IntArray,
    reference: IntArray,
    *,
    n_neighbors: int = TYPICALITY_NEIGHBORS,
) -> FloatArray:
    """Inverse mean Euclidean distance of each of ``rows`` to its nearest references.

    ``rows`` and ``reference`` are positions in ``features`` (dense or sparse);
    a row is never its own neighbour. The result is scaled so that the most
    typical row has 1 (all in (0, 1]).
    """
    rows = np.asarray(rows, dtype=np.intp)
    reference = np.asarray(reference, dtype=np.intp)
    if reference.shape[0] < 2:
        return np.ones(rows.shape[0])
    dist = np.sqrt(_Rows(features, rows).squared_distances(_Rows(features, reference)))
    # A row is not its own neighbour (references are distinct, so at most one
    # entry per row is dropped and the k nearest stay finite).
    dist[rows[:, None] == reference[None, :]] = np.inf
    k = min(n_neighbors, reference.shape[0] - 1)
    mean = np.partition(dist, k - 1, axis=1)[:, :k].mean(axis=1)
    # Rows with k exact duplicates: as typical as the scale allows, not infinite.
    mean = np.maximum(mean, 1e-9 * max(float(mean.max()), 1e-12))
    inverse = 1.0 / mean
    scaled: FloatArray = inverse / inverse.max()
    return scaled


def coverage_gain(
    features: Any,
    rows: IntArray,
    reference: IntArray,
    labeled: IntArray,
    *,
    gamma: float | None = None,
    block: int = COVERAGE_BLOCK,
) -> FloatArray:
    """How much labeling each of ``rows`` would add to the coverage of the data.

    A reference row is covered as far as it resembles its nearest labeled
    row: its coverage is ``max over labeled l of exp(-gamma * |r - l|²)``, 0
    with no labels. The gain of a candidate ``x`` is the mean over the
    reference rows of ``max(0, exp(-gamma * |r - x|²) - coverage(r))``:
    MaxHerding's utility (Bae et al. 2024, "Generalized coverage for more
    robust low-budget active learning") on a sample instead of the pool.

    ``rows``, ``reference`` and ``labeled`` are positions in ``features``
    (dense or sparse). ``gamma`` defaults to 1 / number of features, like
    scikit-learn's RBF kernel. The labeled rows are compared with the
    reference ``block`` at a time, so the work grows with the number of
    labels but the memory does not. The result is scaled so that the largest
    gain is 1; when no candidate adds anything (all in covered regions) every
    gain is 1, leaving the choice to the uncertainty.
    """
    rows = np.asarray(rows, dtype=np.intp)
    reference = np.asarray(reference, dtype=np.intp)
    labeled = np.asarray(labeled, dtype=np.intp)
    if gamma is None:
        gamma = 1.0 / max(int(features.shape[1]), 1)
    # The kernel falls with distance, so the nearest labeled row gives the
    # coverage: keep the smallest squared distance and take one exp at the end.
    sample = _Rows(features, reference)
    nearest = np.full(reference.shape[0], np.inf)
    for start in range(0, labeled.shape[0], block):
        chunk = _Rows(features, labeled[start : start + block])
        np.minimum(nearest, sample.squared_distances(chunk).min(axis=1), out=nearest)
    coverage = np.exp(-gamma * nearest)
    kernel = np.exp(-gamma * _Rows(features, rows).squared_distances(sample))
    gain = np.maximum(kernel - coverage[None, :], 0.0).mean(axis=1)
    top = float(gain.max()) if gain.size else 0.0
    if top <= 0.0:
        return np.ones(rows.shape[0])
    scaled: FloatArray = gain / top
    return scaled


def blend_by_uncertainty(
    gain: FloatArray,
    uncertainty: FloatArray,
    *,
    full_at: float = FULL_GAIN_UNCERTAINTY,
) -> FloatArray:
    """``gain`` blended with 1 by the model's mean uncertainty: ``(1 - a) + a * gain``.

    ``uncertainty`` holds the model's scores on a sample of the data, each in
    [0, 1] (NaN counts as 0); ``a = min(1, mean / full_at)`` (``full_at`` >
    0, one half by default: the middle of the scale). While the model
    is at least ``full_at`` unsure on average the gain counts fully; below, it
    fades in proportion, and with the model sure of every row each gain is 1,
    leaving the choice to the rows' own uncertainty.
    """
    if not full_at > 0:
        raise ConfigError(
            f"blend_by_uncertainty: full_at must be > 0. Got {full_at!r} instead."
        )
    scores = np.nan_to_num(np.asarray(uncertainty, dtype=float), nan=0.0)
    mean = float(scores.mean()) if scores.size else 1.0
    a = min(1.0, max(mean, 0.0) / full_at)
    blended: FloatArray = (1.0 - a) + a * np.asarray(gain, dtype=float)
    return blended


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
    rows = _cluster_rows(features)
    km = KMeans(n_clusters=n_clusters, n_init=1, random_state=random_state)
    with warnings.catch_warnings():
        # Duplicate rows can leave fewer distinct points than clusters.
        warnings.simplefilter("ignore")
        labels = km.fit_predict(rows, sample_weight=np.maximum(weights, 1e-6))
    # Each row's distance to its own centroid (transform: to every centroid).
    dist = km.transform(rows)[np.arange(n), labels]
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
    """Uncertain rows on new ground, one per cluster, so a batch is not near-duplicates.

    Parameters
    ----------
    method : {"margin", "least_confidence", "entropy"}, default="margin"
        Uncertainty measure used to pre-select and weight rows.
    beta : int, default=10
        Pre-select ``beta × batch_size`` most uncertain rows before clustering
        (>= 1; 1 means plain uncertainty sampling).
    weight : {"adaptive_coverage", "coverage", "typicality", "uncertainty"}, \
default="adaptive_coverage"
        What multiplies a row's uncertainty in its weight: its coverage gain
        (:func:`coverage_gain`), faded towards 1 as the model's mean
        uncertainty on the reference sample falls below one half
        (:func:`blend_by_uncertainty`); the full coverage gain; its
        typicality (:func:`typicality`); or nothing ("uncertainty":
        Zhdanov's weighting).
    random_state : int, numpy Generator or None, default=None
        Seeds k-means, ties, the reference sample, and the cold-start batch.

    Notes
    -----
    With ``batch_size=1`` this is uncertainty sampling. With no fitted model
    the batch is uniformly random (cold start). Coverage and typicality are
    measured against a uniform sample of 1,000 rows of ``X`` (labeled or not),
    so a query costs the streamed scoring, a fixed amount of work per
    pre-selected row and, for coverage, one pass of the sample over the
    labeled rows; "adaptive_coverage" also scores the 1,000 sampled rows.
    """

    def __init__(
        self,
        method: str = "margin",
        beta: int = 10,
        weight: str = "adaptive_coverage",
        *,
        random_state: Any = None,
    ) -> None:
        self.method = method
        self.beta = beta
        self.weight = weight
        self.random_state = random_state

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_one_of(
            self.method, name="method", owner=owner, allowed=UNCERTAINTY_METHODS
        )
        check_int(self.beta, name="beta", owner=owner, minimum=1)
        check_one_of(self.weight, name="weight", owner=owner, allowed=WEIGHTS)
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
        weights = top_scores.astype(float)
        if self.weight != "uncertainty":
            reference = ctx.rng.choice(
                ctx.n_samples, size=min(REFERENCE_SIZE, ctx.n_samples), replace=False
            )
            if self.weight in ("coverage", "adaptive_coverage"):
                labeled = np.flatnonzero(ctx.labeled)
                gain = coverage_gain(ctx.X, top, reference, labeled)
                if self.weight == "adaptive_coverage":
                    proba = ctx.estimator.predict_proba(ctx.X[reference])
                    unsure = uncertainty_scores(proba, method=self.method)
                    gain = blend_by_uncertainty(gain, unsure)
                weights *= gain
            else:
                weights *= typicality(ctx.X, top, reference)
        seed = int(ctx.rng.integers(2**31 - 1))
        chosen = pick_per_cluster(ctx.X[top], weights, wanted, random_state=seed)
        picked = top[chosen]
        order = np.argsort(-weights[chosen], kind="stable")
        return picked[order], full
