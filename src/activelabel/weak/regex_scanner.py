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

The scan itself is ``re``'s: fast when a pattern starts with a literal or a
character class (it then skips to the next position that can start a match),
one full match attempt per character otherwise. Patterns written as
``\\b\\d{5}\\b`` or ``[A-Z]{4,}`` start with neither, so :func:`_fast_form`
rewrites them into an equivalent that does: a repeat ``X{m,n}`` (``m >= 1``) at
the start becomes ``X X{m-1,n-1}``, and a ``\\b`` before a first character
that is always a word character becomes a look back after it,
``\\d(?<!\\w\\d)``. On SMS texts that made such patterns 2-18x faster.
And when every match must contain one of a few strings (``www.`` or
``http`` in ``(?i)www\\.|http``), the keyword pass finds the texts that hold
one, and only those are scanned.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from re import _compiler as _sre_compile  # type: ignore[attr-defined]
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


_WORD_CATEGORIES = {
    _sre_constants.CATEGORY_DIGIT,
    _sre_constants.CATEGORY_WORD,
}


def _word_char(code: int, flags: int) -> bool:
    char = chr(code)
    if flags & re.ASCII and not char.isascii():
        return False
    return char.isalnum() or char == "_"


def _always_word(item: tuple[Any, Any], flags: int) -> bool:
    """Whether every character ``item`` (one-character pattern) matches is a word
    character, so a ``\\b`` before it only asks about the character before."""
    op, argument = item
    if op is _sre_constants.LITERAL:
        return _word_char(argument, flags)
    if op is not _sre_constants.IN:
        return False
    for kind, value in argument:
        if kind is _sre_constants.LITERAL and _word_char(value, flags):
            continue
        if kind is _sre_constants.CATEGORY and value in _WORD_CATEGORIES:
            continue
        if kind is _sre_constants.RANGE and all(
            _word_char(c, flags) for c in range(value[0], value[1] + 1)
        ):
            continue
        return False
    return True


def _one_char(item: tuple[Any, Any]) -> bool:
    return item[0] in (_sre_constants.LITERAL, _sre_constants.IN)


def _fast_form(parsed: Any) -> re.Pattern[str] | None:
    """An equivalent compiled pattern that starts with a character or class, or None."""
    state = parsed.state
    data = list(parsed.data)
    boundary = bool(data) and data[0] == (
        _sre_constants.AT,
        _sre_constants.AT_BOUNDARY,
    )
    rest = data[1:] if boundary else data
    if not rest:
        return None
    op, argument = rest[0]
    if op is _sre_constants.MAX_REPEAT or op is _sre_constants.MIN_REPEAT:
        low, high, body = argument
        if low < 1 or len(body.data) != 1 or not _one_char(body.data[0]):
            return None
        first = body.data[0]
        tail = []
        if high is _sre_constants.MAXREPEAT or high > 1:
            left = high if high is _sre_constants.MAXREPEAT else high - 1
            tail = [(op, (low - 1, left, body))]
        rest = [first, *tail, *rest[1:]]
    elif not _one_char(rest[0]) or not boundary:
        return None
    first = rest[0]
    if boundary:
        if not _always_word(first, state.flags):
            return None
        word = (
            _sre_constants.IN,
            [(_sre_constants.CATEGORY, _sre_constants.CATEGORY_WORD)],
        )
        behind = _sre_parse.SubPattern(state, [word, first])
        rest = [first, (_sre_constants.ASSERT_NOT, (-1, behind)), *rest[1:]]
    try:
        compiled: re.Pattern[str] = _sre_compile.compile(
            _sre_parse.SubPattern(state, rest)
        )
    except Exception:  # a form re refuses: keep the pattern as written
        return None
    return compiled


#: Shortest literal worth looking for before a scan: shorter ones ("0",
#: "am") are in most texts and cost more matches than they save.
_MIN_LITERAL = 3

#: Letters re folds with more than their upper and lower case (the long s,
#: the Kelvin sign, the dotless i...): a lower-cased text could miss them.
_FOLDED_WIDER = set("sSkKiI")

_REPEATS = {
    _sre_constants.MAX_REPEAT,
    _sre_constants.MIN_REPEAT,
    _sre_constants.POSSESSIVE_REPEAT,
}


def _literals_of(parsed: Any, ignore_case: bool) -> set[str] | None:
    """Strings one of which every match of ``parsed`` contains, or None."""
    options: list[set[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            options.append({"".join(run)})
            run.clear()

    for op, argument in parsed:
        if op is _sre_constants.LITERAL:
            char = chr(argument)
            if ignore_case and (not char.isascii() or char in _FOLDED_WIDER):
                close_run()
                continue
            run.append(char.lower() if ignore_case else char)
            continue
        close_run()
        found: set[str] | None = None
        if op is _sre_constants.SUBPATTERN and not argument[1] and not argument[2]:
            found = _literals_of(argument[3], ignore_case)
        elif op is _sre_constants.ATOMIC_GROUP:
            found = _literals_of(argument, ignore_case)
        elif op in _REPEATS and argument[0] >= 1:
            found = _literals_of(argument[2], ignore_case)
        elif op is _sre_constants.BRANCH:
            branches = [_literals_of(branch, ignore_case) for branch in argument[1]]
            if all(branch is not None for branch in branches):
                found = set().union(*(b for b in branches if b is not None))
        if found:
            options.append(found)
    close_run()
    useful = [o for o in options if min(len(text) for text in o) >= _MIN_LITERAL]
    if not useful:
        return None
    return max(useful, key=lambda o: (min(len(text) for text in o), -len(o)))


def _required_literals(parsed: Any) -> tuple[tuple[str, ...], bool] | None:
    """The strings a text must contain (one of them) to match, and whether they
    are compared with case; None when there are none worth looking for."""
    flags = parsed.state.flags
    ignore_case = bool(flags & re.IGNORECASE)
    literals = _literals_of(parsed, ignore_case)
    if not literals:
        return None
    return tuple(sorted(literals)), not ignore_case


class RegexScanner:
    """Which texts one compiled pattern matches."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        parsed = _sre_parse.parse(pattern)
        self.joinable = _joinable(parsed)
        #: What scans the joined texts: the pattern, or a faster equivalent.
        self.finder = (_fast_form(parsed) if self.joinable else None) or self.pattern
        #: Strings one of which a text must contain to match (and whether
        #: with case): only the texts holding one are scanned.
        self.literals = _required_literals(parsed)

    def matching(
        self, texts: Sequence[str], joined: str, ends: Sequence[int]
    ) -> list[int]:
        """Indices of the texts the pattern matches.

        ``joined`` is ``"\\x00".join(texts)`` and ``ends[i]`` the offset of
        the NUL after text ``i`` (shared by every pattern of the batch).
        """
        search = self.pattern.search
        if not texts:
            return []
        if not self.joinable:
            return [i for i, text in enumerate(texts) if search(text) is not None]
        find = self.finder.search
        hits: list[int] = []
        position, size, last_text = 0, len(joined), len(texts) - 1
        while position <= size:
            found = find(joined, position)
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
