"""Prelabels from surface forms already labeled: "John Snow" was PER, so it is again.

A :class:`SpanDictionary` maps each labeled surface form (the exact text of a
span) to the label it was given most often, and finds those forms in new text
with an Aho-Corasick automaton (pyahocorasick): one pass over a sentence finds
every occurrence of every form, however many forms there are, where a regular
expression alternation tries the forms one after another at each position.

A match is kept only when it starts at the start of a token and ends at the
end of a token (``"EU"`` is not found inside ``"EUROPE"``), and matches are
taken longest first, then leftmost, never overlapping: with the forms ``New
York`` and ``New York Times`` the sentence ``the New York Times said`` gets the
longer one.

With ``case_sensitive=False`` forms and text are compared lower-cased. The
lower-casing keeps character offsets: a character whose lower case is longer
(``İ`` becomes two) is kept as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ahocorasick

__all__ = ["SpanDictionary"]

Token = tuple[int, int]


def _lower_same_length(text: str) -> str:
    """``text.lower()`` when that keeps every offset, else per character."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class SpanDictionary:
    """Surface form -> label, and a matcher that finds the forms in text.

    Build one with :meth:`from_spans`; add labels as they arrive with
    :meth:`add_spans` (the automaton is rebuilt on the next match).
    """

    def __init__(self, *, case_sensitive: bool = True) -> None:
        self.case_sensitive = case_sensitive
        self._counts: dict[str, Counter[str]] = {}
        self._automaton: Any = None

    @classmethod
    def from_spans(
        cls,
        examples: Iterable[tuple[str, Sequence[Mapping[str, Any]]]],
        *,
        case_sensitive: bool = True,
    ) -> SpanDictionary:
        """A dictionary of every span's surface form in ``examples``.

        ``examples`` are ``(text, spans)`` pairs, spans as
        ``{"start", "end", "label"}`` character offsets into ``text``.
        """
        dictionary = cls(case_sensitive=case_sensitive)
        dictionary.add_spans(examples)
        return dictionary

    def add_spans(
        self, examples: Iterable[tuple[str, Sequence[Mapping[str, Any]]]]
    ) -> None:
        """Count the surface forms of more labeled spans."""
        for text, spans in examples:
            for span in spans:
                form = text[int(span["start"]) : int(span["end"])]
                if not form.strip():
                    continue
                key = form if self.case_sensitive else _lower_same_length(form)
                self._counts.setdefault(key, Counter())[str(span["label"])] += 1
        self._automaton = None

    def __len__(self) -> int:
        return len(self._counts)

    def __contains__(self, form: object) -> bool:
        if not isinstance(form, str):
            return False
        key = form if self.case_sensitive else _lower_same_length(form)
        return key in self._counts

    def label_of(self, form: str) -> tuple[str, float] | None:
        """The form's most frequent label and that label's share of its spans.

        Ties go to the label seen first. None for a form never labeled.
        """
        key = form if self.case_sensitive else _lower_same_length(form)
        counts = self._counts.get(key)
        if not counts:
            return None
        label, count = counts.most_common(1)[0]
        return label, count / sum(counts.values())

    def _built(self) -> Any:
        if self._automaton is None:
            automaton = ahocorasick.Automaton()
            for key, counts in self._counts.items():
                label, count = counts.most_common(1)[0]
                confidence = count / sum(counts.values())
                automaton.add_word(key, (len(key), label, confidence))
            if len(automaton):
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def match(self, text: str, tokens: Sequence[Token]) -> list[dict[str, Any]]:
        """Suggested spans for ``text`` split into ``tokens`` (character offsets).

        Each is ``{"start", "end", "label", "source": "dictionary",
        "confidence"}``, the confidence being the label's share of the form's
        labeled spans; sorted by start.
        """
        automaton = self._built()
        if not len(automaton) or not tokens:
            return []
        return self._match(automaton, text, tokens)

    def match_many(
        self, texts: Sequence[str], token_lists: Sequence[Sequence[Token]]
    ) -> list[list[dict[str, Any]]]:
        """:meth:`match` for each text and its tokens, in order."""
        if len(texts) != len(token_lists):
            raise ValueError(
                f"match_many got {len(texts)} texts but {len(token_lists)} token "
                "lists; they must match."
            )
        automaton = self._built()
        if not len(automaton):
            return [[] for _ in texts]
        match = self._match
        return [
            match(automaton, text, tokens) if tokens else []
            for text, tokens in zip(texts, token_lists, strict=True)
        ]

    def _match(
        self, automaton: Any, text: str, tokens: Sequence[Token]
    ) -> list[dict[str, Any]]:
        key = text if self.case_sensitive else _lower_same_length(text)
        found = [
            (last + 1 - length, last + 1, label, confidence)
            for last, (length, label, confidence) in automaton.iter(key)
        ]
        if not found:
            return []
        starts = {s for s, _ in tokens}
        ends = {e for _, e in tokens}
        kept = [f for f in found if f[0] in starts and f[1] in ends]
        if len(kept) > 1:
            # Longest first, then leftmost; a match overlapping one taken is dropped.
            kept.sort(key=lambda f: (f[0] - f[1], f[0]))
            taken = bytearray(len(text))
            chosen = []
            for match in kept:
                start, end = match[0], match[1]
                if taken.find(1, start, end) == -1:
                    taken[start:end] = b"\x01" * (end - start)
                    chosen.append(match)
            chosen.sort()
            kept = chosen
        return [
            {
                "start": start,
                "end": end,
                "label": label,
                "source": "dictionary",
                "confidence": confidence,
            }
            for start, end, label, confidence in kept
        ]
