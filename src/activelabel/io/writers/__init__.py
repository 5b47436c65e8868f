"""Streaming table writers for exports: CSV, JSON Lines and Parquet.

An export hands a writer rows in chunks (lists of values in column order) and the
writer appends them to an open file, so memory stays bounded however large the
project is. Each column has a :class:`Kind` that says how its values are written
in the formats that need one type per column:

* CSV (lines end in CRLF): ``None`` is an empty cell, strings are written as they are, booleans as
  ``true``/``false``, numbers as Python writes them, lists and objects as
  compact JSON text, timestamps as ISO 8601 UTC. A string a spreadsheet would
  run as a formula is neutralised unless asked not to (see
  :func:`neutralise_formula`).
* JSON Lines: values stay native JSON; timestamps are ISO 8601 UTC strings.
* Parquet: one Arrow type per column; a ``STRING`` column holds strings as they
  are and any other value as JSON text, timestamps are ``timestamp[us, UTC]``.

The :data:`MISSING` marker stands for "this item has no such field": an empty CSV
cell, a Parquet null, and no key at all in JSON Lines (so a re-import gets the
item's fields back exactly).
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Protocol

from activelabel.exceptions import ConfigError

if TYPE_CHECKING:
    # pyarrow is imported when a Parquet file is written, not with this module
    # (the server imports it for CSV and JSONL exports too).
    import pyarrow as pa

__all__ = [
    "FORMATS",
    "FORMULA_STARTS",
    "MISSING",
    "Column",
    "Kind",
    "TableWriter",
    "format_for",
    "neutralise_formula",
    "open_writer",
    "to_iso",
]

#: Export formats, by name, with the file suffix each is inferred from.
FORMATS: Final = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet"}


class _Missing:
    """Type of :data:`MISSING`; falsy and printed as ``MISSING``."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


#: The item has no value for this column (distinct from an explicit JSON null).
MISSING: Final = _Missing()


class Kind(enum.Enum):
    """The type a column is written with where a format needs one."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIMESTAMP = "timestamp"


def _arrow_type(kind: Kind) -> pa.DataType:
    import pyarrow as pa

    return {
        Kind.STRING: pa.string(),
        Kind.INT: pa.int64(),
        Kind.FLOAT: pa.float64(),
        Kind.BOOL: pa.bool_(),
        Kind.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    }[kind]


@dataclass(frozen=True)
class Column:
    """One output column: its name and how its values are typed."""

    name: str
    kind: Kind = Kind.STRING


def format_for(path: Path, fmt: str | None) -> str:
    """The export format: ``fmt`` if given, else inferred from the file suffix.

    Raises :class:`ConfigError` naming the path and the formats that exist.
    """
    allowed = ", ".join(f"{name} ({suffix})" for name, suffix in FORMATS.items())
    if fmt is not None:
        name = fmt.strip().lower().lstrip(".")
        if name not in FORMATS:
            raise ConfigError(
                f"Unknown export format {fmt!r} for {path}; use one of: {allowed}."
            )
        return name
    suffix = path.suffix.lower()
    for name, known in FORMATS.items():
        if suffix == known:
            return name
    hint = " (JSON Lines files end in .jsonl)" if suffix == ".json" else ""
    raise ConfigError(
        f"Cannot tell the export format of {path} from its suffix "
        f"{suffix or '(none)'!r}{hint}; name the file with one of: {allowed}, "
        "or pass the format explicitly."
    )


def to_iso(value: dt.datetime) -> str:
    """A timestamp as ISO 8601 in UTC with a ``Z``; naive values are taken as UTC.

    SQLite hands back naive datetimes for the UTC times activelabel stores.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    else:
        value = value.astimezone(dt.UTC)
    return value.isoformat().replace("+00:00", "Z")


def _to_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _jsonl_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return to_iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


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
    return _json_text(value)


#: First characters that make a spreadsheet read a cell as a formula (OWASP's
#: list for CSV injection).
FORMULA_STARTS: Final = frozenset("=+-@\t\r")

#: A number as a spreadsheet reads one: ``-3`` and ``+1.5e3`` stay numbers.
_NUMBER: Final = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)


def neutralise_formula(text: str) -> str:
    """``text``, made inert for spreadsheets if one would run it as a formula.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading ``'`` (OWASP's rule against CSV injection: Excel, LibreOffice
    and Google Sheets then show the text instead of evaluating it); strings that
    are plain numbers (``-3``, ``+0.5``) are left alone, as is everything else.
    """
    if text[:1] in FORMULA_STARTS and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def _csv_text(value: Any) -> Any:
    """A CSV cell with formulas neutralised (strings) or formatted (the rest)."""
    if value.__class__ is str:
        return neutralise_formula(value)
    return _csv_cell(value)


class TableWriter(Protocol):
    """Appends chunks of rows to an open file; ``close`` finishes the file."""

    rows: int

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows; each row has one value per column, in column order."""

    def close(self) -> None:
        """Flush and finish the file (the Parquet footer, for instance)."""


class _CsvWriter:
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
        self._file.close()


class _JsonlWriter:
    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        self._names = [c.name for c in columns]
        self._encoder = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=_jsonl_default
        )
        self.rows = 0

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        names = self._names
        encode = self._encoder.encode
        lines = [
            encode({n: v for n, v in zip(names, row, strict=True) if v is not MISSING})
            for row in rows
        ]
        if lines:
            self._file.write("\n".join(lines))
            self._file.write("\n")
        self.rows += len(rows)

    def close(self) -> None:
        self._file.close()


def _arrow_column(kind: Kind, values: list[Any]) -> pa.Array:
    import pyarrow as pa

    if kind is Kind.STRING:
        values = [
            v
            if v.__class__ is str
            else None
            if v is None or v is MISSING
            else _json_text(v)
            for v in values
        ]
    elif kind is Kind.TIMESTAMP:
        values = [None if v is None else _to_utc(v) for v in values]
    else:
        values = [None if v is MISSING else v for v in values]
    return pa.array(values, type=_arrow_type(kind))


class _ParquetWriter:
    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._columns = list(columns)
        self._schema = pa.schema(
            [pa.field(c.name, _arrow_type(c.kind)) for c in self._columns]
        )
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._table_type = pa.Table
        self.rows = 0

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        by_column = list(zip(*rows, strict=True))
        arrays = [
            _arrow_column(c.kind, list(values))
            for c, values in zip(self._columns, by_column, strict=True)
        ]
        self._writer.write_table(
            self._table_type.from_arrays(arrays, schema=self._schema)
        )
        self.rows += len(rows)

    def close(self) -> None:
        self._writer.close()


def open_writer(
    fmt: str, path: Path, columns: Sequence[Column], *, escape_formulas: bool = True
) -> TableWriter:
    """Open a writer for ``fmt`` at ``path`` with the header or schema of ``columns``.

    ``escape_formulas`` (CSV only) neutralises cells a spreadsheet would run as
    formulas (:func:`neutralise_formula`); JSON Lines and Parquet keep every
    value as it is.
    """
    if fmt == "csv":
        return _CsvWriter(path, columns, escape_formulas=escape_formulas)
    if fmt == "jsonl":
        return _JsonlWriter(path, columns)
    if fmt == "parquet":
        return _ParquetWriter(path, columns)
    raise ConfigError(
        f"Unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}."
    )
