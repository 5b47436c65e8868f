"""Small deterministic data for strategy tests: scaled digits and a fitted model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

from activelabel.ml.training import fit_quietly, make_estimator


@pytest.fixture(scope="session")
def digits() -> tuple[Any, Any]:
    X, y = load_digits(return_X_y=True)
    return (X[:400] / 16.0).astype(np.float64), y[:400]


@pytest.fixture(scope="session")
def pool(digits: tuple[Any, Any]) -> tuple[Any, Any, Any]:
    """X, y with the first 60 rows labeled, and a model fitted on them."""
    X, y = digits
    y_pool = np.full(y.shape[0], np.nan, dtype=object)
    y_pool[:60] = y[:60]
    model = fit_quietly(make_estimator(), X[:60], y[:60])
    return X, y_pool, model
