"""Diverse uncertainty sampling: coverage and typicality weights, one row per cluster."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin

from activelabel.al import DiverseUncertaintySampling
from activelabel.al._diversity import (
    blend_by_uncertainty,
    coverage_gain,
    pick_per_cluster,
    typicality,
)
from activelabel.exceptions import ConfigError
from activelabel.ml.training import fit_quietly, make_estimator


def blob_and_outliers(seed: int = 0) -> Any:
    """200 rows in a tight blob at the origin, then 5 far apart outliers."""
    rng = np.random.default_rng(seed)
    blob = rng.normal(scale=0.1, size=(200, 2))
    outliers = np.array([[8.0, 8.0], [-8.0, 8.0], [8.0, -8.0], [-8.0, -8.0], [0, 9]])
    return np.vstack([blob, outliers])


def test_typicality_ranks_dense_rows_above_outliers() -> None:
    X = blob_and_outliers()
    t = typicality(X, np.arange(X.shape[0]), np.arange(X.shape[0]))
    assert t.max() == pytest.approx(1.0)
    assert (t > 0).all()
    assert t[:200].min() > 10 * t[200:].max()


def test_typicality_is_the_same_for_sparse_and_dense_rows() -> None:
    X = np.abs(blob_and_outliers(1))
    rows, reference = np.arange(0, 205, 3), np.arange(1, 205, 2)
    np.testing.assert_allclose(
        typicality(sp.csr_matrix(X), rows, reference),
        typicality(X, rows, reference),
        rtol=1e-9,
    )


def test_typicality_does_not_count_a_row_as_its_own_neighbour() -> None:
    X = np.array([[0.0], [1.0], [3.0], [10.0]])
    # Row 0's nearest reference other than itself is row 1 (distance 1);
    # row 3's is row 2 (distance 7).
    t = typicality(X, np.array([0, 3]), np.array([0, 1, 2, 3]), n_neighbors=1)
    np.testing.assert_allclose(t, [1.0, 1 / 7])


def test_typicality_of_exact_duplicates_is_finite() -> None:
    X = np.vstack([np.zeros((30, 2)), np.ones((5, 2))])
    t = typicality(X, np.array([0, 34]), np.arange(35), n_neighbors=6)
    assert np.isfinite(t).all()
    assert t[0] == 1.0 and 0 < t[1] < 1


def test_pick_per_cluster_takes_the_heaviest_row_of_each_cluster() -> None:
    X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1]])
    w = np.array([0.1, 0.9, 0.2, 0.3, 0.8])
    picked = pick_per_cluster(X, w, 2, random_state=0)
    assert sorted(picked.tolist()) == [1, 4]


def fit_on_labeled(X: Any, y: Any) -> Any:
    """The default model fitted on the rows of ``y`` that have a label (not NaN)."""
    labeled = np.flatnonzero(y == y)
    return fit_quietly(make_estimator(), X[labeled], y[labeled].astype(str))


def two_classes(rng: np.random.Generator, n: int) -> tuple[Any, Any]:
    """``n`` rows of each class, around x = -3 and x = 3 (left drawn first)."""
    left = rng.normal([-3.0, 0.0], 0.5, size=(n, 2))
    right = rng.normal([3.0, 0.0], 0.5, size=(n, 2))
    return left, right


def boundary_pool() -> Any:
    """Two classes split at x=0; at the boundary a dense band and a sparse halo."""
    rng = np.random.default_rng(3)
    left, right = two_classes(rng, 150)
    band = np.column_stack([rng.normal(0, 0.3, 300), rng.normal(0, 0.3, 300)])
    halo = np.column_stack([rng.normal(0, 0.3, 30), rng.uniform(-12, 12, 30)])
    X = np.vstack([left, right, band, halo])
    y = np.full(X.shape[0], np.nan, dtype=object)
    y[:10], y[150:160] = "a", "b"
    return X, y, fit_on_labeled(X, y)


@pytest.mark.parametrize("weight", ["typicality", "coverage"])
def test_density_weights_move_the_batch_from_outliers_to_dense_rows(
    weight: str,
) -> None:
    X, y, model = boundary_pool()
    reference = np.arange(X.shape[0])

    def mean_typicality(weight: str) -> float:
        picked = DiverseUncertaintySampling(weight=weight, random_state=0).query(
            X, y, estimator=model, batch_size=10
        )
        return float(typicality(X, picked, reference).mean())

    assert mean_typicality(weight) > mean_typicality("uncertainty")


def two_clusters_one_labeled() -> Any:
    """Two equal tight clusters far apart; the first holds every labeled row."""
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(0.0, 0.2, (100, 2)), rng.normal(6.0, 0.2, (100, 2))])
    return X, np.arange(0, 20)


def test_coverage_gain_favours_rows_where_no_label_is_near() -> None:
    X, labeled = two_clusters_one_labeled()
    rows = np.r_[20:100, 100:200]
    gain = coverage_gain(X, rows, np.arange(200), labeled, gamma=1.0)
    assert gain.max() == pytest.approx(1.0)
    # Every row of the unlabeled cluster adds more than any row of the other.
    assert gain[80:].min() > 5 * gain[:80].max()


def test_coverage_gain_without_labels_ranks_dense_rows_above_outliers() -> None:
    X = blob_and_outliers()
    everything = np.arange(X.shape[0])
    gain = coverage_gain(X, everything, everything, np.array([], dtype=np.intp))
    assert gain[:200].min() > 10 * gain[200:].max()


def test_coverage_gain_is_the_same_in_blocks_of_labeled_rows() -> None:
    X, _ = two_clusters_one_labeled()
    labeled = np.arange(0, 200, 7)
    rows, reference = np.arange(1, 200, 7), np.arange(0, 200, 2)
    whole = coverage_gain(X, rows, reference, labeled, gamma=0.5)
    np.testing.assert_allclose(
        coverage_gain(X, rows, reference, labeled, gamma=0.5, block=3),
        whole,
        rtol=1e-12,
    )


def test_coverage_gain_is_the_same_for_sparse_and_dense_rows() -> None:
    X = np.abs(blob_and_outliers(1))
    rows, reference, labeled = np.arange(0, 205, 3), np.arange(1, 205, 2), np.r_[:9]
    np.testing.assert_allclose(
        coverage_gain(sp.csr_matrix(X), rows, reference, labeled),
        coverage_gain(X, rows, reference, labeled),
        rtol=1e-9,
    )


def test_coverage_gain_is_uniform_when_every_row_is_already_covered() -> None:
    X = np.zeros((10, 3))
    gain = coverage_gain(X, np.arange(5, 10), np.arange(10), np.arange(5))
    np.testing.assert_array_equal(gain, np.ones(5))


def two_bands_labels_in_one() -> Any:
    """Two dense bands on the class boundary; labels sit in the first only.

    Rows 400 and on are the lower band, where no label is near.
    """
    rng = np.random.default_rng(7)
    left, right = two_classes(rng, 100)
    upper = np.column_stack([rng.normal(0, 0.4, 200), rng.normal(4.0, 0.4, 200)])
    lower = np.column_stack([rng.normal(0, 0.4, 200), rng.normal(-4.0, 0.4, 200)])
    X = np.vstack([left, right, upper, lower])
    y = np.full(X.shape[0], np.nan, dtype=object)
    y[:5], y[100:105] = "a", "b"
    # Labels on both sides of the boundary inside the upper band.
    upper_rows = np.arange(200, 400)
    y[upper_rows[:15]] = np.where(X[upper_rows[:15], 0] < 0, "a", "b")
    return X, y, fit_on_labeled(X, y)


def in_lower_band(X: Any, y: Any, model: Any, weight: str) -> int:
    # A wide pre-selection holds both bands; the weight decides between them.
    picked = DiverseUncertaintySampling(weight=weight, beta=40, random_state=0).query(
        X, y, estimator=model, batch_size=10
    )
    return int((picked >= 400).sum())


def test_coverage_weight_sends_the_batch_where_labels_are_missing() -> None:
    X, y, model = two_bands_labels_in_one()
    assert in_lower_band(X, y, model, "coverage") > in_lower_band(
        X, y, model, "typicality"
    )
    assert in_lower_band(X, y, model, "coverage") >= 7


class ScaledLogits(ClassifierMixin, BaseEstimator):
    """A fitted model's probabilities with its logits multiplied by ``scale``.

    The ranking of rows by uncertainty stays the same; a small scale makes the
    model unsure of every row, a large one sure of all but the boundary.
    """

    def __init__(self, model: Any, scale: float) -> None:
        self.model = model
        self.scale = scale
        self.classes_ = model.classes_

    def fit(self, X: Any, y: Any) -> ScaledLogits:
        return self

    def predict_proba(self, X: Any) -> Any:
        logit = self.scale * self.model.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-logit))
        return np.column_stack([1.0 - p, p])


def test_adaptive_coverage_counts_the_gain_fully_when_the_model_is_unsure_everywhere() -> (
    None
):
    X, y, model = two_bands_labels_in_one()
    unsure = ScaledLogits(model, 1e-3)
    # Like the full gain: most of the batch where no label is near, more than
    # the uncertainty alone sends there.
    adaptive = in_lower_band(X, y, unsure, "adaptive_coverage")
    assert adaptive >= 7
    assert adaptive > in_lower_band(X, y, unsure, "uncertainty")


def test_adaptive_coverage_leaves_a_confident_model_on_its_most_uncertain_rows() -> (
    None
):
    X, y, model = two_bands_labels_in_one()
    sure = ScaledLogits(model, 3.0)
    # The full gain still pulls the batch into the unlabeled band; the
    # adaptive weight stays where the uncertainty alone sends it.
    adaptive = in_lower_band(X, y, sure, "adaptive_coverage")
    assert in_lower_band(X, y, sure, "coverage") >= 7
    assert adaptive <= in_lower_band(X, y, sure, "uncertainty") + 1
    assert adaptive <= 3


def test_the_default_weight_fades_the_gain_for_a_confident_model() -> None:
    X, y, model = two_bands_labels_in_one()
    sure = ScaledLogits(model, 3.0)
    picked = DiverseUncertaintySampling(beta=40, random_state=0).query(
        X, y, estimator=sure, batch_size=10
    )
    assert (picked >= 400).sum() <= 3


def test_blend_by_uncertainty_keeps_the_gain_while_the_model_is_unsure() -> None:
    gain = np.array([0.0, 0.25, 1.0])
    np.testing.assert_allclose(blend_by_uncertainty(gain, np.ones(50)), gain)
    # At least one half unsure on average is enough for the full gain.
    np.testing.assert_allclose(blend_by_uncertainty(gain, np.full(50, 0.5)), gain)


def test_blend_by_uncertainty_fades_the_gain_as_the_model_grows_sure() -> None:
    gain = np.array([0.0, 0.25, 1.0])
    np.testing.assert_allclose(blend_by_uncertainty(gain, np.zeros(50)), np.ones(3))
    # Mean uncertainty 0.125 (NaN counts as 0): a quarter of the gain.
    np.testing.assert_allclose(
        blend_by_uncertainty(gain, np.array([0.0, 0.25, np.nan, 0.25])),
        [0.75, 0.8125, 1.0],
    )
    np.testing.assert_allclose(
        blend_by_uncertainty(gain, np.full(4, 0.25), full_at=1.0), [0.75, 0.8125, 1.0]
    )


def test_blend_by_uncertainty_rejects_a_full_gain_level_that_is_not_positive() -> None:
    with pytest.raises(ConfigError, match="full_at"):
        blend_by_uncertainty(np.ones(3), np.ones(3), full_at=0.0)


def test_an_unknown_weight_is_named_in_the_error() -> None:
    X, y, model = boundary_pool()
    with pytest.raises(ConfigError, match="weight"):
        DiverseUncertaintySampling(weight="density").query(
            X, y, estimator=model, batch_size=10
        )
