"""TSV as most tools write it: one record per line, tabs split fields, no quoting.

Quote characters are data here (an SMS may start with a double quote), so the
CSV parser's quoting rules would merge lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.io.readers import delimited
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.delimited import field_over_limit
from activelabel.io.readers.field_scanners import TabScanner
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.io.readers.text import (
    FieldOverLimit,
    LineSource,
    encoding_error,
    open_text,
)

__all__ = ["FORMAT", "read_tsv"]


def read_tsv(
    path: Path,
    *,
    encoding: str,
    header: bool,
    names: list[str] | None,
    batch_size: int,
    limit: int,
) -> Iterator[Batch]:
    """Batches of rows of an unquoted TSV file."""
    raw, stream = open_text(path, encoding)
    source = LineSource(raw, stream, limit=limit, scanner=TabScanner(limit))
    with stream:
        rows = _tsv_rows(path, source, encoding, header, names, limit)
        yield from batched(rows, batch_size, lambda: source.position)


def _tsv_rows(
    path: Path,
    source: LineSource,
    encoding: str,
    header: bool,
    names: list[str] | None,
    limit: int,
) -> Iterator[dict[str, Any]]:
    columns: list[str] | None = None if header else names
    expected = "header" if header else ("--columns option" if names else "first line")
    rows = 0
    try:
        for line in source:
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if columns is None:
                if header:
                    columns = [c.strip() for c in fields]
                    continue
                columns = [f"column_{i + 1}" for i in range(len(fields))]
            if len(fields) != len(columns):
                raise ImportFormatError(
                    f"{path} is not well-formed TSV: line {source.line_no} has "
                    f"{len(fields)} fields where the {expected} has {len(columns)}. "
                    "Check the delimiter (--delimiter)."
                )
            rows += 1
            yield dict(zip(columns, fields, strict=True))
    except UnicodeDecodeError:
        raise encoding_error(path, encoding) from None
    except FieldOverLimit as exc:
        raise field_over_limit(
            exc, path, columns=columns, rows=rows, line=source.line_no, limit=limit
        ) from None


def _read(o: ReadOptions) -> Iterator[Batch]:
    if o.delimiter is not None:
        # An explicit delimiter asks for CSV rules (quoting) with that delimiter.
        return delimited.FORMAT.read(o)
    # The TSV files people have (e.g. SMSSpamCollection) use no quoting.
    return read_tsv(
        o.path,
        encoding=o.encoding,
        header=o.header,
        names=o.names,
        batch_size=o.batch_size,
        limit=o.max_field_bytes,
    )


FORMAT = ReaderFormat("tsv", (".tsv", ".tab", ".txt"), _read, columns=True)
