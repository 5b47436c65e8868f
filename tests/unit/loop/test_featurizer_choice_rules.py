"""The auto featurizer picks by cross-validated macro-F1; embeddings need their extra."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from activelabel import extras
from activelabel.exceptions import ConfigError
from activelabel.loop.featurizer_choice import compare_featurizers, pick_featurizer
from activelabel.loop.featurizers import make_featurizer
from activelabel.ml.combined_features import (
    EMBEDDING_WEIGHT,
    CombinedTextFeaturizer,
    combine_text_features,
)
from activelabel.ml.text_features import TextFeaturizer
from activelabel.project_config import ProjectConfig


def test_auto_picks_the_featurizer_whose_rows_separate_the_labels() -> None:
    rng = np.random.default_rng(0)
    y = np.array(["ham"] * 30 + ["spam"] * 10)
    noise = sp.csr_matrix(rng.random((40, 50)))
    telling = rng.normal(size=(40, 8)) + (y == "spam")[:, None] * 3.0
    scores = compare_featurizers(
        {
            "tfidf": noise,
            "embeddings": telling,
            "both": combine_text_features(noise, telling),
        },
        y.tolist(),
        family="single_label",
        kind="logistic",
    )
    assert scores["embeddings"] > scores["tfidf"] + 0.3
    assert pick_featurizer(scores) in ("embeddings", "both")
    assert pick_featurizer(scores) == max(scores, key=lambda k: scores[k])


def test_a_tie_goes_to_the_cheaper_featurizer() -> None:
    assert pick_featurizer({"tfidf": 0.9, "embeddings": 0.9, "both": 0.9}) == "tfidf"
    assert pick_featurizer({"tfidf": 0.5, "embeddings": 0.9, "both": 0.9}) == (
        "embeddings"
    )


def test_both_puts_each_half_at_the_same_norm() -> None:
    texts = ["win a free prize now", "see you at lunch"]
    tfidf = TextFeaturizer().fit_transform(texts)
    unit = np.eye(2, 3, dtype=np.float32)
    both = combine_text_features(tfidf, unit)
    assert both.shape == (2, tfidf.shape[1] + 3)
    halves = (both[:, : tfidf.shape[1]], both[:, tfidf.shape[1] :])
    norms = [sp.linalg.norm(half, axis=1) for half in halves]
    assert norms[0] == pytest.approx(norms[1])
    assert norms[1] == pytest.approx([EMBEDDING_WEIGHT] * 2)
    with pytest.raises(ValueError, match="same items"):
        combine_text_features(tfidf, unit[:1])


def test_both_and_embeddings_are_refused_without_the_extra_naming_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extras, "embeddings_installed", lambda: False)
    for name in ("embeddings", "both"):
        with pytest.raises(
            ConfigError, match='pip install "activelabel\\[embeddings\\]"'
        ):
            make_featurizer("text", name)
        with pytest.raises(ConfigError, match=f"featurizer '{name}'.*embeddings extra"):
            ProjectConfig(featurizer=name).check_featurizer("text")
    # auto and tfidf need nothing more.
    ProjectConfig(featurizer="auto").check_featurizer("text")
    assert isinstance(make_featurizer("text", "auto"), TextFeaturizer)


def test_make_featurizer_builds_both_and_starts_auto_from_tfidf() -> None:
    if not extras.embeddings_installed():
        pytest.skip("the embeddings extra is not installed")
    assert isinstance(make_featurizer("text", "both"), CombinedTextFeaturizer)
    auto = make_featurizer("text", "auto")
    assert auto.featurizer_id == make_featurizer("text", "tfidf").featurizer_id
