"""Spans over text: language layout, tokenizers, tag schemes and span checks."""

from __future__ import annotations

import pytest

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.project_config import ProjectConfig
from activelabel.tasks import adapter_for
from activelabel.tasks.spans import (
    align_tokens,
    check_spans,
    convert,
    detect_scheme,
    item_tokens,
    resolve_layout,
    spans_to_tags,
    tags_to_spans,
    tokenize,
)


def words(text: str, tokenization: str = "whitespace") -> list[str]:
    return [text[a:b] for a, b in tokenize(text, tokenization)]


def test_english_splits_words_and_punctuation_but_keeps_inner_marks() -> None:
    assert words("EU rejects German call, don't boycott state-of-the-art lamb.") == [
        "EU", "rejects", "German", "call", ",", "don't", "boycott",
        "state-of-the-art", "lamb", ".",
    ]  # fmt: skip


def test_arabic_keeps_vowel_marks_inside_their_word() -> None:
    text = "قالَ محمدٌ إنَّ القدسَ جميلةٌ."
    assert words(text) == ["قالَ", "محمدٌ", "إنَّ", "القدسَ", "جميلةٌ", "."]


def test_chinese_is_one_token_per_character_and_spaces_are_not_tokens() -> None:
    assert words("我爱 北京", "char") == ["我", "爱", "北", "京"]


def test_kept_tokens_are_found_in_order_in_the_text() -> None:
    text = "New York's mayor"
    assert align_tokens(text, ["New", "York", "'s", "mayor"]) == [
        (0, 3), (4, 8), (8, 10), (11, 16),
    ]  # fmt: skip
    assert item_tokens({"tokens": ["a", "b"]}, "a b") == [(0, 1), (2, 3)]


def test_a_kept_token_missing_from_the_text_is_named() -> None:
    with pytest.raises(InvalidLabelError, match=r"line 4: token 2 \('Paris'\)"):
        align_tokens("to London", ["to", "Paris"], where="line 4")


@pytest.mark.parametrize(
    ("language", "layout"),
    [
        ("ar", ("rtl", "whitespace")),
        ("he", ("rtl", "whitespace")),
        ("syr", ("rtl", "whitespace")),
        ("zh", ("ltr", "char")),
        ("ja", ("ltr", "char")),
        ("en", ("ltr", "whitespace")),
        ("pt-BR", ("ltr", "whitespace")),
        (None, ("ltr", "whitespace")),
    ],
)
def test_a_language_sets_direction_and_tokenization(
    language: str | None, layout: tuple[str, str]
) -> None:
    assert resolve_layout(language) == layout


def test_flags_override_the_language_and_an_items_language_wins() -> None:
    assert resolve_layout("ar", direction="ltr") == ("ltr", "whitespace")
    config = ProjectConfig().replace(language="en", language_column="lang")
    assert config.text_layout({"lang": "he"}) == ("rtl", "whitespace")
    assert config.text_layout({"lang": ""}) == ("ltr", "whitespace")
    with pytest.raises(ConfigError, match="not a language code"):
        ProjectConfig().replace(language="English!")


IOB1 = ["I-PER", "B-PER", "O", "I-LOC", "I-LOC", "O", "I-ORG"]
IOB2 = ["B-PER", "B-PER", "O", "B-LOC", "I-LOC", "O", "B-ORG"]
BIOES = ["S-PER", "S-PER", "O", "B-LOC", "E-LOC", "O", "S-ORG"]


@pytest.mark.parametrize(
    ("source", "target"),
    [(a, b) for a in ("iob1", "iob2", "bioes") for b in ("iob1", "iob2", "bioes")],
)
def test_schemes_convert_into_each_other_without_losing_an_entity(
    source: str, target: str
) -> None:
    tags = {"iob1": IOB1, "iob2": IOB2, "bioes": BIOES}
    assert convert(tags[source], source, target) == tags[target]


def test_the_scheme_of_a_file_is_detected() -> None:
    assert detect_scheme([IOB1]) == "iob1"
    assert detect_scheme([IOB2, ["O"]]) == "iob2"
    assert detect_scheme([BIOES]) == "bioes"
    assert detect_scheme([["O", "O"]]) == "iob2"


def test_an_inside_tag_after_outside_starts_an_entity_as_iob1_reads_it() -> None:
    tokens = [(0, 1), (2, 3), (4, 5)]
    assert tags_to_spans(tokens, ["O", "I-PER", "I-PER"], "iob2") == [
        {"start": 2, "end": 5, "label": "PER"}
    ]


def test_a_tag_outside_the_scheme_is_named() -> None:
    with pytest.raises(InvalidLabelError, match=r"line 9, token 2: 'X-PER'"):
        tags_to_spans([(0, 1), (2, 3)], ["O", "X-PER"], "iob2", where="line 9")
    with pytest.raises(InvalidLabelError, match="not a IOB2 tag"):
        tags_to_spans([(0, 1)], ["E-PER"], "iob2")


def test_spans_become_tags_on_the_tokens_they_cover() -> None:
    text = "Angela Merkel visited New York ."
    tokens = tokenize(text)
    spans = [
        {"start": 0, "end": 13, "label": "PER"},
        {"start": 22, "end": 30, "label": "LOC"},
    ]
    assert spans_to_tags(tokens, spans, "iob2") == [
        "B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O",
    ]  # fmt: skip
    assert (
        tags_to_spans(tokens, spans_to_tags(tokens, spans, "bioes"), "bioes") == spans
    )


def test_bad_spans_are_refused_with_the_place_and_the_reason() -> None:
    text = "Angela Merkel visited Paris"
    tokens = tokenize(text)
    with pytest.raises(InvalidLabelError, match=r"line 3: .*outside the text"):
        check_spans(
            text, tokens, [{"start": 22, "end": 40, "label": "LOC"}], where="line 3"
        )
    with pytest.raises(InvalidLabelError, match=r"inside a token .*'gela'"):
        check_spans(text, tokens, [{"start": 2, "end": 6, "label": "PER"}])
    with pytest.raises(InvalidLabelError, match="overlaps"):
        check_spans(
            text,
            tokens,
            [
                {"start": 0, "end": 13, "label": "PER"},
                {"start": 7, "end": 13, "label": "PER"},
            ],
        )
    check_spans(text, tokens, [{"start": 22, "end": 27, "label": "LOC"}])


def test_a_ner_value_drops_prelabel_keys_and_refuses_overlaps() -> None:
    ner = adapter_for("ner")
    value = [
        {"start": 7, "end": 13, "label": "PER", "source": "model", "confidence": 0.9},
        {"start": 0, "end": 6, "label": "PER"},
    ]
    assert ner.validate(["PER"], value, where="x") == [
        {"start": 0, "end": 6, "label": "PER"},
        {"start": 7, "end": 13, "label": "PER"},
    ]
    with pytest.raises(InvalidLabelError, match="overlaps"):
        ner.validate(
            ["PER"],
            [
                {"start": 0, "end": 6, "label": "PER"},
                {"start": 3, "end": 9, "label": "PER"},
            ],
            where="x",
        )


def test_the_page_gets_each_ner_items_direction_and_tokens() -> None:
    ner = adapter_for("ner")
    settings = ProjectConfig().replace(language="ar")
    layout = ner.text_layout(settings, {}, "قال محمد")
    assert layout == {"direction": "rtl", "tokens": [[0, 3], [4, 8]]}
    assert adapter_for("classification").text_layout(settings, {}, "x") is None
