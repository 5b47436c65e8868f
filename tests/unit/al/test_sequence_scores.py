"""Sentence scores from CRF marginals: MNLP, token entropy, dictionary disagreement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from activelabel.al.sequence_scores import (
    dictionary_disagreement,
    mean_token_entropy,
    mnlp,
    spans_from_marginals,
)

SURE = {"O": 1.0, "B-PER": 0.0, "I-PER": 0.0}
HALF = {"O": 0.5, "B-PER": 0.5, "I-PER": 0.0}
EVEN = {"O": 1 / 3, "B-PER": 1 / 3, "I-PER": 1 / 3}


def test_mnlp_is_one_minus_the_geometric_mean_of_the_best_marginals() -> None:
    scores = mnlp([[SURE, SURE], [SURE, HALF], [HALF, HALF], [EVEN]])
    # [1, 1] -> 0; [1, .5] -> 1 - sqrt(.5); [.5, .5] -> .5; [1/3] -> 2/3
    assert scores == pytest.approx([0.0, 1 - math.sqrt(0.5), 0.5, 2 / 3])


def test_mnlp_does_not_favour_long_sentences() -> None:
    short, long = mnlp([[HALF, SURE], [HALF, SURE] * 10])
    assert short == pytest.approx(long)


def test_mean_token_entropy_is_normalised_by_the_number_of_tags() -> None:
    scores = mean_token_entropy([[SURE], [EVEN], [SURE, HALF]])
    half_entropy = math.log(2) / math.log(3)
    assert scores == pytest.approx([0.0, 1.0, half_entropy / 2])


def test_arrays_and_dicts_give_the_same_scores_and_empty_sentences_score_zero() -> None:
    as_dicts = [[SURE, HALF], [], [EVEN]]
    as_arrays = [np.array([list(t.values()) for t in s]) for s in as_dicts]
    for score in (mnlp, mean_token_entropy):
        assert score(as_arrays) == pytest.approx(score(as_dicts))
        assert score(as_dicts)[1] == 0.0
    assert mnlp([]).shape == (0,)
    assert mnlp([[], []]).tolist() == [0.0, 0.0]


def test_scores_stay_in_the_unit_interval_with_zero_probabilities() -> None:
    zero_best = [{"O": 0.0, "B-PER": 0.0, "I-PER": 0.0}]
    assert 0.0 <= mnlp([zero_best])[0] <= 1.0
    assert 0.0 <= mean_token_entropy([zero_best])[0] <= 1.0


def test_marginals_over_different_tag_sets_are_refused() -> None:
    with pytest.raises(ValueError, match="different numbers of tags"):
        mnlp([[SURE], [{"O": 1.0}]])


def span(start: int, end: int, label: str) -> dict[str, object]:
    return {"start": start, "end": end, "label": label}


def test_dictionary_disagreement_is_one_minus_span_f1() -> None:
    model = [
        [span(0, 4, "PER")],
        [span(0, 4, "PER"), span(10, 14, "LOC")],
        [span(0, 4, "PER")],
        [],
        [],
    ]
    dictionary = [
        [{**span(0, 4, "PER"), "source": "dictionary", "confidence": 1.0}],
        [span(0, 4, "PER")],
        [span(0, 4, "ORG")],
        [span(3, 5, "LOC")],
        [],
    ]
    # F1: 1; 2*1/(2+1) = 2/3; 0 (label differs); 0 (one side empty); both empty agree.
    assert dictionary_disagreement(model, dictionary) == pytest.approx(
        [0.0, 1 / 3, 1.0, 1.0, 0.0]
    )
    with pytest.raises(ValueError, match="must match"):
        dictionary_disagreement(model, dictionary[:2])


def test_spans_from_marginals_decode_iob2_with_mean_confidence() -> None:
    tokens = [(0, 4), (5, 10), (11, 16), (17, 19), (20, 25)]
    marginals = [
        {"O": 0.1, "B-PER": 0.8, "I-PER": 0.1},
        {"O": 0.1, "B-PER": 0.3, "I-PER": 0.6},
        {"O": 0.7, "B-PER": 0.2, "I-PER": 0.1},
        {"O": 0.2, "B-PER": 0.1, "I-PER": 0.7},
        {"O": 0.1, "B-PER": 0.5, "I-PER": 0.4},
    ]
    spans = spans_from_marginals(tokens, marginals)
    assert spans == [
        {
            "start": 0,
            "end": 10,
            "label": "PER",
            "source": "model",
            "confidence": pytest.approx(0.7),
        },
        # I-PER after O starts an entity; B-PER right after it starts another.
        {
            "start": 17,
            "end": 19,
            "label": "PER",
            "source": "model",
            "confidence": pytest.approx(0.7),
        },
        {
            "start": 20,
            "end": 25,
            "label": "PER",
            "source": "model",
            "confidence": pytest.approx(0.5),
        },
    ]


def test_an_inside_tag_of_another_type_starts_a_new_entity() -> None:
    marginals = [{"B-LOC": 0.9, "I-PER": 0.1}, {"B-LOC": 0.2, "I-PER": 0.8}]
    spans = spans_from_marginals([(0, 1), (2, 3)], marginals)
    assert [(s["start"], s["end"], s["label"]) for s in spans] == [
        (0, 1, "LOC"),
        (2, 3, "PER"),
    ]


def test_spans_from_marginals_of_an_empty_or_entityless_sentence() -> None:
    assert spans_from_marginals([], []) == []
    assert spans_from_marginals([(0, 3)], [SURE]) == []
    with pytest.raises(ValueError, match="2 tokens but marginals for 1"):
        spans_from_marginals([(0, 1), (2, 3)], [SURE])


def test_spans_from_a_marginal_array_name_its_columns_by_labels() -> None:
    labels = ["B-LOC", "I-LOC", "O"]
    marginals = np.array([[0.1, 0.0, 0.9], [0.8, 0.1, 0.1], [0.2, 0.6, 0.2]])
    spans = spans_from_marginals([(0, 2), (3, 6), (7, 9)], marginals, labels)
    assert spans == [
        {
            "start": 3,
            "end": 9,
            "label": "LOC",
            "source": "model",
            "confidence": pytest.approx(0.7),
        }
    ]
    with pytest.raises(ValueError, match="needs the labels"):
        spans_from_marginals([(0, 2)], marginals[:1])
