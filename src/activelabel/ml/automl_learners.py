"""The estimators an AutoML search tries: each one's search space and builder.

Every learner builds a plain scikit-learn estimator (never a wrapper of the
tuning library), so the winner trains, cross-validates and saves with skops as
the default model does. The spaces follow FLAML's own for the same learners
(its ``lrl1``, ``lrl2``, ``rf``, ``extra_tree`` and ``kneighbor``): a costly
setting (many trees, many leaves) starts at its cheapest value and grows only
when it pays, so a small time budget still visits every learner.

``lgbm`` is LightGBM's boosted trees (:mod:`activelabel.ml.boosted_trees`),
when the ``automl`` extra installed it.

``kbest_chi2`` is the pipeline of Kili's AutoML tutorial: the ``k`` features
most dependent on the label by a chi-squared test (on the round's TF-IDF
features), then a logistic regression. chi-squared needs features that are
never negative, so it is offered only for such a matrix.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

with warnings.catch_warnings():
    # flaml's __init__ warns that its AutoML layer is missing: that layer
    # imports xgboost (whose Linux wheel pulls NVIDIA libraries); activelabel
    # uses only its tuner, which needs NumPy alone.
    warnings.simplefilter("ignore", UserWarning)
    from flaml.tune.sample import choice, lograndint, loguniform, uniform

__all__ = ["LEARNERS", "Learner", "learners_for"]


@dataclass(frozen=True)
class Learner:
    """One estimator kind of the search."""

    #: What the page and the CLI call it ("random forest").
    title: str
    #: The search space for a matrix of (rows, columns).
    space: Callable[[int, int], dict[str, Any]]
    #: The cheapest setting of the costly hyperparameters: the search starts there.
    low_cost: Callable[[int, int], dict[str, Any]]
    #: The unfitted estimator of hyperparameters ``params``.
    build: Callable[[dict[str, Any], int], BaseEstimator]
    #: The first setting tried (scikit-learn's defaults, where they fit).
    start: Callable[[int, int], dict[str, Any]] = lambda n_rows, n_cols: {}


def _c_space(n_rows: int, n_cols: int) -> dict[str, Any]:
    return {"C": loguniform(lower=1 / 32, upper=32768.0)}


def _no_low_cost(n_rows: int, n_cols: int) -> dict[str, Any]:
    return {}


def _logistic(params: dict[str, Any], seed: int, *, l1: bool) -> BaseEstimator:
    # Balanced class weights, as the default model: classes are rarely
    # balanced while labeling, and the search is scored by macro-F1.
    extra: dict[str, Any] = {"l1_ratio": 1.0, "solver": "saga"} if l1 else {}
    return LogisticRegression(
        C=float(params["C"]),
        class_weight="balanced",
        max_iter=1000,
        tol=1e-3 if l1 else 1e-4,
        random_state=seed,
        **extra,
    )


def _forest_space(n_rows: int, n_cols: int) -> dict[str, Any]:
    init = 1 / math.sqrt(max(n_cols, 1))
    return {
        "n_estimators": lograndint(lower=4, upper=max(5, min(512, n_rows))),
        "max_features": loguniform(lower=min(0.1, init), upper=1.0),
        "max_leaf_nodes": lograndint(lower=4, upper=max(5, min(4096, n_rows // 2))),
        "criterion": choice(["gini", "entropy"]),
    }


def _forest_low_cost(n_rows: int, n_cols: int) -> dict[str, Any]:
    return {"n_estimators": 4, "max_leaf_nodes": 4}


def _forest_start(n_rows: int, n_cols: int) -> dict[str, Any]:
    return {"max_features": 1 / math.sqrt(max(n_cols, 1)), "criterion": "gini"}


def _forest(kind: Any) -> Callable[[dict[str, Any], int], BaseEstimator]:
    def build(params: dict[str, Any], seed: int) -> BaseEstimator:
        estimator: BaseEstimator = kind(
            n_estimators=int(params["n_estimators"]),
            max_features=float(params["max_features"]),
            max_leaf_nodes=int(params["max_leaf_nodes"]),
            criterion=str(params["criterion"]),
            # No class weights (as FLAML's forests): scikit-learn's "balanced"
            # fails on labels that read as numbers ("1", "2") in a forest.
            n_jobs=1,
            random_state=seed,
        )
        return estimator

    return build


def _kneighbor_space(n_rows: int, n_cols: int) -> dict[str, Any]:
    return {"n_neighbors": lograndint(lower=1, upper=max(2, min(512, n_rows // 2)))}


def _kneighbor(params: dict[str, Any], seed: int) -> BaseEstimator:
    # Brute force: the labeled rows are few, and a fitted KD or ball tree
    # would be one more type for a model file to trust.
    return KNeighborsClassifier(
        n_neighbors=int(params["n_neighbors"]), weights="distance", algorithm="brute"
    )


def _kbest_space(n_rows: int, n_cols: int) -> dict[str, Any]:
    return {
        "k": lograndint(lower=min(10, n_cols), upper=max(n_cols, 11)),
        "C": loguniform(lower=1 / 32, upper=32768.0),
    }


def _kbest(params: dict[str, Any], seed: int) -> BaseEstimator:
    return Pipeline(
        [
            ("select", SelectKBest(chi2, k=int(params["k"]))),
            ("classify", _logistic(params, seed, l1=False)),
        ]
    )


def _lgbm_space(n_rows: int, n_cols: int) -> dict[str, Any]:
    # FLAML's own space for its "lgbm" learner.
    upper = max(5, min(32768, n_rows))
    return {
        "n_estimators": lograndint(lower=4, upper=upper),
        "num_leaves": lograndint(lower=4, upper=upper),
        "min_child_samples": lograndint(lower=2, upper=2**7 + 1),
        "learning_rate": loguniform(lower=1 / 1024, upper=1.0),
        "log_max_bin": lograndint(lower=3, upper=11),
        "colsample_bytree": uniform(lower=0.01, upper=1.0),
        "reg_alpha": loguniform(lower=1 / 1024, upper=1024),
        "reg_lambda": loguniform(lower=1 / 1024, upper=1024),
    }


def _lgbm(params: dict[str, Any], seed: int) -> BaseEstimator:
    # Imported on use: LightGBM is optional (the automl extra).
    from activelabel.ml.boosted_trees import BoostedTrees

    return BoostedTrees(**params, random_state=seed)


#: Learner name (FLAML's where it has one) -> its space and builder.
LEARNERS: dict[str, Learner] = {
    "lrl2": Learner(
        "logistic regression (L2)",
        _c_space,
        _no_low_cost,
        lambda params, seed: _logistic(params, seed, l1=False),
        lambda n_rows, n_cols: {"C": 1.0},
    ),
    "lrl1": Learner(
        "logistic regression (L1)",
        _c_space,
        _no_low_cost,
        lambda params, seed: _logistic(params, seed, l1=True),
        lambda n_rows, n_cols: {"C": 1.0},
    ),
    "rf": Learner(
        "random forest",
        _forest_space,
        _forest_low_cost,
        _forest(RandomForestClassifier),
        _forest_start,
    ),
    "extra_tree": Learner(
        "extra trees",
        _forest_space,
        _forest_low_cost,
        _forest(ExtraTreesClassifier),
        _forest_start,
    ),
    "kneighbor": Learner(
        "k nearest neighbours",
        _kneighbor_space,
        lambda n_rows, n_cols: {"n_neighbors": 1},
        _kneighbor,
    ),
    "lgbm": Learner(
        "gradient-boosted trees (LightGBM)",
        _lgbm_space,
        lambda n_rows, n_cols: {"n_estimators": 4, "num_leaves": 4},
        _lgbm,
        lambda n_rows, n_cols: {
            "min_child_samples": 20,
            "learning_rate": 0.1,
            "log_max_bin": 8,
            "colsample_bytree": 1.0,
            "reg_alpha": 1 / 1024,
            "reg_lambda": 1.0,
        },
    ),
    "kbest_chi2": Learner(
        "chi-squared feature selection + logistic regression",
        _kbest_space,
        _no_low_cost,
        _kbest,
        lambda n_rows, n_cols: {"k": min(n_cols, 1000), "C": 1.0},
    ),
}


def _never_negative(X: Any) -> bool:
    values = X.data if sp.issparse(X) else np.asarray(X)
    return bool(values.size == 0 or np.min(values) >= 0)


#: The learners, cheapest first: with a short budget (or a busy machine) the
#: first round still visits the cheap ones. ``lrl2`` at C=1 is the default model,
#: scored before the search starts.
ORDER: tuple[str, ...] = (
    "kneighbor",
    "lgbm",
    "rf",
    "extra_tree",
    "kbest_chi2",
    "lrl1",
    "lrl2",
)


def learners_for(X: Any) -> list[str]:
    """The learners that can fit ``X``, cheapest first: all, but chi-squared
    selection only on features that are never negative (counts, TF-IDF), and
    LightGBM only when it is installed."""
    from activelabel.ml.boosted_trees import lightgbm_installed

    fits = {
        "kbest_chi2": X.shape[1] > 10 and _never_negative(X),
        "lgbm": lightgbm_installed(),
    }
    return [name for name in ORDER if fits.get(name, True)]
