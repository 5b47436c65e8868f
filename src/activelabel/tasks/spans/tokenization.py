"""Where the tokens of a text are: character offsets, computed or kept from the source.

A span's boundaries fall on token boundaries, so the page snaps a selection to
tokens, the model tags tokens and the CoNLL export writes one token per line.
Two tokenizations (:data:`~activelabel.tasks.spans.languages.Tokenization`):

``whitespace``
    Words and punctuation marks: a run of letters and digits (with the marks
    that combine with them, as in vowelled Arabic or Hebrew) is one token, joined
    across an inner apostrophe, hyphen or full stop (``don't``, ``U.S``,
    ``state-of-the-art``); every other mark that is not a space is a token of
    its own, so ``Paris.`` is ``Paris`` and ``.``.
``char``
    Every character that is not a space, for languages written without spaces
    (Chinese, Japanese, Thai).

An item imported with its tokens (a CoNLL sentence) keeps them: its tokens are
found in order in its text (:func:`align_tokens`) rather than recomputed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from activelabel.exceptions import InvalidLabelError

__all__ = ["Token", "align_tokens", "item_tokens", "joined_offsets", "tokenize"]

#: A token's ``(start, end)`` character offsets in its text, ``start < end``.
Token = tuple[int, int]

# Marks that combine with the letter before them (Latin accents, Hebrew points,
# Arabic and Syriac vowel marks) and the joiners Persian writes inside words:
# Python's \w does not count them as word characters.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0711\u0730-\u074a\u0900-\u0903\u093a-\u094f\u200c\u200d"
)
_WORD = rf"[\w{_MARKS}]+"
_WHITESPACE_TOKEN = re.compile(rf"{_WORD}(?:['’.\-]{_WORD})*|[^\w\s{_MARKS}]")
_CHAR_TOKEN = re.compile(r"\S")


def tokenize(text: str, tokenization: str = "whitespace") -> list[Token]:
    """The tokens of ``text`` as character offsets."""
    pattern = _CHAR_TOKEN if tokenization == "char" else _WHITESPACE_TOKEN
    return [m.span() for m in pattern.finditer(text)]


def align_tokens(
    text: str, words: Sequence[Any], *, where: str = "item"
) -> list[Token]:
    """The offsets of ``words``, found one after another in ``text``.

    Raises :class:`InvalidLabelError` naming the first word not found after the
    one before it.
    """
    offsets: list[Token] = []
    position = 0
    for number, word in enumerate(words, start=1):
        if not isinstance(word, str) or not word:
            raise InvalidLabelError(
                f"{where}: token {number} is {word!r}; a token is non-empty text."
            )
        start = text.find(word, position)
        if start < 0:
            raise InvalidLabelError(
                f"{where}: token {number} ({word!r}) is not in the text after "
                f"character {position}."
            )
        position = start + len(word)
        offsets.append((start, position))
    return offsets


def joined_offsets(words: Sequence[str]) -> list[Token]:
    """Offsets of ``words`` in ``" ".join(words)``, without searching."""
    offsets: list[Token] = []
    position = 0
    for word in words:
        offsets.append((position, position + len(word)))
        position += len(word) + 1
    return offsets


def item_tokens(
    data: Mapping[str, Any],
    text: str,
    tokenization: str = "whitespace",
    *,
    where: str = "item",
) -> list[Token]:
    """An item's tokens: the ones it was imported with (``data["tokens"]``), else
    its text tokenized."""
    words = data.get("tokens")
    if isinstance(words, list) and words:
        # A CoNLL sentence's text is its tokens joined by one space: the
        # offsets follow from the lengths, with no search.
        if sum(map(len, words)) + len(words) - 1 == len(text) and text == " ".join(
            words
        ):
            return joined_offsets(words)
        return align_tokens(text, words, where=where)
    return tokenize(text, tokenization)
