"""CSV (lines end in CRLF, as RFC 4180 has it).

``None`` is an empty cell, strings are written as they are, booleans as
``true``/``false``, numbers as Python writes them, lists and objects as compact
JSON text, timestamps as ISO 8601 UTC. A string a spreadsheet would run as a
formula is neutralised unless asked not to (see
:func:`~activelabel.io.writers.cells.neutralise_formula`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final

from activelabel.io.writers.cells import (
    FORMULA_STARTS,
    MISSING,
    Column,
    json_text,
    neutralise_formula,
    to_iso,
)
from activelabel.io.writers.protocol import RowFormat, TableWriter, WriteOptions

__all__ = ["FORMAT", "CsvWriter"]


def _csv_cell(value: Any) -> Any:
    """Any value that is not a string, as CSV cell text."""
    if value is None or value is MISSING:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return value  # csv writes repr(), the shortest exact form
    if isinstance(value, dt.datetime):
        return to_iso(value)
    return json_text(value)


def _csv_text(value: Any) -> Any:
    """A CSV cell with formulas neutralised (strings) or formatted (the rest)."""
    if value.__class__ is str:
        return neutralise_formula(value)
    return _csv_cell(value)


class CsvWriter:
    """Writes rows to a CSV file, the header first."""

    def __init__(
        self, path: Path, columns: Sequence[Column], *, escape_formulas: bool = True
    ) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="")
        # CRLF, as RFC 4180 has it. It is also what makes the csv module quote a
        # cell holding a lone carriage return: with "\n" it wrote such a cell
        # bare, and readers took the \r for the end of the row.
        self._writer = csv.writer(self._file, lineterminator="\r\n")
        self._escape = escape_formulas
        names = [c.name for c in columns]
        if escape_formulas:
            names = [neutralise_formula(name) for name in names]
        self._writer.writerow(names)
        self.rows = 0

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows, one value per column in column order."""
        if self._escape:
            # Most cells are strings that start with a letter: one set lookup
            # each, and only the rest go through a function call.
            starts = FORMULA_STARTS
            self._writer.writerows(
                [
                    v if v.__class__ is str and v[:1] not in starts else _csv_text(v)
                    for v in row
                ]
                for row in rows
            )
        else:
            self._writer.writerows(
                [v if v.__class__ is str else _csv_cell(v) for v in row] for row in rows
            )
        self.rows += len(rows)

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def _open(path: Path, columns: Sequence[Column], options: WriteOptions) -> TableWriter:
    return CsvWriter(path, columns, escape_formulas=options.escape_formulas)


FORMAT: Final = RowFormat("csv", ".csv", "text/csv", _open)
