"""Plain text: one item per non-blank line, its text the line without the spaces
around it. Nothing is labeled; a span project tokenizes each line as its
language says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.delimited import field_too_large
from activelabel.io.readers.field_scanners import WholeLineScanner
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.io.readers.text import (
    FieldOverLimit,
    LineSource,
    encoding_error,
    open_text,
)

__all__ = ["FORMAT", "read_lines"]


def read_lines(o: ReadOptions) -> Iterator[Batch]:
    """Batches of ``{"text": line}`` rows, each placed at its line of the file."""
    raw, stream = open_text(o.path, o.encoding)
    source = LineSource(
        raw, stream, limit=o.max_field_bytes, scanner=WholeLineScanner()
    )
    place = ""
    done = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal place, done
        rows = 0
        with stream:
            try:
                for line in source:
                    text = line.strip()
                    if not text:
                        continue
                    rows += 1
                    place = f"line {source.line_no}"
                    yield {"text": text}
            except UnicodeDecodeError:
                raise encoding_error(o.path, o.encoding) from None
            except FieldOverLimit:
                raise field_too_large(
                    o.path, rows + 1, source.line_no, o.max_field_bytes, "text"
                ) from None
            done = source.position
        if rows == 0:
            raise ImportFormatError(f"{o.path} holds no text: every line is blank.")

    def position() -> int:
        return done if stream.closed else source.position

    return batched(rows(), o.batch_size, position, lambda: place)


FORMAT = ReaderFormat("lines", (".txt",), read_lines)
