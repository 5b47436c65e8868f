"""Calibrated confidences: the expected calibration error and temperature scaling."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from activelabel.ml.calibration import (
    apply_temperature,
    calibrated_proba,
    expected_calibration_error,
    fit_temperature,
    oof_confidence,
)
from activelabel.ml.training import load_model_bytes, save_model_bytes, train_model


def test_ece_is_the_size_weighted_gap_between_confidence_and_accuracy() -> None:
    # Bin 0.8: confidence 0.8, one of two right (gap 0.3); bin 0.6: confidence
    # 0.6, both right (gap 0.4). (2 * 0.3 + 2 * 0.4) / 4 = 0.35.
    ece = expected_calibration_error([0.8, 0.8, 0.6, 0.6], [True, False, True, True])
    assert ece == pytest.approx(0.35)
    assert expected_calibration_error([0.9] * 10, [True] * 9 + [False]) == (
        pytest.approx(0.0)
    )
    # A confidence of exactly 1 falls in the last bin, not past it.
    assert expected_calibration_error([1.0, 1.0], [True, False]) == pytest.approx(0.5)
    assert np.isnan(expected_calibration_error([], []))


def test_ece_refuses_confidences_and_answers_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="one of each per prediction"):
        expected_calibration_error([0.5, 0.6], [True])


def test_multilabel_confidence_counts_every_yes_or_no_decision() -> None:
    confidence, correct = oof_confidence(
        np.array([[0.9, 0.2]]), np.array([[1, 1]]), multilabel=True
    )
    assert confidence.tolist() == pytest.approx([0.9, 0.8])
    assert correct.tolist() == [True, False]


def test_a_temperature_keeps_each_rows_order_and_sums_to_one() -> None:
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    sharper = apply_temperature(proba, 0.5, multilabel=False)
    assert sharper.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert (sharper.argmax(axis=1) == proba.argmax(axis=1)).all()
    assert sharper.max(axis=1).tolist() > proba.max(axis=1).tolist()
    assert apply_temperature(proba, 1.0, multilabel=False) == pytest.approx(proba)
    yes_no = apply_temperature(np.array([[0.7, 0.4]]), 2.0, multilabel=True)
    assert ((yes_no >= 0.5) == (np.array([[0.7, 0.4]]) >= 0.5)).all()
    assert 0.5 < yes_no[0, 0] < 0.7


def test_an_underconfident_model_gets_a_temperature_below_one() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, size=400)
    # Always 0.6 for the right class: right every time, yet only 60 % sure.
    proba = np.where(truth[:, None] == np.arange(2), 0.6, 0.4)
    assert fit_temperature(proba, truth, multilabel=False) < 1.0


def test_calibration_lowers_the_held_out_ece_of_a_model_trained_on_digits() -> None:
    X, y = load_digits(return_X_y=True)
    rows = np.random.default_rng(0).choice(len(y), size=300, replace=False)
    trained = train_model(X[rows] / 16.0, y[rows])
    record = trained.metrics["calibration"]
    assert record["method"] == "temperature"
    assert record["ece_after"] < record["ece_before"]
    assert record["n_rows"] == 300
    # Held out for real: scaled by the stored temperature, the model's
    # confidences on unseen digits are closer to its accuracy there too.
    unseen = np.setdiff1d(np.arange(len(y)), rows)
    raw = trained.estimator.predict_proba(X[unseen] / 16.0)
    calibrated = calibrated_proba(trained.estimator, X[unseen] / 16.0)
    truth = np.searchsorted(np.unique(y), y[unseen])
    before = expected_calibration_error(*oof_confidence(raw, truth, multilabel=False))
    after = expected_calibration_error(
        *oof_confidence(calibrated, truth, multilabel=False)
    )
    assert after < before


def test_the_temperature_is_saved_with_the_model_in_its_skops_file() -> None:
    X, y = load_digits(return_X_y=True)
    trained = train_model(X[:200] / 16.0, y[:200])
    loaded = load_model_bytes(save_model_bytes(trained.estimator))
    assert loaded.calibration_ == trained.estimator.calibration_
    assert calibrated_proba(loaded, X[200:205] / 16.0) == pytest.approx(
        calibrated_proba(trained.estimator, X[200:205] / 16.0)
    )


def test_too_few_held_out_rows_keep_the_raw_probabilities() -> None:
    X, y = load_digits(return_X_y=True)
    trained = train_model(X[:12] / 16.0, np.where(y[:12] < 5, "low", "high"))
    record = trained.metrics["calibration"]
    assert record["method"] == "none"
    assert "12 held-out rows; calibration starts at 20" in record["reason"]
    assert calibrated_proba(trained.estimator, X[20:23] / 16.0) == pytest.approx(
        trained.estimator.predict_proba(X[20:23] / 16.0)
    )
