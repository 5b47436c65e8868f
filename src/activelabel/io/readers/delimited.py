"""CSV (and other delimited text with quoting) through Python's csv module.

Values stay exactly what the file says (``00123`` stays ``00123``). The csv
module reads from a :class:`LineSource`, so a field over the size limit is
refused while it is read: on a long line by the scanner, inside a quoted field
spanning many short lines by the csv module's own field size limit. (pandas'
C parser, used before, read a whole field before any check could see it, and
spent seconds per row on files of 10,000 columns.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from activelabel.exceptions import ConfigError, FieldTooLargeError, ImportFormatError
from activelabel.io.readers.batches import MAX_BATCH_CELLS, Batch
from activelabel.io.readers.field_scanners import DelimitedScanner
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.io.readers.text import (
    FieldOverLimit,
    LineSource,
    encoding_error,
    open_text,
)

__all__ = [
    "FORMAT",
    "field_over_limit",
    "field_too_large",
    "read_delimited",
    "unique_names",
]


def unique_names(header: list[str]) -> list[str]:
    """Header names as pandas gave them: blanks named, repeats numbered (``a``, ``a.1``)."""
    names: list[str] = []
    seen: set[str] = set()
    last_number: dict[str, int] = {}  # so a name repeated n times costs n, not n^2
    for i, name in enumerate(header):
        base = name if name else f"Unnamed: {i}"
        candidate, n = base, last_number.get(base, 0)
        while candidate in seen:
            n += 1
            candidate = f"{base}.{n}"
        last_number[base] = n
        seen.add(candidate)
        names.append(candidate)
    return names


def field_too_large(
    path: Path, row: int, line: int, limit: int, column: str | None
) -> FieldTooLargeError:
    """The error for a field refused while reading, before it was read whole."""
    field = f"the field {column!r}" if column else "a field"
    where = f"{path}, row {row}" if row else f"{path}, the header"
    return FieldTooLargeError(
        f"{where}: {field} is over the limit of {limit:,} bytes "
        f"(ACTIVELABEL_MAX_FIELD_BYTES); reading stopped at line {line} without "
        "loading the rest of it."
    )


def field_over_limit(
    exc: FieldOverLimit,
    path: Path,
    *,
    columns: list[str] | None,
    rows: int,
    line: int,
    limit: int,
) -> FieldTooLargeError:
    """:func:`field_too_large` for what a field scanner found after ``rows`` rows."""
    column = (
        columns[exc.column]
        if columns is not None and exc.column is not None and exc.column < len(columns)
        else None
    )
    row = rows + 1 if columns is not None else 0
    return field_too_large(path, row, line, limit, column)


def read_delimited(
    path: Path,
    *,
    delimiter: str,
    encoding: str,
    batch_size: int,
    header: bool,
    names: list[str] | None,
    limit: int,
) -> Iterator[Batch]:
    """Batches of rows of a CSV file; a header names the columns unless ``names`` does."""
    if len(delimiter) != 1:
        raise ConfigError(f"The delimiter must be one character, got {delimiter!r}.")
    kind = "TSV" if delimiter == "\t" else "CSV"
    raw, stream = open_text(path, encoding)
    source = LineSource(
        raw,
        stream,
        limit=limit,
        scanner=DelimitedScanner(delimiter, limit),
        multiline_records=True,
    )
    reader = csv.reader(source, delimiter=delimiter, quotechar='"', doublequote=True)
    columns: list[str] | None = None if header else names
    batch: list[dict[str, Any]] = []
    first = 1
    rows = 0
    # The csv module's field limit is one setting for the process; it bounds a
    # quoted field spanning many short lines, and is put back when reading ends.
    previous_limit = csv.field_size_limit(limit)
    try:
        for record in reader:
            source.at_record_start = True
            if not record:
                continue  # a blank line
            if columns is None:
                if header:
                    columns = unique_names(record)
                    continue
                columns = [f"column_{i + 1}" for i in range(len(record))]
            if len(record) != len(columns):
                if names is not None and rows == 0:
                    raise ImportFormatError(
                        f"{path} has {len(record)} columns but --columns names "
                        f"{len(names)}: {', '.join(names)}."
                    )
                if len(record) > len(columns):
                    raise ImportFormatError(
                        f"{path} is not well-formed {kind}: line {source.record_line} "
                        f"has {len(record)} fields where the "
                        f"{_expected(header, names)} has {len(columns)}. Check the "
                        "delimiter (--delimiter) and the quoting of that line."
                    )
                # A short row: the missing trailing fields are empty.
                record += [""] * (len(columns) - len(record))
            batch.append(dict(zip(columns, record, strict=True)))
            rows += 1
            if len(batch) >= batch_size or len(batch) * len(columns) >= MAX_BATCH_CELLS:
                yield Batch(first_row=first, rows=batch, position=source.position)
                first += len(batch)
                batch = []
        if columns is None:
            raise ImportFormatError(f"{path} is empty: there is nothing to import.")
        if batch:
            yield Batch(first_row=first, rows=batch, position=source.position)
    except UnicodeDecodeError:
        raise encoding_error(path, encoding) from None
    except FieldOverLimit as exc:
        raise field_over_limit(
            exc, path, columns=columns, rows=rows, line=source.line_no, limit=limit
        ) from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            row = rows + 1 if columns is not None else 0
            raise field_too_large(path, row, source.line_no, limit, None) from None
        raise ImportFormatError(
            f"{path} is not well-formed {kind}: {exc} (line {source.line_no}). "
            "Check the delimiter (--delimiter) and the quoting of that line."
        ) from None
    finally:
        csv.field_size_limit(previous_limit)
        stream.close()


def _expected(header: bool, names: list[str] | None) -> str:
    if header:
        return "header"
    return "--columns option" if names else "first line"


def _read(o: ReadOptions) -> Iterator[Batch]:
    return read_delimited(
        o.path,
        delimiter=o.delimiter or ",",
        encoding=o.encoding,
        batch_size=o.batch_size,
        header=o.header,
        names=o.names,
        limit=o.max_field_bytes,
    )


FORMAT = ReaderFormat("csv", (".csv",), _read, columns=True)
