"""The span dictionary: surface forms matched longest-first on token boundaries."""

from __future__ import annotations

import re

import pytest

from activelabel.ml.span_dictionary import SpanDictionary


def tokens_of(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\w+|[^\w\s]", text)]


def spans_for(text: str, *forms: tuple[str, str]) -> tuple[str, list[dict]]:
    spans = []
    for form, label in forms:
        start = text.index(form)
        spans.append({"start": start, "end": start + len(form), "label": label})
    return text, spans


def found(dictionary: SpanDictionary, text: str) -> list[tuple[str, str]]:
    return [
        (text[s["start"] : s["end"]], s["label"])
        for s in dictionary.match(text, tokens_of(text))
    ]


def test_a_labeled_form_is_suggested_in_another_sentence() -> None:
    d = SpanDictionary.from_spans(
        [spans_for("John Snow went north", ("John Snow", "PER"))]
    )
    text = "Later John Snow came back"
    (span,) = d.match(text, tokens_of(text))
    assert span == {
        "start": 6,
        "end": 15,
        "label": "PER",
        "source": "dictionary",
        "confidence": 1.0,
    }


def test_longest_form_wins_over_the_forms_inside_it() -> None:
    d = SpanDictionary.from_spans(
        [
            spans_for("New York is big", ("New York", "LOC")),
            spans_for("the New York Times said", ("New York Times", "ORG")),
            spans_for("York is old", ("York", "LOC")),
        ]
    )
    assert found(d, "I read the New York Times in York") == [
        ("New York Times", "ORG"),
        ("York", "LOC"),
    ]


def test_overlapping_forms_of_equal_length_keep_the_leftmost() -> None:
    d = SpanDictionary.from_spans(
        [spans_for("a b", ("a b", "X")), spans_for("b c", ("b c", "Y"))]
    )
    assert found(d, "a b c") == [("a b", "X")]


def test_forms_inside_a_token_are_not_matched() -> None:
    d = SpanDictionary.from_spans([spans_for("the EU said", ("EU", "ORG"))])
    assert found(d, "EUROPE and the EU, and NEU") == [("EU", "ORG")]


def test_token_boundaries_come_from_the_given_tokens() -> None:
    d = SpanDictionary.from_spans([spans_for("北京 is", ("北京", "LOC"))])
    text = "我住在北京"
    chars = [(i, i + 1) for i in range(len(text))]
    assert d.match(text, chars)[0]["start"] == 3
    # One token for the whole sentence: the form is inside it, not on its edges.
    assert d.match(text, [(0, len(text))]) == []


def test_case_sensitive_by_default_and_insensitive_on_request() -> None:
    examples = [spans_for("Apple sells", ("Apple", "ORG"))]
    sensitive = SpanDictionary.from_spans(examples)
    insensitive = SpanDictionary.from_spans(examples, case_sensitive=False)
    assert found(sensitive, "an apple and APPLE") == []
    assert found(insensitive, "an apple and APPLE") == [
        ("apple", "ORG"),
        ("APPLE", "ORG"),
    ]


def test_case_insensitive_matching_keeps_offsets_past_characters_that_grow() -> None:
    # "İ".lower() is two characters; offsets after it must not shift.
    d = SpanDictionary.from_spans(
        [spans_for("in Paris", ("Paris", "LOC"))], case_sensitive=False
    )
    assert found(d, "İİ PARIS") == [("PARIS", "LOC")]


def test_most_frequent_label_wins_with_its_share_as_confidence() -> None:
    d = SpanDictionary.from_spans(
        [
            spans_for("Washington said", ("Washington", "PER")),
            spans_for("in Washington", ("Washington", "LOC")),
            spans_for("to Washington", ("Washington", "LOC")),
        ]
    )
    (span,) = d.match("Washington again", tokens_of("Washington again"))
    assert span["label"] == "LOC"
    assert span["confidence"] == pytest.approx(2 / 3)
    assert d.label_of("Washington") == ("LOC", pytest.approx(2 / 3))
    assert len(d) == 1 and "Washington" in d and "Paris" not in d


def test_new_labels_refresh_the_matcher() -> None:
    d = SpanDictionary.from_spans([spans_for("Paris is", ("Paris", "LOC"))])
    assert found(d, "Paris and Rome") == [("Paris", "LOC")]
    d.add_spans([spans_for("Rome is", ("Rome", "LOC"))])
    assert found(d, "Paris and Rome") == [("Paris", "LOC"), ("Rome", "LOC")]


def test_empty_dictionary_and_blank_forms_suggest_nothing() -> None:
    d = SpanDictionary.from_spans([("a  b", [{"start": 1, "end": 3, "label": "X"}])])
    assert len(d) == 0
    assert d.match("a b", tokens_of("a b")) == []
    assert d.match_many(["a b", "c"], [tokens_of("a b"), []]) == [[], []]


def test_match_many_matches_each_text_with_its_tokens() -> None:
    d = SpanDictionary.from_spans([spans_for("EU said", ("EU", "ORG"))])
    texts = ["the EU", "no", "EU EU"]
    result = d.match_many(texts, [tokens_of(t) for t in texts])
    assert [[(s["start"], s["end"]) for s in r] for r in result] == [
        [(4, 6)],
        [],
        [(0, 2), (3, 5)],
    ]
    with pytest.raises(ValueError, match="2 texts but 1 token lists"):
        d.match_many(["a", "b"], [[]])
