"""Diverse uncertainty sampling: typicality weights and one row per cluster."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from activelabel.al import DiverseUncertaintySampling
from activelabel.al._diversity import pick_per_cluster, typicality
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


def boundary_pool() -> Any:
    """Two classes split at x=0; at the boundary a dense band and a sparse halo."""
    rng = np.random.default_rng(3)
    left = rng.normal([-3.0, 0.0], 0.5, size=(150, 2))
    right = rng.normal([3.0, 0.0], 0.5, size=(150, 2))
    band = np.column_stack([rng.normal(0, 0.3, 300), rng.normal(0, 0.3, 300)])
    halo = np.column_stack([rng.normal(0, 0.3, 30), rng.uniform(-12, 12, 30)])
    X = np.vstack([left, right, band, halo])
    y = np.full(X.shape[0], np.nan, dtype=object)
    y[:10], y[150:160] = "a", "b"
    labeled = np.r_[0:10, 150:160]
    model = fit_quietly(make_estimator(), X[labeled], y[labeled].astype(str))
    return X, y, model


def test_typicality_moves_the_batch_from_outliers_to_dense_rows() -> None:
    X, y, model = boundary_pool()
    reference = np.arange(X.shape[0])

    def mean_typicality(exponent: float) -> float:
        picked = DiverseUncertaintySampling(typicality=exponent, random_state=0).query(
            X, y, estimator=model, batch_size=10
        )
        return float(typicality(X, picked, reference).mean())

    assert mean_typicality(1.0) > mean_typicality(0.0)
