"""Keyword functions: whole words, case, several functions in one automaton."""

from __future__ import annotations

from activelabel.weak.keyword_matcher import KeywordMatcher


def _matches(texts: list[str], *lists: tuple[list[str], bool]) -> set[tuple[int, int]]:
    found = KeywordMatcher(list(lists)).match(texts)
    return {(int(text), int(words)) for text, words in found.tolist()}


def test_keyword_matcher_matches_whole_words_only() -> None:
    texts = ["You are a winner", "win a prize!", "winning", "twin", "WIN"]
    assert _matches(texts, (["win"], False)) == {(1, 0), (4, 0)}


def test_keyword_matcher_is_case_insensitive_by_default_and_sensitive_on_demand() -> (
    None
):
    texts = ["FREE entry", "free entry", "Free"]
    assert _matches(texts, (["free"], False)) == {(0, 0), (1, 0), (2, 0)}
    assert _matches(texts, (["FREE"], True)) == {(0, 0)}


def test_keyword_matcher_phrases_and_edges_of_texts() -> None:
    texts = ["call now", "now call", "recall nowhere", "call\nnow"]
    assert _matches(texts, (["call now"], False)) == {(0, 0)}
    assert _matches(texts, (["now"], False)) == {(0, 0), (1, 0), (3, 0)}


def test_keyword_matcher_symbols_need_no_boundary_where_they_are_not_word_characters() -> (
    None
):
    texts = ["costs £100", "x£5", "c++ code", "abc++"]
    assert _matches(texts, (["£"], False)) == {(0, 0), (1, 0)}
    assert _matches(texts, (["c++"], False)) == {(2, 0)}


def test_keyword_matcher_runs_every_function_in_one_pass() -> None:
    texts = ["hello, you won a prize", "hi there", "nothing"]
    found = _matches(
        texts,
        (["prize", "won"], False),
        (["hello", "hi"], False),
        (["prize"], True),
    )
    assert found == {(0, 0), (0, 1), (0, 2), (1, 1)}


def test_keyword_matcher_keeps_offsets_when_lowering_changes_length() -> None:
    # "İ" lower-cases to two characters; the match after it must still count.
    assert _matches(["İstanbul prize"], (["prize"], False)) == {(0, 0)}


def test_keyword_matcher_without_keywords_or_texts_finds_nothing() -> None:
    assert KeywordMatcher([]).match(["a"]).shape == (0, 2)
    assert KeywordMatcher([(["a"], False)]).match([]).shape == (0, 2)
    assert KeywordMatcher([(["a"], False)]).match(["b"]).shape == (0, 2)


def test_keyword_matcher_one_word_in_several_lists_votes_for_each() -> None:
    texts = ["hi there", "this is it", "oh hi"]
    found = _matches(texts, (["hi"], False), (["there", "hi"], False), (["hi"], True))
    assert found == {(0, 0), (0, 1), (0, 2), (2, 0), (2, 1), (2, 2)}


def test_keyword_matcher_boundaries_next_to_non_ascii_letters() -> None:
    texts = ["héhi", "é hi é", "hié", "naïve"]
    assert _matches(texts, (["hi"], False)) == {(1, 0)}
    assert _matches(texts, (["naïve"], False)) == {(3, 0)}
