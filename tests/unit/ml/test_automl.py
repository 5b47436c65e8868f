"""AutoML search: trials scored by cross-validated macro-F1 on the default
model's folds, a winner only when it beats the default, a refused budget."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from activelabel.exceptions import ConfigError
from activelabel.loop.automl_record import automl_summary
from activelabel.loop.featurizers import make_featurizer
from activelabel.loop.model_choice import FIRST_SEARCH_LABELS, search_due
from activelabel.ml.automl import (
    build_estimator,
    check_time_budget,
    search_estimator,
    search_model,
)
from activelabel.ml.automl_learners import LEARNERS, learners_for
from activelabel.ml.training import cross_validate_model, make_estimator, train_model

SMS = Path(__file__).parents[2] / "fixtures" / "sms_sample.tsv"


@pytest.fixture(scope="module")
def sms() -> tuple[Any, np.ndarray[Any, Any]]:
    """TF-IDF rows of the 200 SMS of the fixture and their ham/spam labels."""
    rows = [line.rstrip("\n").split("\t", 1) for line in SMS.open(encoding="utf-8")]
    X = make_featurizer("text", "tfidf").fit_transform([text for _, text in rows])
    return X, np.array([label for label, _ in rows])


@pytest.fixture(scope="module")
def digits() -> tuple[Any, np.ndarray[Any, Any]]:
    """300 of scikit-learn's handwritten digits (8 x 8 pixels, 10 classes)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def _budget(X: Any, y: Any) -> float:
    """5 s on a quiet machine; more on a busy one, where the default model's
    own cross-validation (scored before any trial) takes seconds."""
    started = time.monotonic()
    cross_validate_model(make_estimator("logistic"), X, y)
    return 5.0 + 4 * (time.monotonic() - started)


def test_a_search_on_digits_records_its_trials_and_a_winner_better_than_logistic(
    digits: tuple[Any, Any],
) -> None:
    X, y = digits
    budget = _budget(X, y)
    found = search_model(X, y, time_budget=budget)
    assert len(found.trials) > 1, f"no trial but the default's within {budget:.1f} s"
    assert found.seconds <= budget * 1.2
    for trial in found.trials:
        assert trial["learner"] in LEARNERS
        assert isinstance(trial["params"], dict) and trial["seconds"] >= 0
    scores = [t["macro_f1"] for t in found.trials if t["macro_f1"] is not None]
    assert found.best_macro_f1 == max(scores)
    assert found.baseline_macro_f1 is not None
    # The default's score is its cross-validated macro-F1 on the same folds.
    _, _, _, metrics = cross_validate_model(make_estimator("logistic"), X, y)
    assert found.baseline_macro_f1 == pytest.approx(metrics["macro_f1"])
    record = found.record()
    json.dumps(record)  # stored as a model version's metrics
    if found.best_macro_f1 > found.baseline_macro_f1:
        assert record["winner"] == found.best
        assert record["winner_title"] == LEARNERS[found.best["learner"]].title
    else:
        assert record["winner"] is None


def test_the_winners_cross_validated_score_is_its_trials(
    digits: tuple[Any, Any],
) -> None:
    X, y = digits
    found = search_model(X, y, time_budget=_budget(X, y), learners=["kneighbor"])
    assert found.best is not None
    trained = train_model(X, y, estimator=build_estimator(found.best))
    assert trained.metrics["macro_f1"] == pytest.approx(found.best_macro_f1)


def test_chi_squared_selection_is_offered_only_for_features_never_negative(
    sms: tuple[Any, Any],
) -> None:
    X, _ = sms
    assert "kbest_chi2" in learners_for(X)
    assert "kbest_chi2" not in learners_for(X.toarray() - 0.5)


def _linear(seed: int = 0) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Two classes split by a plane through 40 dimensions: logistic regression's
    home ground, where neighbours in all 40 are lost."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(120, 40))
    y = np.where(X @ rng.normal(size=40) > 0, "yes", "no")
    return X, y


def test_the_default_model_is_kept_when_no_trial_beats_it() -> None:
    X, y = _linear()
    found = search_model(X, y, time_budget=_budget(X, y), learners=["kneighbor"])
    assert found.best_macro_f1 is not None and found.baseline_macro_f1 is not None
    assert found.best_macro_f1 < found.baseline_macro_f1
    assert found.winner is None and found.record()["winner"] is None
    kept = search_estimator(X, y, time_budget=2)
    assert isinstance(kept, LogisticRegression)
    assert automl_summary({**found.record(), "searched": True, "searched_at": 120})
    assert "kept logistic" in str(
        automl_summary({**found.record(), "searched": True, "searched_at": 120})
    )


def test_a_learner_that_beats_logistic_wins() -> None:
    # A checkerboard: no plane separates it; a forest does.
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(200, 2))
    y = np.where((X[:, 0] > 0) ^ (X[:, 1] > 0), "a", "b")
    found = search_model(X, y, time_budget=_budget(X, y), learners=["rf", "kneighbor"])
    assert found.winner is not None
    assert found.best_macro_f1 > found.baseline_macro_f1 + 0.2
    summary = automl_summary({**found.record(), "searched": True, "searched_at": 200})
    assert summary is not None and summary.startswith("AutoML: ")
    assert "vs logistic" in summary


def test_a_multilabel_search_scores_one_vs_rest_models() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(90, 5))
    y = [
        [name for name, on in (("x", row[0] > 0), ("y", row[1] > 0)) if on] for row in X
    ]
    found = search_model(X, y, time_budget=10, multilabel=True, learners=["lrl2", "rf"])
    assert found.baseline_macro_f1 is not None and found.trials
    assert found.best is not None
    model = build_estimator(found.best, multilabel=True)
    assert isinstance(model, OneVsRestClassifier)
    trained = train_model(X, y, multilabel=True, estimator=model)
    assert trained.metrics["macro_f1"] == pytest.approx(found.best_macro_f1)


@pytest.mark.parametrize("budget", [0, -1, 0.0, math.nan, math.inf])
def test_a_time_budget_that_is_not_a_positive_number_is_refused(
    budget: float, sms: tuple[Any, Any]
) -> None:
    with pytest.raises(ConfigError, match=r"^The AutoML time budget must be more"):
        check_time_budget(budget)
    X, y = sms
    with pytest.raises(ConfigError, match=r"more than 0 seconds; got"):
        search_model(X, y, time_budget=budget)


def test_too_few_labels_to_cross_validate_search_nothing() -> None:
    X = np.arange(6, dtype=float).reshape(3, 2)
    found = search_model(X, np.array(["a", "b", "c"]), time_budget=2)
    assert found.trials == [] and found.winner is None
    assert found.note.startswith("No search: no cross-validation")


def test_an_unknown_learner_is_named() -> None:
    with pytest.raises(
        ConfigError, match=r"^Unknown AutoML learner 'svm'; the learners"
    ):
        build_estimator({"learner": "svm", "params": {}})


def test_searches_come_at_thirty_labels_then_each_time_they_double() -> None:
    assert not search_due(FIRST_SEARCH_LABELS - 1, None)
    assert search_due(FIRST_SEARCH_LABELS, None)
    last = {"searched_at": 40, "winner": None}
    assert not search_due(79, last)
    assert search_due(80, last)
    # A search made early (train --automl at 10 labels) waits for 30.
    assert not search_due(20, {"searched_at": 10})
    assert search_due(30, {"searched_at": 10})


def test_the_model_panel_names_the_winner_against_logistic() -> None:
    import datetime as dt

    from activelabel.server.presenters import model_figures

    record = {
        "searched": True,
        "searched_at": 300,
        "winner": {"learner": "rf", "params": {}},
        "winner_title": LEARNERS["rf"].title,
        "best_macro_f1": 0.912,
        "baseline_macro_f1": 0.881,
        "trials": [{}] * 42,
        "seconds": 58.2,
    }
    figures = model_figures("m", 0.9, 300, dt.datetime.now(dt.UTC), {"automl": record})
    assert figures.model_summary == (
        "AutoML: random forest, macro-F1 0.91 vs logistic 0.88 (42 trials in 58 s)"
    )
    refit = {**record, "searched": False, "trials": None}
    assert model_figures(
        "m", 0.9, 310, dt.datetime.now(dt.UTC), {"automl": refit}
    ).model_summary == (
        "AutoML: random forest, macro-F1 0.91 vs logistic 0.88 (searched at 300 labels)"
    )
    assert (
        model_figures("m", 0.9, 10, dt.datetime.now(dt.UTC), {}).model_summary is None
    )


def test_a_trial_past_the_deadline_stops_before_its_next_fit() -> None:
    from activelabel.ml.automl_scoring import Deadline, OutOfTime

    X, y = _linear()
    late = Deadline(make_estimator("logistic"), time.monotonic() - 1)
    with pytest.raises(OutOfTime):
        late.fit(X, y)
    in_time = Deadline(make_estimator("logistic"), time.monotonic() + 60).fit(X, y)
    assert list(in_time.classes_) == ["no", "yes"]
    assert in_time.predict_proba(X).shape == (120, 2)


def test_a_model_before_the_first_search_says_when_it_comes() -> None:
    from activelabel.loop.model_choice import _carried

    assert automl_summary(_carried(None, 12)) == (
        "AutoML: the first search comes at 30 labels; "
        "logistic regression learned the 12 so far"
    )


def test_the_chosen_models_fit_reuses_its_trials_cross_validation(
    digits: tuple[Any, Any],
) -> None:
    X, y = digits
    found = search_model(X, y, time_budget=_budget(X, y), learners=["kneighbor"])
    assert found.chosen_cv is not None
    chosen = found.winner or {"learner": "lrl2", "params": {"C": 1.0}}
    model = (
        make_estimator("logistic")
        if found.winner is None
        else build_estimator(found.winner)
    )
    reused = train_model(X, y, estimator=model, cross_validated=found.chosen_cv)
    redone = train_model(
        X, y, estimator=build_estimator(chosen) if found.winner else None
    )
    assert reused.metrics["macro_f1"] == pytest.approx(redone.metrics["macro_f1"])
    assert reused.cv_score == pytest.approx(redone.cv_score)
    assert reused.cv_note == redone.cv_note and reused.cv_folds == redone.cv_folds
    np.testing.assert_allclose(reused.oof_proba, redone.oof_proba)
    np.testing.assert_allclose(
        reused.estimator.predict_proba(X), redone.estimator.predict_proba(X)
    )
