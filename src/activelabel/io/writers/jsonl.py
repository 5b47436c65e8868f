"""JSON Lines: one object per row; values stay native JSON.

Timestamps are ISO 8601 UTC strings. A :data:`~activelabel.io.writers.cells.MISSING`
value leaves its key out, so a re-import gets the item's fields back exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final

from activelabel.io.writers.cells import MISSING, Column, to_iso
from activelabel.io.writers.protocol import RowFormat, TableWriter, WriteOptions

__all__ = ["FORMAT", "JsonlWriter"]


def _jsonl_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return to_iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class JsonlWriter:
    """Writes rows to a JSON Lines file, one object per line."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        self._names = [c.name for c in columns]
        self._encoder = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=_jsonl_default
        )
        self.rows = 0

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows, one value per column in column order."""
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
        """Close the file."""
        self._file.close()


def _open(path: Path, columns: Sequence[Column], options: WriteOptions) -> TableWriter:
    return JsonlWriter(path, columns)


FORMAT: Final = RowFormat("jsonl", ".jsonl", "application/x-ndjson", _open)
