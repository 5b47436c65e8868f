"""Every strategy works with any fitted estimator that has ``predict_proba``:
AutoML's winners (a random forest, k nearest neighbours, a chi-squared
pipeline) as well as the logistic regression the fast path is written for."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from activelabel.al import make_strategy
from activelabel.choices import STRATEGY_NAMES
from activelabel.ml.automl import build_estimator
from activelabel.ml.training import fit_quietly

ESTIMATORS: dict[str, dict[str, Any]] = {
    "random forest": {
        "learner": "rf",
        "params": {
            "n_estimators": 20,
            "max_features": 0.3,
            "max_leaf_nodes": 16,
            "criterion": "gini",
        },
    },
    "k nearest neighbours": {"learner": "kneighbor", "params": {"n_neighbors": 5}},
    "chi-squared pipeline": {"learner": "kbest_chi2", "params": {"k": 20, "C": 1.0}},
    "L1 logistic": {"learner": "lrl1", "params": {"C": 1.0}},
    "LightGBM": {"learner": "lgbm", "params": {"n_estimators": 10, "num_leaves": 8}},
}


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_every_strategy_picks_a_batch_with_any_predict_proba_model(
    pool: tuple[Any, Any, Any], name: str, estimator: str, sparse: bool
) -> None:
    X, y_pool, _ = pool
    X = sp.csr_matrix(X) if sparse else X
    labeled = np.flatnonzero([v == v for v in y_pool])
    model = fit_quietly(
        build_estimator(ESTIMATORS[estimator]),
        X[labeled],
        y_pool[labeled].astype(int),
    )
    picked, scores = make_strategy(name, random_state=0).query(
        X, y_pool, estimator=model, batch_size=8, return_scores=True
    )
    picked = np.asarray(picked)
    assert picked.size == 8 and np.unique(picked).size == 8
    assert not np.isin(picked, labeled).any()
    assert scores.shape == (X.shape[0],)
