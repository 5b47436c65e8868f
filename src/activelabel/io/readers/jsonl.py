"""JSON Lines: one object per line; a line is checked for a huge string as it is read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.delimited import field_too_large
from activelabel.io.readers.field_scanners import JsonScanner
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.io.readers.text import (
    FieldOverLimit,
    LineSource,
    encoding_error,
    open_text,
)

__all__ = ["FORMAT", "read_jsonl"]


def read_jsonl(
    path: Path, *, encoding: str, batch_size: int, limit: int
) -> Iterator[Batch]:
    """Batches of the objects of a JSON Lines file; blank lines are skipped.

    Each row is placed at its line, so a refused row is named as an editor
    shows it (a blank line before it shifts rows from lines).
    """
    raw, stream = open_text(path, encoding)
    source = LineSource(raw, stream, limit=limit, scanner=JsonScanner(limit))
    with stream:
        rows = _jsonl_rows(path, source, encoding, limit)
        # Asked right after a row is handed over: the line it was read from.
        yield from batched(
            rows, batch_size, lambda: source.position, lambda: f"line {source.line_no}"
        )


def _jsonl_rows(
    path: Path, source: LineSource, encoding: str, limit: int
) -> Iterator[dict[str, Any]]:
    rows = 0
    try:
        for line in source:
            if not line.strip():
                continue
            line_no = source.line_no
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFormatError(
                    f"{path}, line {line_no}: not valid JSON ({exc.msg} at column {exc.colno})."
                ) from None
            if not isinstance(obj, dict):
                raise ImportFormatError(
                    f"{path}, line {line_no}: each line must be a JSON object, "
                    f"got {type(obj).__name__}."
                )
            rows += 1
            yield obj
    except UnicodeDecodeError:
        raise encoding_error(path, encoding) from None
    except FieldOverLimit:
        raise field_too_large(path, rows + 1, source.line_no, limit, None) from None


def _read(o: ReadOptions) -> Iterator[Batch]:
    return read_jsonl(
        o.path, encoding=o.encoding, batch_size=o.batch_size, limit=o.max_field_bytes
    )


FORMAT = ReaderFormat("jsonl", (".jsonl", ".ndjson"), _read)
