"""Token features: word, shape, affixes, case flags and a ±2 window, in any script."""

from __future__ import annotations

from activelabel.ml.token_features import (
    iter_sentences_features,
    sentence_features,
    sentences_features,
    word_shape,
)


def test_english_token_has_word_shape_affixes_case_and_window() -> None:
    feats = sentence_features(["EU", "rejects", "German", "call", "."])
    german = feats[2]
    assert german["w"] == "german"
    assert german["shape"] == "Xx"
    assert (german["p1"], german["p2"], german["p3"]) == ("g", "ge", "ger")
    assert (german["s1"], german["s2"], german["s3"]) == ("n", "an", "man")
    assert german["title"] == 1.0
    assert "upper" not in german and "digit" not in german
    assert german["-2:w"] == "eu" and german["-1:w"] == "rejects"
    assert german["+1:w"] == "call" and german["+2:w"] == "."
    assert german["-1:shape"] == "x" and german["+1:shape"] == "x"
    assert feats[0]["upper"] == 1.0


def test_first_and_last_tokens_are_marked_and_have_no_window_outside() -> None:
    feats = sentence_features(["Peter", "Blackburn"])
    assert feats[0]["BOS"] == 1.0 and "EOS" not in feats[0]
    assert feats[1]["EOS"] == 1.0 and "BOS" not in feats[1]
    assert not any(k.startswith("-") for k in feats[0])
    assert not any(k.startswith("+") for k in feats[1])
    assert "+2:w" not in feats[0]


def test_single_token_sentence_is_both_first_and_last() -> None:
    (only,) = sentence_features(["Reuters"])
    assert only["BOS"] == only["EOS"] == 1.0


def test_digits_and_dates_have_a_digit_shape() -> None:
    assert word_shape("1996-08-22") == "d-d-d"
    assert sentence_features(["1996"])[0]["digit"] == 1.0
    assert word_shape("McDonald's") == "XxXx'x"


def test_arabic_words_get_caseless_shape_and_arabic_affixes() -> None:
    words = ["زار", "الرئيس", "القاهرة"]
    feats = sentence_features(words)
    cairo = feats[2]
    assert cairo["w"] == "القاهرة"
    assert cairo["shape"] == "a"
    assert cairo["p2"] == "ال"
    assert cairo["s1"] == "ة"
    assert "title" not in cairo and "upper" not in cairo
    assert cairo["-1:w"] == "الرئيس" and cairo["-2:w"] == "زار"


def test_chinese_characters_each_a_token_with_neighbours() -> None:
    chars = list("我住在北京")
    feats = sentence_features(chars)
    assert [f["w"] for f in feats] == chars
    assert all(f["shape"] == "a" for f in feats)
    assert feats[3]["-1:w"] == "在" and feats[3]["+1:w"] == "京"
    assert feats[3]["p3"] == feats[3]["s3"] == "北"


def test_features_of_a_repeated_word_are_independent_copies() -> None:
    first, second = sentence_features(["Paris", "Paris"])
    first["w"] = "changed"
    assert second["w"] == "paris"
    assert sentence_features(["Paris"])[0]["w"] == "paris"


def test_empty_sentence_has_no_features() -> None:
    assert sentence_features([]) == []


def test_many_sentences_streamed_or_listed_agree() -> None:
    sentences = [["EU", "rejects"], [], ["北", "京"]]
    assert list(iter_sentences_features(sentences)) == sentences_features(sentences)
