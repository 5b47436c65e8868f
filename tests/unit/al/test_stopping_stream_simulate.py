"""Stopping signal, auto-accept stream mode, strategy names, and simulate."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import activelabel.al as al
from activelabel.al import (
    ConfidenceThresholdStream,
    StoppingSignal,
    agreement_kappa,
    learning_curve_area,
    make_strategy,
    select_stop_set,
    simulate,
)
from activelabel.exceptions import ConfigError


def test_exported_members_are_sorted_and_exist() -> None:
    assert al.__all__ == sorted(al.__all__, key=lambda n: (not n.isupper(), n))
    for name in al.__all__:
        assert hasattr(al, name)


def test_agreement_kappa_is_one_for_identical_single_class_predictions() -> None:
    assert agreement_kappa(["a", "a"], ["a", "a"]) == 1.0
    assert agreement_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) < 0


def test_stopping_signal_fires_after_window_stable_rounds() -> None:
    signal = StoppingSignal(threshold=0.99, window=3)
    preds = np.array(["a", "b"] * 50)
    changed = preds.copy()
    changed[:10] = "c"
    signal.update(changed, n_labels=10, cv_score=0.5)
    for n in (20, 30, 40):
        assert not signal.should_stop
        signal.update(preds, n_labels=n, cv_score=0.8)
    assert signal.stable_rounds == 2 and not signal.should_stop
    signal.update(preds, n_labels=50, cv_score=0.8)
    data = signal.to_dict()
    assert data["should_stop"] is True
    assert [e["n_labels"] for e in data["history"]] == [10, 20, 30, 40, 50]
    assert data["history"][0]["kappa"] is None
    json.dumps(data)


def test_stopping_signal_rejects_bad_threshold_and_window() -> None:
    with pytest.raises(ConfigError, match="'threshold'"):
        StoppingSignal(threshold=1.5)
    with pytest.raises(ConfigError, match="'window'"):
        StoppingSignal(window=0)


def test_stop_set_is_fixed_unlabeled_sample() -> None:
    y = np.array([1.0, np.nan, np.nan, 2.0, np.nan])
    a = select_stop_set(y, size=2, random_state=0)
    assert set(a.tolist()) <= {1, 2, 4} and a.size == 2
    np.testing.assert_array_equal(a, select_stop_set(y, size=2, random_state=0))


def test_stream_auto_accepts_only_confident_predictions(pool: Any) -> None:
    X, _, model = pool
    accepted = ConfidenceThresholdStream(threshold=0.6).accept(X, estimator=model)
    proba = model.predict_proba(X)
    assert (proba[accepted.indices].max(axis=1) >= 0.6 - 1e-6).all()
    assert set(np.flatnonzero(proba.max(axis=1) >= 0.6 + 1e-4)) <= set(accepted.indices)
    assert accepted.source == "model"
    np.testing.assert_array_equal(
        accepted.labels, model.classes_[proba[accepted.indices].argmax(axis=1)]
    )


def test_stream_refuses_unfitted_model_and_bad_threshold(pool: Any) -> None:
    X, _, model = pool
    with pytest.raises(ConfigError, match="not fitted"):
        ConfidenceThresholdStream().accept(X, estimator=None)
    with pytest.raises(ConfigError, match="'threshold'"):
        ConfidenceThresholdStream(threshold=0.3).accept(X, estimator=model)


def test_make_strategy_lists_names_for_unknown_strategy() -> None:
    with pytest.raises(ConfigError, match="margin"):
        make_strategy("magic")


def test_learning_curve_area_is_mean_for_even_rounds() -> None:
    assert learning_curve_area([10, 20, 30], [0.5, 0.7, 0.9]) == pytest.approx(0.7)


def test_simulate_reports_curves_summary_and_files(digits: Any, tmp_path: Any) -> None:
    X, y = digits
    result = simulate(
        X, y, strategies=["margin", "random"], budget=40, batch_size=10, seeds=2
    )
    assert set(result.curves["strategy"]) == {"margin", "random"}
    assert result.curves.groupby(["strategy", "seed"]).size().eq(4).all()
    summary = result.summary.set_index("strategy")
    assert 0 < summary.loc["margin", "auc"] <= 1
    assert summary.loc["random", "seconds_per_round"] > 0
    result.to_csv(tmp_path / "c.csv")
    payload = json.loads(result.to_json(tmp_path / "c.json").read_text())
    assert payload["config"]["budget"] == 40
    assert result.plot(tmp_path / "c.png").stat().st_size > 1000


def test_simulate_same_seed_gives_same_start_for_every_strategy(digits: Any) -> None:
    X, y = digits
    result = simulate(X, y, strategies=["margin", "random"], budget=10, seeds=[3])
    first = result.curves[result.curves["round"] == 0]
    assert first["accuracy"].nunique() == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "'batch_size'"),
        ({"budget": 5}, "'budget'"),
        ({"strategies": ["nope"]}, "Unknown strategy"),
        ({"seeds": 0}, "'seeds'"),
        ({"test_size": 1.5}, "'test_size'"),
        ({"budget": 10_000}, "larger than the pool"),
    ],
)
def test_simulate_rejects_bad_parameters(digits: Any, kwargs: Any, match: str) -> None:
    X, y = digits
    with pytest.raises(ConfigError, match=match):
        simulate(X, y, **kwargs)
