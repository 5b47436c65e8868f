"""Every keyword function's words, found in a batch of texts in one pass.

One Aho-Corasick automaton (pyahocorasick) holds the words of all keyword
functions (one more for the case-sensitive ones), and it runs once over the
batch's texts joined by NUL characters: the cost is one scan of the
characters, however many words and functions there are, and Python only
sees the matches. A regex alternation would try the words one after another
at each position; a loop over functions would scan the text once per
function.

A match counts when it stands on word boundaries as ``\\b`` would put them:
the character before a keyword that starts with a letter, digit or ``_`` is
not one of those, and the same after its end. The NUL between two texts is
not a word character, so a text's first and last words match, and no
keyword holds a NUL, so no match crosses from one text into the next.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import ahocorasick

__all__ = ["KeywordMatcher", "lower_same_length"]


def lower_same_length(text: str) -> str:
    """``text.lower()`` when that keeps every offset, else per character."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class KeywordMatcher:
    """Finds which of several keyword lists occur in which texts.

    ``keyword_lists[k]`` is list ``k``'s words, whether it compares them
    with case, and (third, default true) whether they match as whole words
    only; a list of plain substrings (false) is what a regex needs to
    contain somewhere (:mod:`activelabel.weak.regex_scanner`).
    """

    def __init__(self, keyword_lists: Sequence[tuple[Any, ...]]) -> None:
        words: dict[tuple[bool, bool], dict[str, set[int]]] = {}
        for index, (keywords, case_sensitive, *whole) in enumerate(keyword_lists):
            whole_words = bool(whole[0]) if whole else True
            entries = words.setdefault((bool(case_sensitive), whole_words), {})
            for keyword in keywords:
                key = keyword if case_sensitive else lower_same_length(keyword)
                entries.setdefault(key, set()).add(index)
        self._automata: dict[tuple[bool, bool], Any] = {}
        for (case_sensitive, whole_words), entries in sorted(words.items()):
            if not entries:
                continue
            automaton = ahocorasick.Automaton()
            for key, functions in entries.items():
                # Whether each end of the word needs a boundary: a word that
                # ends in "!" or "£" may be followed by anything.
                automaton.add_word(
                    key,
                    (
                        len(key),
                        whole_words and _is_word(key[0]),
                        whole_words and _is_word(key[-1]),
                        tuple(sorted(functions)),
                    ),
                )
            automaton.make_automaton()
            self._automata[case_sensitive, whole_words] = automaton

    def match(self, texts: Sequence[str]) -> list[tuple[int, int]]:
        """``(text index, function index)`` for each function matching each text.

        Pairs may repeat (a function with two words in one text).
        """
        if not self._automata or not texts:
            return []
        joined = "\x00".join(texts)
        # ends[i]: offset of the NUL after text i (or the end of the string).
        ends: list[int] = []
        offset = -1
        for text in texts:
            offset += len(text) + 1
            ends.append(offset)
        found: list[tuple[int, int]] = []
        append = found.append
        lowered: str | None = None
        for (case_sensitive, _), automaton in self._automata.items():
            if case_sensitive:
                haystack = joined
            else:
                lowered = lowered or lower_same_length(joined)
                haystack = lowered
            size = len(haystack)
            # The hot loop of keyword matching: one turn per match, so the
            # boundary tests are written out rather than called.
            for last, (length, left, right, functions) in automaton.iter(haystack):
                start = last + 1 - length
                if left and start:
                    before = haystack[start - 1]
                    if before.isalnum() or before == "_":
                        continue
                after = last + 1
                if right and after < size:
                    following = haystack[after]
                    if following.isalnum() or following == "_":
                        continue
                text_index = bisect_right(ends, start)
                for function in functions:
                    append((text_index, function))
        return found
