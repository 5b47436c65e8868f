"""Merging prelabels from the model, the dictionary and imported predictions."""

from __future__ import annotations

import itertools

from activelabel.loop.prelabels import merge_prelabels, sentence_confidence


def span(start: int, end: int, label: str, confidence: float | None = None) -> dict:  # type: ignore[type-arg]
    return {"start": start, "end": end, "label": label, "confidence": confidence}


def test_spans_that_do_not_overlap_are_all_kept_in_text_order_with_their_source() -> (
    None
):
    merged = merge_prelabels(
        model=[span(10, 15, "LOC", 0.8)],
        dictionary=[span(0, 5, "PER", 1.0)],
        predictions=[span(20, 24, "ORG", 0.5)],
    )
    assert [(s["start"], s["source"]) for s in merged] == [
        (0, "dictionary"),
        (10, "model"),
        (20, "prediction"),
    ]


def test_an_imported_prediction_wins_over_a_more_confident_model_or_dictionary_span() -> (
    None
):
    merged = merge_prelabels(
        model=[span(0, 12, "PER", 0.99)],
        dictionary=[span(5, 12, "LOC", 1.0)],
        predictions=[span(0, 7, "ORG", 0.2)],
    )
    assert merged == [
        {
            "start": 0,
            "end": 7,
            "label": "ORG",
            "source": "prediction",
            "confidence": 0.2,
        }
    ]


def test_between_model_and_dictionary_the_more_confident_span_wins() -> None:
    sure_model = merge_prelabels(
        model=[span(0, 17, "PER", 0.95)], dictionary=[span(7, 17, "LOC", 0.6)]
    )
    assert [(s["label"], s["source"]) for s in sure_model] == [("PER", "model")]
    sure_dictionary = merge_prelabels(
        model=[span(0, 17, "PER", 0.4)], dictionary=[span(7, 17, "LOC", 1.0)]
    )
    assert [(s["label"], s["source"]) for s in sure_dictionary] == [
        ("LOC", "dictionary")
    ]


def test_on_equal_confidence_the_longer_span_wins_then_the_dictionary() -> None:
    longer = merge_prelabels(
        model=[span(0, 12, "ORG", 0.9)], dictionary=[span(0, 7, "ORG", 0.9)]
    )
    assert [(s["end"], s["source"]) for s in longer] == [(12, "model")]
    same = merge_prelabels(
        model=[span(0, 7, "ORG", 0.9)], dictionary=[span(0, 7, "ORG", 0.9)]
    )
    assert [s["source"] for s in same] == ["dictionary"]


def test_the_same_span_from_two_sources_is_suggested_once() -> None:
    merged = merge_prelabels(
        model=[span(3, 9, "LOC", 0.7)],
        dictionary=[span(3, 9, "LOC", 1.0)],
        predictions=[span(3, 9, "LOC", None)],
    )
    assert len(merged) == 1 and merged[0]["source"] == "prediction"


def test_no_two_merged_spans_overlap_whatever_the_sources_suggest() -> None:
    model = [span(i, i + 3, "PER", 0.1 * (i % 10)) for i in range(0, 40, 2)]
    dictionary = [span(i, i + 5, "LOC", 0.05 * (i % 20)) for i in range(1, 40, 3)]
    predictions = [span(30, 33, "ORG"), span(31, 36, "MISC")]
    merged = merge_prelabels(
        model=model, dictionary=dictionary, predictions=predictions
    )
    for before, after in itertools.pairwise(merged):
        assert before["end"] <= after["start"]
    assert {
        "start": 30,
        "end": 33,
        "label": "ORG",
        "source": "prediction",
        "confidence": None,
    } in merged


def test_an_empty_or_reversed_span_is_never_suggested() -> None:
    assert (
        merge_prelabels(model=[span(4, 4, "PER", 0.9)], predictions=[span(5, 2, "LOC")])
        == []
    )


def test_a_suggestion_is_as_confident_as_its_least_confident_span() -> None:
    merged = merge_prelabels(
        model=[span(0, 3, "PER", 0.8)],
        predictions=[span(5, 9, "LOC", None)],
        dictionary=[span(10, 12, "ORG", 0.6)],
    )
    assert sentence_confidence(merged) == 0.6
    assert sentence_confidence([]) is None
    assert sentence_confidence(merge_prelabels(predictions=[span(0, 2, "LOC")])) is None
