"""The CRF sequence model: training with entity-level CV, prediction, saved bytes."""

from __future__ import annotations

import random
import struct

import pytest

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.ml.sequence_model import _MAGIC as MAGIC
from activelabel.ml.sequence_model import SequenceModel, train_sequence_model

PEOPLE = [["Anna", "Berg"], ["Tom"], ["Maria", "Lopez"], ["Ivan"], ["Li", "Wei"]]
PLACES = [["Paris"], ["New", "York"], ["Oslo"], ["Cairo"], ["Lima"]]
TEMPLATES = [
    (["{PER}", "visited", "{LOC}", "yesterday", "."]),
    (["In", "{LOC}", ",", "{PER}", "met", "friends", "."]),
    (["{PER}", "lives", "near", "{LOC}", "."]),
    (["They", "flew", "to", "{LOC}", "with", "{PER}", "."]),
]


def make_sentences(n: int, seed: int = 0) -> tuple[list[list[str]], list[list[str]]]:
    """Sentences from the templates with IOB2 tags, written for these tests."""
    rng = random.Random(seed)
    sentences, tags = [], []
    for _ in range(n):
        words: list[str] = []
        seq: list[str] = []
        for slot in rng.choice(TEMPLATES):
            if slot in ("{PER}", "{LOC}"):
                kind = slot[1:-1]
                entity = rng.choice(PEOPLE if kind == "PER" else PLACES)
                words += entity
                seq += ["B-" + kind] + ["I-" + kind] * (len(entity) - 1)
            else:
                words.append(slot)
                seq.append("O")
        sentences.append(words)
        tags.append(seq)
    return sentences, tags


@pytest.fixture(scope="module")
def model() -> SequenceModel:
    sentences, tags = make_sentences(60)
    return train_sequence_model(sentences, tags, max_iterations=50)


def test_trained_model_reports_entity_f1_per_type(model: SequenceModel) -> None:
    assert model.cv_folds == 3
    assert model.cv_score is not None and model.cv_score > 0.9
    assert set(model.metrics["per_entity"]) == {"LOC", "PER"}
    assert model.metrics["per_entity"]["PER"]["support"] > 0
    assert "3-fold" in model.cv_note
    assert model.n_labels == 60
    assert model.labels == ["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]
    assert model.entity_types == ["LOC", "PER"]
    assert model.name.endswith(f"-cv{model.cv_score:.3f}")


def test_predicted_tags_find_the_entities(model: SequenceModel) -> None:
    (tags,) = model.predict_tags(
        [["Maria", "Lopez", "visited", "Oslo", "yesterday", "."]]
    )
    assert tags == ["B-PER", "I-PER", "O", "B-LOC", "O", "O"]


def test_marginals_are_a_distribution_over_the_labels_per_token(
    model: SequenceModel,
) -> None:
    sentences = [["Tom", "lives", "near", "Lima", "."], [], ["Oslo"]]
    marginals = model.predict_marginals(sentences, chunk_size=2)
    assert [len(m) for m in marginals] == [5, 0, 1]
    for token in marginals[0]:
        assert set(token) == set(model.labels)
        assert sum(token.values()) == pytest.approx(1.0)
    assert max(marginals[0][3], key=marginals[0][3].__getitem__) == "B-LOC"
    chunks = list(model.iter_marginals(sentences, chunk_size=2))
    assert [len(c) for c in chunks] == [2, 1]


def test_bytes_round_trip_predicts_the_same(model: SequenceModel) -> None:
    loaded = SequenceModel.from_bytes(model.to_bytes())
    sentence = [["In", "Cairo", ",", "Li", "Wei", "met", "friends", "."]]
    assert loaded.predict_marginals(sentence) == model.predict_marginals(sentence)
    assert loaded.labels == model.labels
    assert loaded.cv_score == model.cv_score
    assert loaded.metrics == model.metrics
    assert loaded.trained_at == model.trained_at
    assert loaded.model_file == model.model_file


def test_damaged_bytes_are_refused_with_a_reason(model: SequenceModel) -> None:
    data = model.to_bytes()
    with pytest.raises(ConfigError, match="does not start with"):
        SequenceModel.from_bytes(b"\x80\x04pickle" + data)
    with pytest.raises(ConfigError, match="truncated"):
        SequenceModel.from_bytes(data[:-10])
    header_end = (
        len(MAGIC) + 4 + struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])[0]
    )
    damaged = data[: header_end + 100] + bytes([data[header_end + 100] ^ 1])
    with pytest.raises(ConfigError, match="damaged"):
        SequenceModel.from_bytes(damaged + data[header_end + 101 :])
    with pytest.raises(ConfigError, match="not valid JSON"):
        SequenceModel.from_bytes(data[: header_end - 1] + b"!" + data[header_end:])


def test_too_few_sentences_train_without_cross_validation() -> None:
    sentences, tags = make_sentences(3)
    model = train_sequence_model(sentences, tags, max_iterations=10)
    assert model.cv_score is None and model.cv_folds == 0
    assert "3 labeled sentence(s)" in model.cv_note
    assert model.predict_tags(sentences[:1])[0]


def test_folds_are_reduced_to_keep_two_sentences_per_fold() -> None:
    sentences, tags = make_sentences(6)
    model = train_sequence_model(sentences, tags, cv_folds=5, max_iterations=10)
    assert model.cv_folds == 3
    assert "reduced from 5" in model.cv_note


def test_sentences_without_entities_are_not_scored() -> None:
    sentences = [["a", "b"], ["c"], ["d", "e"], ["f"], ["g"]]
    tags = [["O", "O"], ["O"], ["O", "O"], ["O"], ["O"]]
    model = train_sequence_model(sentences, tags, max_iterations=5)
    assert model.cv_score is None
    assert "no labeled sentence holds an entity" in model.cv_note


def test_no_cross_validation_when_folds_are_zero() -> None:
    sentences, tags = make_sentences(10)
    model = train_sequence_model(sentences, tags, cv_folds=0, max_iterations=5)
    assert model.cv_score is None and "cv_folds=0" in model.cv_note


def test_an_inside_tag_that_starts_an_entity_is_read_as_its_start() -> None:
    sentences = [["Tom", "ran"]] * 4
    model = train_sequence_model(sentences, [["I-PER", "O"]] * 4, max_iterations=20)
    assert "B-PER" in model.labels and "I-PER" not in model.labels


def test_bad_input_is_refused_with_the_sentence_number() -> None:
    with pytest.raises(InvalidLabelError, match="Sentence 2 has the tag 'PER'"):
        train_sequence_model([["a"], ["b"]], [["O"], ["PER"]])
    with pytest.raises(InvalidLabelError, match="Sentence 1 has 2 tokens but 1 tags"):
        train_sequence_model([["a", "b"]], [["O"]])
    with pytest.raises(InvalidLabelError, match="2 sentences but 1 tag sequences"):
        train_sequence_model([["a"], ["b"]], [["O"]])
    with pytest.raises(InvalidLabelError, match=r"All 2 sentences .* are empty"):
        train_sequence_model([[], []], [[], []])
    with pytest.raises(InvalidLabelError, match="at least one sentence"):
        train_sequence_model([], [])
    with pytest.raises(ConfigError, match="'cv_folds'"):
        train_sequence_model([["a"]], [["O"]], cv_folds=1)


def test_bytes_that_are_not_a_crfsuite_model_are_refused() -> None:
    fake = SequenceModel(
        model_file=b"not a crfsuite model" * 4,
        labels=["O"],
        n_labels=1,
        cv_score=None,
        cv_folds=0,
        cv_note="",
    )
    with pytest.raises(ConfigError, match="no valid crfsuite model"):
        SequenceModel.from_bytes(fake.to_bytes())
