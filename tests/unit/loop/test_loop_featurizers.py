"""The one featurizer choice: by name per modality, and where features are cached."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from activelabel.exceptions import ConfigError
from activelabel.loop.featurizers import (
    LARGE_TEXT_POOL,
    feature_cache_dir,
    make_featurizer,
)
from activelabel.ml import (
    AudioFeaturizer,
    ImageFeaturizer,
    SentenceEmbeddingFeaturizer,
    TabularFeaturizer,
    TextFeaturizer,
)
from activelabel.project_config import FEATURIZERS


def _store(url: str) -> Any:
    return SimpleNamespace(engine=SimpleNamespace(url=make_url(url)))


def test_make_featurizer_gives_each_modality_its_default() -> None:
    text = make_featurizer("text")
    assert isinstance(text, TextFeaturizer) and text.kind == "tfidf"
    assert isinstance(make_featurizer("tabular"), TabularFeaturizer)
    assert isinstance(make_featurizer("image"), ImageFeaturizer)
    assert isinstance(make_featurizer("audio"), AudioFeaturizer)


def test_make_featurizer_hashes_a_large_text_pool() -> None:
    large = make_featurizer("text", pool_size=LARGE_TEXT_POOL + 1)
    assert isinstance(large, TextFeaturizer)
    assert large.kind == "hashing" and large.char_ngrams is None
    assert make_featurizer("text", "tfidf", pool_size=10).kind == "tfidf"


def test_make_featurizer_builds_every_name_a_project_may_choose() -> None:
    for modality, names in FEATURIZERS.items():
        for name in names:
            assert make_featurizer(modality, name).featurizer_id
    assert make_featurizer("text", "hashing").kind == "hashing"
    assert isinstance(
        make_featurizer("text", "embeddings"), SentenceEmbeddingFeaturizer
    )


def test_make_featurizer_refuses_a_name_the_modality_cannot_use() -> None:
    with pytest.raises(ConfigError, match="cannot use the featurizer 'embeddings'"):
        make_featurizer("tabular", "embeddings")
    with pytest.raises(ConfigError, match="modality 'video'"):
        make_featurizer("video")


def test_feature_cache_dir_prefers_the_argument_then_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(f"sqlite:///{tmp_path / 'labels.db'}")
    monkeypatch.delenv("ACTIVELABEL_CACHE_DIR", raising=False)
    assert feature_cache_dir(store) == tmp_path / "labels.db.activelabel-cache"
    monkeypatch.setenv("ACTIVELABEL_CACHE_DIR", str(tmp_path / "set"))
    assert feature_cache_dir(store) == tmp_path / "set"
    assert feature_cache_dir(store, tmp_path / "given") == tmp_path / "given"


def test_feature_cache_dir_of_a_server_database_is_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ACTIVELABEL_CACHE_DIR", raising=False)
    store = _store("postgresql+psycopg://u@localhost/labels")
    assert feature_cache_dir(store) == Path(".activelabel-cache")
