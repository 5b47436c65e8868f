"""Refuse a field over the size limit while it is being read, one format each.

A scanner follows a long line (or a long JSON element) piece by piece and
counts the characters of the field it is in; at ``limit + 1`` it raises
:class:`FieldOverLimit`, so no more than about the limit of one field is ever
held. A character is at least one UTF-8 byte, so a field refused here is over
the byte limit too; fields under it in characters but over it in bytes are
refused after parsing, by the importer's byte check.

Scanners only run on lines longer than the limit (wide rows or huge fields);
ordinary lines never pay for them.
"""

from __future__ import annotations

import re

from activelabel.io.readers.text import FieldOverLimit

__all__ = ["DelimitedScanner", "JsonScanner", "TabScanner", "WholeLineScanner"]

_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)


class DelimitedScanner:
    """Fields of a CSV line as Python's csv module splits them (``"`` quotes, doubled to escape)."""

    def __init__(self, delimiter: str, limit: int) -> None:
        self.delimiter = delimiter
        self.limit = limit
        self.state = _START
        self.length = 0
        self.column: int | None = 0

    def begin(self, *, inside_field: bool) -> None:
        """Start a line, at a record's start or inside a quoted field that spans lines."""
        self.state = _QUOTED if inside_field else _START
        self.length = 0
        # A line continuing a quoted field does not say which column it is in.
        self.column = None if inside_field else 0

    def _next_column(self) -> None:
        if self.column is not None:
            self.column += 1

    def _count(self, n: int) -> None:
        self.length += n
        if self.length > self.limit:
            raise FieldOverLimit(self.column)

    def feed(self, piece: str) -> None:
        """Follow the fields through the next piece of the line."""
        text = piece.rstrip("\r\n")
        delimiter = self.delimiter
        i, n = 0, len(text)
        while i < n:
            if self.state == _START:
                c = text[i]
                if c == '"':
                    self.state, self.length = _QUOTED, 0
                    i += 1
                elif c == delimiter:
                    self._next_column()
                    i += 1
                else:
                    self.state, self.length = _FIELD, 0
            elif self.state == _FIELD:
                j = text.find(delimiter, i)
                self._count((n if j < 0 else j) - i)
                if j < 0:
                    return
                self.state = _START
                self._next_column()
                i = j + 1
            elif self.state == _QUOTED:
                j = text.find('"', i)
                self._count((n if j < 0 else j) - i)
                if j < 0:
                    return
                self.state = _QUOTE_IN_QUOTED
                i = j + 1
            else:  # just after a quote inside a quoted field
                c = text[i]
                if c == '"':  # a doubled quote: one quote of data
                    self._count(1)
                    self.state = _QUOTED
                    i += 1
                elif c == delimiter:
                    self.state = _START
                    self._next_column()
                    i += 1
                else:  # the csv module keeps text after a closing quote
                    self.state = _FIELD


class TabScanner:
    """Fields of an unquoted TSV line: tabs split them, nothing else."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.length = 0
        self.column = 0

    def begin(self, *, inside_field: bool) -> None:
        """Start a line (TSV fields never span lines)."""
        self.length = 0
        self.column = 0

    def feed(self, piece: str) -> None:
        """Follow the fields through the next piece of the line."""
        first, *rest = piece.rstrip("\r\n").split("\t")
        self.length += len(first)
        for part in rest:
            if self.length > self.limit:
                break
            self.column += 1
            self.length = len(part)
        if self.length > self.limit:
            raise FieldOverLimit(self.column)


_IN_STRING_STOPS = re.compile(r'["\\]')
_OUTSIDE, _STRING, _ESCAPE = range(3)


class JsonScanner:
    """String literals of JSON text; escapes are counted so no legal string is refused.

    A string's length after decoding is at least its raw length minus five per
    backslash (``\\u00e9`` is six characters for one), which is what is compared.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.state = _OUTSIDE
        self.length = 0
        self.escapes = 0

    def begin(self, *, inside_field: bool) -> None:
        """Start a JSON text (a line of JSON Lines, or an element of an array)."""
        self.state = _OUTSIDE
        self.length = self.escapes = 0

    def feed(self, piece: str) -> None:
        """Follow the strings through the next piece of JSON text."""
        i, n = 0, len(piece)
        while i < n:
            if self.state == _OUTSIDE:
                j = piece.find('"', i)
                if j < 0:
                    return
                self.state, self.length, self.escapes = _STRING, 0, 0
                i = j + 1
            elif self.state == _ESCAPE:
                self.length += 1
                self.state = _STRING
                i += 1
            else:
                match = _IN_STRING_STOPS.search(piece, i)
                end = n if match is None else match.start()
                self.length += end - i
                if match is None:
                    i = n
                elif piece[end] == "\\":
                    self.escapes += 1
                    self.length += 1
                    self.state = _ESCAPE
                    i = end + 1
                else:
                    self.state = _OUTSIDE
                    i = end + 1
                if self.length - 5 * self.escapes > self.limit:
                    raise FieldOverLimit(None)


class WholeLineScanner:
    """A line that is one field (a plain-text item, a CoNLL token line): a line
    longer than the limit is over it at its first piece."""

    def begin(self, *, inside_field: bool) -> None:
        """Nothing to reset: any piece the line source hands over is too long."""

    def feed(self, piece: str) -> None:
        """Refuse the line."""
        raise FieldOverLimit(0)
