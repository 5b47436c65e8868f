"""Which sentences to label next: a diverse head, then the next best by score.

The pool's sentences carry one score each (the strategy's, higher = more
worth labeling: :mod:`activelabel.al.sequence_scores`). As for items with
feature rows (the loop's round), only the batch labeled before the next
retrain needs diversity: the
``beta × head`` best sentences are weighted by their score times their
coverage gain (how much of a uniform sample of the pool would resemble a
labeled sentence once this one is labeled, faded as the model grows sure:
:func:`activelabel.al._diversity.blend_by_uncertainty`), clustered with
k-means, and the heaviest of each cluster is taken. The rest of the queue is
the next best by score.

A sentence's features for this are cheap and need no fitting: its lower-cased
words hashed into :data:`HASHED_FEATURES` counts, scaled to unit length.
They are computed only for the sentences compared (the pre-selected ones, the
sample and the labeled ones), never for the pool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import scipy.sparse as sp

from activelabel.al._diversity import (
    REFERENCE_SIZE,
    blend_by_uncertainty,
    coverage_gain,
    pick_per_cluster,
)

__all__ = ["HASHED_FEATURES", "hashed_word_counts", "pick_sentences"]

#: Hashed word columns of a sentence's cheap features (a dense copy of 1,000
#: pre-selected rows stays under 35 MB when k-means needs one).
HASHED_FEATURES: Final = 2**12
#: Kernel width for unit-length rows, whose squared distances lie in [0, 2]:
#: sentences sharing no word are e^-2 alike, identical ones 1.
COVERAGE_GAMMA: Final = 1.0
#: Sentences pre-selected per sentence of the head before clustering.
BETA: Final = 10

IntArray = np.ndarray[Any, np.dtype[np.intp]]


def hashed_word_counts(word_lists: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """One unit-length row of hashed lower-cased word counts per sentence."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer=lambda words: [w.lower() for w in words],
        n_features=HASHED_FEATURES,
        alternate_sign=False,
        norm="l2",
    )
    return sp.csr_matrix(vectorizer.transform(list(word_lists)))


def _best(positions: IntArray, scores: np.ndarray[Any, Any], k: int) -> IntArray:
    """The ``k`` of ``positions`` with the highest scores, best first."""
    if k <= 0 or not positions.size:
        return np.array([], dtype=np.intp)
    if k < positions.size:
        positions = positions[np.argpartition(-scores[positions], k - 1)[:k]]
    order = np.argsort(-scores[positions], kind="stable")
    return positions[order].astype(np.intp)


def pick_sentences(
    scores: np.ndarray[Any, Any],
    *,
    head_size: int,
    queue_size: int,
    features_of: Callable[[IntArray], sp.csr_matrix],
    labeled_features: sp.csr_matrix | None,
    random_state: int = 0,
) -> IntArray:
    """Positions to queue, in queue order: a diverse head, then by falling score.

    ``scores`` has one entry per pool position, NaN for a sentence that may
    not be queued (labeled). ``features_of(positions)`` gives the cheap
    features of those sentences (:func:`hashed_word_counts`);
    ``labeled_features`` those of the labeled sentences.
    """
    candidates = np.flatnonzero(~np.isnan(scores)).astype(np.intp)
    wanted = min(queue_size, candidates.size)
    head_size = min(head_size, wanted)
    pre = _best(candidates, scores, min(BETA * head_size, candidates.size))
    if head_size <= 1 or pre.size <= head_size:
        head = pre[:head_size]
    else:
        head = _diverse(
            pre,
            candidates,
            scores,
            head_size,
            features_of,
            labeled_features,
            random_state,
        )
    rest = np.setdiff1d(candidates, head, assume_unique=True).astype(np.intp)
    return np.concatenate([head, _best(rest, scores, wanted - head.size)]).astype(
        np.intp
    )


def _diverse(
    pre: IntArray,
    candidates: IntArray,
    scores: np.ndarray[Any, Any],
    head_size: int,
    features_of: Callable[[IntArray], sp.csr_matrix],
    labeled_features: sp.csr_matrix | None,
    random_state: int,
) -> IntArray:
    """``head_size`` of the pre-selected ``pre``: one per cluster, weighted by
    score times (faded) coverage gain, heaviest first."""
    rng = np.random.default_rng(random_state)
    reference = rng.choice(
        candidates, size=min(REFERENCE_SIZE, candidates.size), replace=False
    ).astype(np.intp)
    blocks = [features_of(pre), features_of(reference)]
    if labeled_features is not None and labeled_features.shape[0]:
        blocks.append(labeled_features)
    features = sp.vstack(blocks, format="csr")
    n_pre, n_ref = pre.size, reference.size
    gain = coverage_gain(
        features,
        np.arange(n_pre),
        np.arange(n_pre, n_pre + n_ref),
        np.arange(n_pre + n_ref, features.shape[0]),
        gamma=COVERAGE_GAMMA,
    )
    gain = blend_by_uncertainty(gain, scores[reference])
    weights = np.maximum(scores[pre].astype(float), 1e-12) * gain
    chosen = pick_per_cluster(
        features[np.arange(n_pre)], weights, head_size, random_state=random_state
    )
    order = np.argsort(-weights[chosen], kind="stable")
    return pre[chosen][order].astype(np.intp)
