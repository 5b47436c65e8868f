"""Marginals computed in numpy from a crfsuite model equal crfsuite's own."""

from __future__ import annotations

import numpy as np
import pycrfsuite
import pytest

from activelabel.exceptions import ConfigError
from activelabel.ml.crf_marginals import CrfWeights
from activelabel.ml.sequence_model import SequenceModel, train_sequence_model
from activelabel.ml.token_features import sentence_features

TRAIN = [
    (["Anna", "Berg", "visited", "Paris", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
    (["Tom", "flew", "to", "New", "York"], ["B-PER", "O", "O", "B-LOC", "I-LOC"]),
    (["زار", "محمد", "القاهرة"], ["O", "B-PER", "B-LOC"]),
    (list("我住在北京"), ["O", "O", "O", "B-LOC", "I-LOC"]),
    # Tokens that look like the model dump's own syntax.
    (["}", "LABELS = {", "0:", "Rome", ":"], ["O", "O", "O", "B-LOC", "O"]),
    (
        ["The", "UN", "met", "in", "Oslo", "in", "1996"],
        ["O", "B-ORG", "O", "O", "B-LOC", "O", "O"],
    ),
]
SENTENCES = [
    ["Anna", "flew", "to", "Oslo", "in", "1997", "."],
    ["Unseen", "words", "only"],
    ["Paris"],
    [],
    ["محمد", "في", "القاهرة"],
    list("他在北京住"),
    ["New", "York", "New", "York", "New", "York", "New", "York", "New", "York"],
    ["}", "LABELS = {", "Rome", "0:"],
]


@pytest.fixture(scope="module")
def model() -> SequenceModel:
    words, tags = zip(*TRAIN, strict=True)
    return train_sequence_model(words, tags, cv_folds=0, max_iterations=40)


def crfsuite_marginals(model: SequenceModel, words: list[str]) -> np.ndarray:
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model.model_file)
    if not words:
        return np.zeros((0, len(model.labels)))
    tagger.set(sentence_features(words))
    return np.array(
        [[tagger.marginal(tag, i) for tag in model.labels] for i in range(len(words))]
    )


def test_numpy_marginals_equal_crfsuite_marginals(model: SequenceModel) -> None:
    (arrays,) = model.iter_marginal_arrays(SENTENCES, chunk_size=len(SENTENCES))
    for words, got in zip(SENTENCES, arrays, strict=True):
        expected = crfsuite_marginals(model, words)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_chunks_and_word_tables_carried_across_them_change_nothing(
    model: SequenceModel,
) -> None:
    one_by_one = [
        a
        for chunk in model.iter_marginal_arrays(SENTENCES, chunk_size=1)
        for a in chunk
    ]
    (all_at_once,) = model.iter_marginal_arrays(SENTENCES, chunk_size=100)
    for a, b in zip(one_by_one, all_at_once, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_weights_read_from_the_file_match_crfsuite_dump(model: SequenceModel) -> None:
    weights = CrfWeights.from_model_file(model.model_file)
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model.model_file)
    info = tagger.info()
    assert sorted(weights.labels) == sorted(info.labels)
    for (source, target), value in info.transitions.items():
        i, j = weights.labels.index(source), weights.labels.index(target)
        assert weights.transition[i, j] == pytest.approx(value, abs=1e-6)
    for (attribute, tag), value in info.state_features.items():
        row = weights.attribute_rows[attribute]
        assert weights.state[row, weights.labels.index(tag)] == pytest.approx(
            value, abs=1e-6
        )


def test_a_file_that_is_not_a_crfsuite_model_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a crfsuite model"):
        CrfWeights.from_model_file(b"PK\x03\x04" + bytes(60))


def test_word_vectors_are_kept_between_calls_and_give_the_same_marginals() -> None:
    words, tags = zip(*TRAIN, strict=True)
    model = train_sequence_model(words, tags, cv_folds=0, max_iterations=20)
    first = model.predict_marginals(SENTENCES[:2])
    weights = model._weights()
    known = len(weights._tables.ids)
    assert model.predict_marginals(SENTENCES[:2]) == first
    assert len(weights._tables.ids) == known
    model.predict_marginals([["a", "word", "never", "seen"]])
    assert len(weights._tables.ids) == known + 4
