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

from collections.abc import Sequence
from typing import Any

import ahocorasick
import numpy as np

__all__ = ["KeywordMatcher", "lower_same_length"]


def lower_same_length(text: str) -> str:
    """``text.lower()`` when that keeps every offset, else per character."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


_ASCII_WORD = np.array([chr(c).isalnum() or c == 95 for c in range(128)], dtype=bool)


def _word_at(codes: np.ndarray[Any, Any], positions: np.ndarray[Any, Any]) -> Any:
    """Whether the characters at ``positions`` (code points ``codes``) are word
    characters: a table for ASCII, ``str.isalnum`` for the rare others."""
    chars = codes[positions]
    ascii_ = chars < 128
    word = np.zeros(len(chars), dtype=bool)
    word[ascii_] = _ASCII_WORD[chars[ascii_]]
    others = np.flatnonzero(~ascii_)
    if others.size:
        word[others] = [chr(c).isalnum() for c in chars[others].tolist()]
    return word


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
        # Per key (numbered across the automata): its length, whether each
        # end needs a word boundary (a word that ends in "!" or "£" may be
        # followed by anything), and its lists, flattened.
        lengths: list[int] = []
        left: list[bool] = []
        right: list[bool] = []
        owners: list[list[int]] = []
        self._automata: dict[tuple[bool, bool], Any] = {}
        for (case_sensitive, whole_words), entries in sorted(words.items()):
            if not entries:
                continue
            automaton = ahocorasick.Automaton()
            for key, functions in entries.items():
                automaton.add_word(key, len(lengths))
                lengths.append(len(key))
                left.append(whole_words and _is_word(key[0]))
                right.append(whole_words and _is_word(key[-1]))
                owners.append(sorted(functions))
            automaton.make_automaton()
            self._automata[case_sensitive, whole_words] = automaton
        self._length = np.asarray(lengths, dtype=np.int64)
        self._left = np.asarray(left, dtype=bool)
        self._right = np.asarray(right, dtype=bool)
        self._owner_count = np.asarray([len(o) for o in owners], dtype=np.int64)
        self._owner_start = np.cumsum(self._owner_count) - self._owner_count
        self._owners = np.asarray([f for o in owners for f in o], dtype=np.int64)

    def match(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.int64]]:
        """``(text index, list index)`` rows: each list matching each text.

        Rows may repeat (a list with two words in one text).
        """
        if not self._automata or not texts:
            return np.zeros((0, 2), dtype=np.int64)
        joined = "\x00".join(texts)
        # ends[i]: offset of the NUL after text i (or the end of the string).
        ends = np.cumsum([len(text) + 1 for text in texts]) - 1
        found: list[np.ndarray[Any, Any]] = []
        lowered: str | None = None
        for (case_sensitive, _), automaton in self._automata.items():
            if case_sensitive:
                haystack = joined
            else:
                lowered = lowered or lower_same_length(joined)
                haystack = lowered
            # The automaton's matches come out as arrays and are checked all
            # at once: Python never loops over a match (short keywords such as
            # "hi" are inside many words, each a match to refuse).
            hits = np.asarray(list(automaton.iter(haystack)), dtype=np.int64)
            if not hits.size:
                continue
            last, key = hits[:, 0], hits[:, 1]
            start = last + 1 - self._length[key]
            codes = np.frombuffer(
                haystack.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
            )
            kept = np.ones(len(key), dtype=bool)
            check = np.flatnonzero(self._left[key] & (start > 0))
            kept[check] &= ~_word_at(codes, start[check] - 1)
            check = np.flatnonzero(self._right[key] & (last + 1 < len(haystack)))
            kept[check] &= ~_word_at(codes, last[check] + 1)
            start, key = start[kept], key[kept]
            text_index = np.searchsorted(ends, start, side="right")
            counts = self._owner_count[key]
            # Each key's lists, in place of the key (most keys have one).
            firsts = np.repeat(self._owner_start[key], counts)
            offsets = np.arange(int(counts.sum())) - np.repeat(
                np.cumsum(counts) - counts, counts
            )
            found.append(
                np.stack(
                    [np.repeat(text_index, counts), self._owners[firsts + offsets]],
                    axis=1,
                )
            )
        if not found:
            return np.zeros((0, 2), dtype=np.int64)
        return np.concatenate(found)
