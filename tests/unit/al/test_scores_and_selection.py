"""Uncertainty measures, O(N) selection with random ties, and chunked top-k."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import rankdata

from activelabel.al import TopKAccumulator, UncertaintySampling, select_batch
from activelabel.al.scores import (
    entropy_scores,
    kl_divergence_scores,
    least_confidence_scores,
    linear_uncertainty_chunks,
    margin_scores,
    uncertainty_scores,
    vote_entropy_scores,
)
from activelabel.exceptions import ConfigError


def random_proba(n: int, k: int, seed: int = 0) -> Any:
    p = np.random.default_rng(seed).dirichlet(np.ones(k), size=n)
    return p


@pytest.mark.parametrize("fn", [least_confidence_scores, margin_scores, entropy_scores])
def test_uncertainty_scores_lie_in_unit_interval(fn: Any) -> None:
    s = fn(random_proba(500, 7))
    assert s.min() >= 0 and s.max() <= 1


def test_uncertainty_scores_are_zero_for_certain_and_one_for_uniform() -> None:
    proba = np.array([[1.0, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    for fn in (margin_scores, entropy_scores):
        np.testing.assert_allclose(fn(proba), [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(least_confidence_scores(proba), [0.0, 2 / 3])


def test_margin_ranks_two_class_pool_like_least_confidence_and_entropy() -> None:
    proba = random_proba(300, 2, seed=3)
    ranks = [
        rankdata(fn(proba))
        for fn in (least_confidence_scores, margin_scores, entropy_scores)
    ]
    np.testing.assert_array_equal(ranks[0], ranks[1])
    np.testing.assert_array_equal(ranks[0], ranks[2])


def test_margin_and_entropy_rank_three_class_pools_differently() -> None:
    proba = np.array([[0.5, 0.5, 0.0], [0.4, 0.3, 0.3]])
    assert margin_scores(proba)[0] > margin_scores(proba)[1]
    assert entropy_scores(proba)[0] < entropy_scores(proba)[1]


def test_uncertainty_scores_keep_float32() -> None:
    proba = random_proba(10, 4).astype(np.float32)
    for method in ("least_confidence", "margin", "entropy"):
        assert uncertainty_scores(proba, method=method).dtype == np.float32


def test_uncertainty_scores_reject_unknown_method_and_bad_shape() -> None:
    with pytest.raises(ConfigError, match="'method'"):
        uncertainty_scores(random_proba(3, 2), method="variance")
    with pytest.raises(ConfigError, match="2-d"):
        margin_scores(np.ones(3))


def test_vote_entropy_is_zero_when_members_agree_and_one_when_split_evenly() -> None:
    votes = np.array([[0, 0], [0, 1]])
    np.testing.assert_allclose(vote_entropy_scores(votes, n_classes=2), [0.0, 1.0])


def test_kl_divergence_is_zero_for_identical_members() -> None:
    p = random_proba(5, 3)
    assert np.allclose(kl_divergence_scores(np.stack([p, p, p])), 0)
    q = random_proba(5, 3, seed=9)
    assert (kl_divergence_scores(np.stack([p, q])) > 0).all()


@pytest.mark.parametrize("method", ["least_confidence", "margin", "entropy"])
@pytest.mark.parametrize("n_classes", [2, 5])
def test_linear_scores_from_logits_match_predict_proba(
    method: str, n_classes: int
) -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = rng.integers(0, n_classes, size=300)
    model = LogisticRegression(max_iter=500).fit(X, y)
    fast = np.concatenate(
        [
            s
            for _, _, s in linear_uncertainty_chunks(
                model, X, method=method, chunk_size=64
            )
        ]
    )
    ref = uncertainty_scores(model.predict_proba(X), method=method)
    np.testing.assert_allclose(fast, ref, atol=2e-5)


def test_select_batch_returns_top_scores_best_first() -> None:
    scores = np.array([0.1, 0.9, 0.5, np.nan, 0.7])
    np.testing.assert_array_equal(select_batch(scores, batch_size=3), [1, 4, 2])


def test_select_batch_skips_nan_and_returns_fewer_rows() -> None:
    assert select_batch(np.array([np.nan, 0.2]), batch_size=5).tolist() == [1]


def test_select_batch_breaks_ties_at_random() -> None:
    scores = np.zeros(1000)
    picks = {
        tuple(select_batch(scores, batch_size=3, random_state=s)) for s in range(5)
    }
    assert len(picks) == 5


def test_select_batch_rejects_bad_batch_size() -> None:
    with pytest.raises(ConfigError, match="'batch_size' parameter of TopKAccumulator"):
        select_batch(np.ones(3), batch_size=0)


def test_chunked_top_k_equals_global_top_k() -> None:
    scores = np.random.default_rng(1).random(10_000)
    acc = TopKAccumulator(25, random_state=0)
    for start in range(0, 10_000, 999):
        acc.add(scores[start : start + 999], offset=start)
    idx, best = acc.result()
    np.testing.assert_array_equal(idx, np.argsort(-scores)[:25])
    np.testing.assert_allclose(best, np.sort(scores)[::-1][:25])


def test_uncertainty_sampling_streams_small_chunks_to_same_answer(pool: Any) -> None:
    X, y, model = pool
    whole = UncertaintySampling(random_state=0).query(
        X, y, estimator=model, batch_size=9
    )
    chunked = UncertaintySampling(random_state=0)
    chunked.chunk_size = 17
    np.testing.assert_array_equal(
        chunked.query(X, y, estimator=model, batch_size=9), whole
    )


def test_uncertainty_sampling_works_on_sparse_and_memmap_pools(
    pool: Any, tmp_path: Any
) -> None:
    import scipy.sparse as sp

    X, y, model = pool
    path = tmp_path / "pool.npy"
    np.save(path, X.astype(np.float32))
    mm = np.load(path, mmap_mode="r")
    expect = UncertaintySampling(random_state=0).query(
        X, y, estimator=model, batch_size=5
    )
    for pool_x in (sp.csr_matrix(X), mm):
        got = UncertaintySampling(random_state=0).query(
            pool_x, y, estimator=model, batch_size=5
        )
        np.testing.assert_array_equal(got, expect)
