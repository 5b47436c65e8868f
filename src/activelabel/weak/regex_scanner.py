"""A regex function's matches in a batch of texts, mostly in one scan.

Calling ``pattern.search`` on each of a million short texts costs a Python
call per text and function. Instead a pattern runs over the batch's texts
joined by NUL characters, and each match found names its text; the scan then
jumps to the next text (one vote per text is all a function gives). This
finds exactly the texts ``pattern.search(text)`` finds, because:

* a match inside one text needs nothing outside it but, at its edges, the
  word boundary ``\\b`` checks, and the NUL around a text is a non-word
  character as the end of a string is;
* a match that reaches the NUL after its text (a pattern such as
  ``[^!]+`` can) is checked again on that text alone, and the scan restarts
  at the next text;
* patterns whose meaning depends on where the string starts or ends, or on
  what surrounds a match (``^``, ``$``, ``\\A``, ``\\Z``, lookarounds), are
  run text by text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

__all__ = ["RegexScanner"]

_BOUNDARIES = {_sre_constants.AT_BOUNDARY, _sre_constants.AT_NON_BOUNDARY}
_LOOKAROUNDS = {_sre_constants.ASSERT, _sre_constants.ASSERT_NOT}


def _joinable(parsed: Any) -> bool:
    """Whether the parsed pattern matches the same inside a longer string."""
    for op, argument in parsed:
        if op is _sre_constants.AT and argument not in _BOUNDARIES:
            return False
        if op in _LOOKAROUNDS:
            return False
        if not all(_joinable(part) for part in _subpatterns(argument)):
            return False
    return True


def _subpatterns(argument: Any) -> Iterator[Any]:
    """The nested patterns in an opcode's argument (a group, a branch, a repeat)."""
    if isinstance(argument, _sre_parse.SubPattern):
        yield argument
    elif isinstance(argument, list | tuple):
        for part in argument:
            yield from _subpatterns(part)


class RegexScanner:
    """Which texts one compiled pattern matches."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        self.joinable = _joinable(_sre_parse.parse(pattern))

    def matching(
        self, texts: Sequence[str], joined: str, ends: Sequence[int]
    ) -> list[int]:
        """Indices of the texts the pattern matches.

        ``joined`` is ``"\\x00".join(texts)`` and ``ends[i]`` the offset of
        the NUL after text ``i`` (shared by every pattern of the batch).
        """
        search = self.pattern.search
        if not self.joinable:
            return [i for i, text in enumerate(texts) if search(text) is not None]
        hits: list[int] = []
        position, size, last_text = 0, len(joined), len(texts) - 1
        while position <= size:
            found = search(joined, position)
            if found is None:
                break
            start, end = found.span()
            index = bisect_right(ends, start - 1)
            if end <= ends[index] or search(texts[index]) is not None:
                hits.append(index)
            if index >= last_text:
                break
            position = ends[index] + 1
        return hits
