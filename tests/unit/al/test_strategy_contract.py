"""Every pool strategy honours the same query contract (the template).

Each strategy is run through the same checks; each constructor parameter has
its own table of ``(bad value, expected error)`` cases, and a meta-test fails
when a parameter has no table.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone

from activelabel.al import (
    DiverseUncertaintySampling,
    QueryByCommittee,
    QueryStrategy,
    RandomSampling,
    RepresentativeSampling,
    UncertaintySampling,
)
from activelabel.exceptions import ConfigError

STRATEGIES: list[type[QueryStrategy]] = [
    RandomSampling,
    UncertaintySampling,
    QueryByCommittee,
    DiverseUncertaintySampling,
    RepresentativeSampling,
]

BAD_INIT_PARAMS: dict[str, list[tuple[Any, type[Exception]]]] = {
    "random_state": [("seed", ConfigError), (1.5, ConfigError)],
    "method": [("nope", ConfigError), (1, ConfigError)],
    "n_members": [(1, ConfigError), ("3", ConfigError), (True, ConfigError)],
    "beta": [(0, ConfigError), (2.0, ConfigError)],
    "weight": [
        ("density", ConfigError),
        ("adaptive", ConfigError),
        (1.0, ConfigError),
        (None, ConfigError),
    ],
    "max_pool": [(0, ConfigError), (None, ConfigError)],
}

BAD_QUERY_PARAMS: dict[str, list[tuple[Any, type[Exception]]]] = {
    "batch_size": [(0, ConfigError), (-1, ConfigError), (2.5, ConfigError)],
    "candidates": [
        ([[1, 2]], ConfigError),
        ([10_000], ConfigError),
        ([0.5], ConfigError),
    ],
    "return_scores": [("yes", ConfigError)],
    "estimator": [],  # any value is accepted: unfitted means cold start
}


def init_params(cls: type[QueryStrategy]) -> list[str]:
    return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]


@pytest.fixture(params=STRATEGIES, ids=lambda c: c.__name__)
def strategy(request: pytest.FixtureRequest) -> QueryStrategy:
    return request.param(random_state=0)


def test_every_constructor_parameter_has_bad_value_cases() -> None:
    for cls in STRATEGIES:
        for name in init_params(cls):
            assert name in BAD_INIT_PARAMS, f"{cls.__name__}.{name} has no test cases"


def test_every_query_parameter_has_a_case_table() -> None:
    params = inspect.signature(QueryStrategy.query).parameters
    for name, param in params.items():
        if param.kind is inspect.Parameter.KEYWORD_ONLY:
            assert name in BAD_QUERY_PARAMS, f"query parameter {name} has no cases"


@pytest.mark.parametrize("cls", STRATEGIES, ids=lambda c: c.__name__)
def test_strategy_rejects_bad_constructor_values_at_query_time(
    cls: type[QueryStrategy], pool: Any
) -> None:
    X, y, model = pool
    for name in init_params(cls):
        for value, error in BAD_INIT_PARAMS[name]:
            strategy = cls(random_state=0)
            strategy.set_params(**{name: value})
            with pytest.raises(error, match=name):
                strategy.query(X, y, estimator=model)


def test_strategy_rejects_bad_query_values(strategy: QueryStrategy, pool: Any) -> None:
    X, y, model = pool
    for name, cases in BAD_QUERY_PARAMS.items():
        for value, error in cases:
            with pytest.raises(error, match=name):
                strategy.query(X, y, estimator=model, **{name: value})


def test_strategy_error_message_names_strategy_and_value(pool: Any) -> None:
    X, y, model = pool
    with pytest.raises(ConfigError) as info:
        UncertaintySampling().query(X, y, estimator=model, batch_size=0)
    assert str(info.value) == (
        "The 'batch_size' parameter of UncertaintySampling must be an int >= 1. "
        "Got 0 instead."
    )


def test_strategy_init_only_stores_arguments(strategy: QueryStrategy) -> None:
    bad = clone(strategy).set_params(random_state="not validated yet")
    assert bad.get_params()["random_state"] == "not validated yet"


def test_strategy_returns_distinct_unlabeled_positions(
    strategy: QueryStrategy, pool: Any
) -> None:
    X, y, model = pool
    picked = strategy.query(X, y, estimator=model, batch_size=12)
    assert picked.dtype.kind == "i"
    assert picked.shape == (12,)
    assert len(set(picked.tolist())) == 12
    assert picked.min() >= 60


def test_strategy_only_picks_among_candidates(
    strategy: QueryStrategy, pool: Any
) -> None:
    X, y, model = pool
    candidates = np.arange(50, 120)
    picked = strategy.query(X, y, estimator=model, candidates=candidates, batch_size=5)
    assert set(picked.tolist()) <= set(range(60, 120))


def test_strategy_returns_fewer_rows_when_pool_is_smaller_than_batch(
    strategy: QueryStrategy, pool: Any
) -> None:
    X, y, model = pool
    picked = strategy.query(
        X, y, estimator=model, candidates=np.arange(55, 65), batch_size=20
    )
    assert sorted(picked.tolist()) == list(range(60, 65))


def test_strategy_scores_are_nan_for_labeled_rows(
    strategy: QueryStrategy, pool: Any
) -> None:
    X, y, model = pool
    picked, scores = strategy.query(
        X, y, estimator=model, batch_size=3, return_scores=True
    )
    assert scores.shape == (X.shape[0],)
    assert np.isnan(scores[:60]).all()
    assert np.isfinite(scores[picked]).all()


def test_strategy_is_reproducible_with_random_state(
    strategy: QueryStrategy, pool: Any
) -> None:
    X, y, model = pool
    a = clone(strategy).query(X, y, estimator=model, batch_size=8)
    b = clone(strategy).query(X, y, estimator=model, batch_size=8)
    np.testing.assert_array_equal(a, b)


def test_strategy_without_a_fitted_model_still_returns_a_batch(
    strategy: QueryStrategy, pool: Any
) -> None:
    X, _, _ = pool
    y = np.full(X.shape[0], np.nan)
    picked = strategy.query(X, y, estimator=None, batch_size=7)
    assert len(set(picked.tolist())) == 7


def test_strategy_rejects_y_of_the_wrong_length(
    strategy: QueryStrategy, pool: Any
) -> None:
    X, y, model = pool
    with pytest.raises(ConfigError, match="'y' parameter"):
        strategy.query(X, y[:-1], estimator=model)


def test_strategy_rejects_x_that_is_not_a_matrix(strategy: QueryStrategy) -> None:
    with pytest.raises(ConfigError, match="'X' parameter"):
        strategy.query([1, 2, 3], [np.nan] * 3)
