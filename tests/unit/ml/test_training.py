"""Training: few-label cross-validation, metrics, names, and skops artifacts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import skops.io as sio
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.ml.training import (
    cross_validate_model,
    load_model_bytes,
    make_estimator,
    model_version_name,
    save_model_bytes,
    train_model,
)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def test_train_model_reports_cv_accuracy_macro_f1_and_per_class(digits: tuple) -> None:
    X, y = digits
    trained = train_model(X, y)
    assert trained.cv_folds == 5
    assert 0.8 < trained.cv_score <= 1
    assert set(trained.metrics) >= {"accuracy", "macro_f1", "per_class", "cv_note"}
    assert set(trained.metrics["per_class"]) == {str(c) for c in range(10)}
    assert trained.n_labels == 300
    assert trained.classes == list(range(10))


def test_cv_reduces_folds_to_smallest_class_count() -> None:
    X = np.random.default_rng(0).normal(size=(12, 3))
    y = np.array(["a"] * 9 + ["b"] * 3)
    trained = train_model(X, y, cv=5)
    assert trained.cv_folds == 3
    assert "reduced from 5" in trained.cv_note


def test_cv_keeps_single_example_classes_in_training_only() -> None:
    X = np.random.default_rng(0).normal(size=(9, 3))
    y = np.array(["a"] * 4 + ["b"] * 4 + ["c"])
    trained = train_model(X, y)
    assert trained.metrics["n_scored"] == 8
    assert "'c'" in trained.cv_note
    assert trained.classes == ["a", "b", "c"]


def test_cv_gives_no_score_when_fewer_than_two_classes_can_be_split() -> None:
    X = np.random.default_rng(0).normal(size=(3, 2))
    trained = train_model(X, np.array(["a", "a", "b"]))
    assert trained.cv_score is None
    assert "No cross-validation" in trained.cv_note
    assert trained.name.endswith("-cvNA")


def test_train_model_refuses_a_single_class() -> None:
    with pytest.raises(InvalidLabelError, match="at least two classes"):
        train_model(np.ones((4, 2)), np.array(["a"] * 4))


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"cv": 1}, "'cv'"), ({"kind": "svm"}, "kind")]
)
def test_train_model_rejects_bad_parameters(
    digits: tuple, kwargs: dict, match: str
) -> None:
    X, y = digits
    with pytest.raises(ConfigError, match=match):
        train_model(X, y, **kwargs)


def test_gradient_boosting_and_multilabel_train() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.where(X[:, 0] > 0, "pos", "neg")
    assert train_model(X, y, kind="gradient_boosting").cv_score > 0.7
    tags = [["a", "b"] if r[0] > 0 else ["b"] if r[1] > 0 else ["c"] for r in X]
    multi = train_model(X, tags, multilabel=True)
    assert multi.multilabel and multi.classes == ["a", "b", "c"]
    assert "subset_accuracy" in multi.metrics


def test_model_version_name_is_utc_timestamp_plus_cv_score() -> None:
    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert model_version_name(when, 0.91234) == "20250102T030405.000000Z-cv0.912"


def test_skops_round_trip_predicts_the_same(digits: tuple) -> None:
    X, y = digits
    model = train_model(X, y).estimator
    loaded = load_model_bytes(save_model_bytes(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_load_model_bytes_refuses_untrusted_types() -> None:
    data = sio.dumps({"f": np.random.default_rng(0)})
    blob = sio.dumps(make_estimator())
    assert load_model_bytes(blob).get_params()["class_weight"] == "balanced"
    bad = sio.dumps({"x": dt.timedelta(days=1)})
    with pytest.raises(ConfigError, match="not trusted"):
        load_model_bytes(bad)
    with pytest.raises(ConfigError, match="not a valid skops file"):
        load_model_bytes(b"not a zip")
    assert data


_TRUSTED_TYPES = (
    "import sys{first}\n"
    "from activelabel.ml.training import save_model_bytes\n"
    "from skops.io._trusted_types import SKLEARN_ESTIMATOR_TYPE_NAMES as names\n"
    "print('torch' in sys.modules, len(names), hash(tuple(names)))\n"
)


def test_importing_the_model_file_format_imports_no_torch_and_trusts_the_same() -> None:
    # skops.io imports torch through scikit-learn's package walk when torch is
    # installed (the embeddings extra): ~180 MiB in every process saving a model.
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed: nothing could import it")

    def run(first: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", _TRUSTED_TYPES.format(first=first)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": "0", "PATH": ""},
        )
        return out.stdout.split()

    plain = run("")
    with_torch = run("; import torch")
    assert plain[0] == "False" and with_torch[0] == "True"
    # The trusted estimator types are the same either way.
    assert plain[1:] == with_torch[1:] and int(plain[1]) > 100


def test_a_majority_only_model_scores_the_majority_share_and_is_flagged() -> None:
    # 24 ham, 6 spam: a model that always answers "ham" is 80 % accurate.
    X = np.random.default_rng(0).normal(size=(30, 3))
    y = np.array(["ham"] * 24 + ["spam"] * 6)
    score, _, _, metrics = cross_validate_model(
        DummyClassifier(strategy="most_frequent"), X, y
    )
    assert score == metrics["accuracy"] == pytest.approx(0.8)
    assert metrics["macro_f1"] == pytest.approx((2 * 0.8 / 1.8 + 0) / 2)
    assert metrics["macro_f1"] < metrics["accuracy"]
    assert metrics["per_class"]["spam"]["recall"] == 0.0
    assert metrics["per_class"]["ham"]["recall"] == 1.0
    assert metrics["per_class"]["ham"]["precision"] == pytest.approx(0.8)
    assert metrics["unlearned"] == ["spam"]


def test_a_model_that_learned_every_class_flags_none() -> None:
    rng = np.random.default_rng(0)
    y = np.array(["ham"] * 24 + ["spam"] * 6)
    X = rng.normal(size=(30, 3)) + np.where(y == "spam", 4.0, 0.0)[:, None]
    trained = train_model(X, y)
    assert trained.metrics["unlearned"] == []
    assert trained.metrics["per_class"]["spam"]["recall"] == 1.0


def test_a_multilabel_model_reports_per_label_recall() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = [["a", "c"] if x[0] > 0 else ["b"] for x in X]
    trained = train_model(X, y, multilabel=True, cv=4)
    assert set(trained.metrics["per_class"]) == {"a", "b", "c"}
    assert trained.metrics["per_class"]["c"]["recall"] > 0.5
    assert trained.metrics["macro_f1"] > 0.5
    assert trained.metrics["unlearned"] == []
