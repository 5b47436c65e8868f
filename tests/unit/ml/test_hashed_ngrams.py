"""Hashed n-grams in numpy: scikit-learn's n-grams, hashed, idf-weighted, per block."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from activelabel.ml import hashed_ngrams
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.hashed_ngrams import HashedNgrams
from activelabel.ml.text_features import TextFeaturizer

TEXTS = [
    "Free entry! Win cash now",
    "are we meeting at lunch? a b",
    "WIN a prize, call now 08001234567",
    "Crème brûlée\tat  the café_2 😀😀 naïve",
    "",
    "   ",
    "x",
    "ok",
    "Stocks fall as oil climbs; Stocks fall again",
]

#: Enough columns that no two distinct n-grams of TEXTS share one.
WIDE = 2**20


def _distinct_per_row(X: sp.csr_matrix) -> list[int]:
    return np.diff(X.indptr).tolist()


@pytest.mark.parametrize(
    ("options", "vectorizer"),
    [
        (
            {"word_ngrams": (1, 2), "symbols": False},
            CountVectorizer(ngram_range=(1, 2)),
        ),
        (
            {"word_ngrams": (1, 1), "symbols": False},
            CountVectorizer(ngram_range=(1, 1)),
        ),
        (
            {"word_ngrams": (1, 2)},
            CountVectorizer(ngram_range=(1, 2), token_pattern=r"\w+|[^\w\s]"),
        ),
        (
            {"word_ngrams": None, "char_ngrams": (2, 5)},
            CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)),
        ),
    ],
)
def test_each_text_gets_the_distinct_ngrams_scikit_learn_finds(
    options: dict[str, object], vectorizer: CountVectorizer
) -> None:
    counts = vectorizer.fit_transform(TEXTS)
    hashed = HashedNgrams(n_features=WIDE, **options).fit_transform(TEXTS)  # type: ignore[arg-type]
    assert _distinct_per_row(hashed) == _distinct_per_row(counts)


def test_a_repeated_ngram_weighs_one_plus_the_log_of_its_count() -> None:
    X = HashedNgrams(word_ngrams=(1, 1), n_features=WIDE, symbols=False).fit_transform(
        ["spam spam spam eggs", "eggs ham"]
    )
    row = X[0].data
    # idf: "spam" is in one text of two, "eggs" in both.
    idf_spam, idf_eggs = np.log(3 / 2) + 1, 1.0
    expected = np.array([(1 + np.log(3)) * idf_spam, idf_eggs])
    expected /= np.linalg.norm(expected)
    assert sorted(row.tolist()) == pytest.approx(sorted(expected.tolist()), rel=1e-5)


def test_each_block_of_a_row_has_unit_length() -> None:
    X = HashedNgrams(char_ngrams=(2, 5), n_features=2**10).fit_transform(TEXTS)
    assert X.dtype == np.float32 and X.shape == (len(TEXTS), 2 * 2**10)
    for block in (X[:, : 2**10], X[:, 2**10 :]):
        norms = np.sqrt(block.multiply(block).sum(axis=1)).A1
        has_ngrams = np.diff(block.tocsr().indptr) > 0
        assert norms[has_ngrams] == pytest.approx(1.0, abs=1e-5)
        assert (norms[~has_ngrams] == 0).all()


def test_features_do_not_depend_on_how_the_texts_are_chunked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = HashedNgrams(char_ngrams=(2, 5)).fit_transform(TEXTS)
    monkeypatch.setattr(hashed_ngrams, "CHUNK_TEXTS", 2)
    chunked = HashedNgrams(char_ngrams=(2, 5)).fit_transform(TEXTS)
    assert (whole != chunked).nnz == 0


def test_a_fitted_featurizer_transforms_a_text_as_it_did_in_the_pool() -> None:
    fitted = HashedNgrams()
    pool = fitted.fit_transform(TEXTS)
    alone = fitted.transform([TEXTS[2]])
    assert abs(alone - pool[2]).max() < 1e-6


def test_hashing_text_featurizer_saves_and_loads_with_its_idf(tmp_path) -> None:  # type: ignore[no-untyped-def]
    featurizer = TextFeaturizer("hashing", char_ngrams=None)
    cache = FeatureCache(tmp_path)
    X, fitted = cache.get_or_compute(featurizer, TEXTS, [str(i) for i in TEXTS])
    loaded = cache.load_featurizer(cache.key(fitted.featurizer_id, TEXTS))
    assert loaded is not None
    assert abs(loaded.transform(TEXTS) - X).max() < 1e-6
    assert fitted.featurizer_id.startswith("text-hashed-ngrams-")


def test_a_setting_without_any_block_is_refused() -> None:
    with pytest.raises(ValueError, match="word_ngrams, char_ngrams or both"):
        HashedNgrams(word_ngrams=None).fit(TEXTS)
