"""The types a model file may hold: exactly those activelabel's models and
featurizers save, listed in code; anything else is refused before it is built."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from activelabel.exceptions import ConfigError
from activelabel.ml import (
    AudioFeaturizer,
    ImageFeaturizer,
    TabularFeaturizer,
    TextFeaturizer,
    load_model_bytes,
    save_model_bytes,
)
from activelabel.ml.automl import build_estimator
from activelabel.ml.automl_learners import LEARNERS
from activelabel.ml.featurizer import Featurizer
from activelabel.ml.skops_files import SAVED_TYPES
from activelabel.ml.training import MODEL_KINDS, fit_quietly, make_estimator, sio

FIXTURES = Path(__file__).parents[2] / "fixtures"
RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 6)).astype(np.float32)

#: Every kind of target a project trains on: text labels (binary and more),
#: numeric labels (wine grades), and multi-label indicator rows.
TARGETS: dict[str, Any] = {
    "binary text": np.array(["ham", "spam"] * 30),
    "numbers": np.array([3, 4, 5, 6] * 15),
    "several texts": np.array(["a", "b", "c"] * 20),
    "multilabel": np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 15),
}


def _texts() -> list[str]:
    return ["Free entry! Win cash now", "are we meeting at lunch", "WIN a prize"] * 4


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "number": [1.0, 2.0, None, 4.0] * 5,
            "category": ["x", "y", "z", None] * 5,
            "count": [1, 2, 3, 4] * 5,
            "flag": [True, False, True, True] * 5,
        }
    )


def _images() -> list[str]:
    return sorted(str(p) for p in (FIXTURES / "images").glob("*/*.jpg"))[:4]


def _sounds() -> list[str]:
    return sorted(str(p) for p in (FIXTURES / "audio").glob("*.wav"))[:4]


#: Every featurizer a project can save, with items it is fitted on.
FEATURIZERS: dict[str, tuple[Callable[[], Featurizer], Callable[[], Any]]] = {
    "text tfidf": (TextFeaturizer, _texts),
    "text hashing": (lambda: TextFeaturizer("hashing"), _texts),
    "text hashing, words only": (
        lambda: TextFeaturizer("hashing", char_ngrams=None),
        _texts,
    ),
    "table": (TabularFeaturizer, _table),
    "images": (ImageFeaturizer, _images),
    "audio": (AudioFeaturizer, _sounds),
}


def _as_array(matrix: Any) -> Any:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


MODELS = [(kind, target) for kind in MODEL_KINDS for target in TARGETS]

#: The AutoML learners' estimators, on the sparse, never negative rows of
#: TF-IDF (chi-squared selection needs them; k nearest neighbours keeps them).
AUTOML_MODELS = [(name, target) for name in LEARNERS for target in TARGETS]
SPARSE_X = sp.csr_matrix(np.abs(X))


def _automl_estimator(name: str, multilabel: bool) -> Any:
    learner = LEARNERS[name]
    n_rows, n_cols = SPARSE_X.shape
    params = {**learner.low_cost(n_rows, n_cols), **learner.start(n_rows, n_cols)}
    # The forests' criterion and the selection's k, where the start leaves them.
    fill = {"criterion": "entropy", "k": min(3, n_cols), "C": 1.0}
    space = learner.space(n_rows, n_cols)
    params = {**{k: v for k, v in fill.items() if k in space}, **params}
    params["k"] = min(params.get("k", n_cols), n_cols)
    if "k" not in space:
        del params["k"]
    return build_estimator({"learner": name, "params": params}, multilabel=multilabel)


@pytest.fixture(scope="module")
def saved() -> dict[str, tuple[Any, bytes]]:
    """Every model family on every kind of target, and every featurizer, fitted
    once and saved: name to (fitted object, skops file)."""
    out: dict[str, tuple[Any, bytes]] = {}
    for kind, target in MODELS:
        model = make_estimator(kind, multilabel=target == "multilabel")
        fitted = fit_quietly(model, X, TARGETS[target])
        out[f"{kind}, {target}"] = (fitted, save_model_bytes(fitted))
    for name, target in AUTOML_MODELS:
        model = _automl_estimator(name, multilabel=target == "multilabel")
        fitted = fit_quietly(model, SPARSE_X, TARGETS[target])
        out[f"automl {name}, {target}"] = (fitted, save_model_bytes(fitted))
    for name, (make, items) in FEATURIZERS.items():
        featurizer = make().fit(items())
        out[name] = (featurizer, save_model_bytes(featurizer))
    return out


@pytest.mark.parametrize(("kind", "target"), MODELS)
def test_every_model_family_round_trips_with_the_listed_types(
    saved: dict[str, tuple[Any, bytes]], kind: str, target: str
) -> None:
    model, data = saved[f"{kind}, {target}"]
    assert set(sio.get_untrusted_types(data=data)) <= SAVED_TYPES
    loaded = load_model_bytes(data)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize(("name", "target"), AUTOML_MODELS)
def test_every_automl_learner_round_trips_with_the_listed_types(
    saved: dict[str, tuple[Any, bytes]], name: str, target: str
) -> None:
    model, data = saved[f"automl {name}, {target}"]
    assert set(sio.get_untrusted_types(data=data)) <= SAVED_TYPES
    loaded = load_model_bytes(data)
    np.testing.assert_array_equal(loaded.predict(SPARSE_X), model.predict(SPARSE_X))
    np.testing.assert_allclose(
        loaded.predict_proba(SPARSE_X), model.predict_proba(SPARSE_X)
    )


@pytest.mark.parametrize("name", FEATURIZERS)
def test_every_featurizer_round_trips_with_the_listed_types(
    saved: dict[str, tuple[Any, bytes]], name: str
) -> None:
    fitted, data = saved[name]
    assert set(sio.get_untrusted_types(data=data)) <= SAVED_TYPES
    loaded = load_model_bytes(data)
    items = FEATURIZERS[name][1]()
    np.testing.assert_array_equal(
        _as_array(loaded.transform(items)), _as_array(fitted.transform(items))
    )


def test_the_list_holds_no_type_the_project_does_not_save(
    saved: dict[str, tuple[Any, bytes]],
) -> None:
    seen: set[str] = set()
    for _, data in saved.values():
        seen.update(sio.get_untrusted_types(data=data))
    assert seen == SAVED_TYPES


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"run": os.system}, "posix.system" if os.name == "posix" else "nt.system"),
        ({"run": eval}, "builtins.eval"),
        ({"call": exec, "model": make_estimator()}, "builtins.exec"),
        ({"when": dt.timedelta(days=1)}, "datetime.timedelta"),
    ],
)
def test_a_file_with_a_type_activelabel_never_saves_is_refused_with_a_sentence(
    payload: dict[str, Any], named: str
) -> None:
    crafted = sio.dumps(payload)
    with pytest.raises(ConfigError) as refused:
        load_model_bytes(crafted)
    message = str(refused.value)
    assert message.startswith(
        "The model file contains types that are not trusted and was not loaded: "
    )
    assert named in message and message.endswith(".")


def test_a_model_holding_an_unlisted_type_is_not_saved() -> None:
    model = fit_quietly(make_estimator(), X, TARGETS["binary text"])
    model.note_ = dt.timedelta(days=1)  # what a new model family might carry
    with pytest.raises(
        ConfigError,
        match=r"^A LogisticRegression holds types that activelabel does not trust "
        r"when loading a model file \(datetime\.timedelta\); it was not saved\.$",
    ):
        save_model_bytes(model)


class _OwnTextFeaturizer(TextFeaturizer):
    """A featurizer class of a caller's own: not on the list."""


def test_the_feature_cache_does_not_store_a_featurizer_it_could_not_load(
    tmp_path: Path,
) -> None:
    from activelabel.ml import FeatureCache

    cache = FeatureCache(tmp_path)
    own = _OwnTextFeaturizer().fit(_texts())
    assert cache.save_featurizer("own", own) is None
    assert cache.load_featurizer("own") is None
    stored = cache.save_featurizer("ours", TextFeaturizer().fit(_texts()))
    assert stored is not None
    assert isinstance(cache.load_featurizer("ours"), TextFeaturizer)
