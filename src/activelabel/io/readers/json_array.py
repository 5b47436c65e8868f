"""A top-level JSON array of objects, decoded one element at a time."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from activelabel.exceptions import FieldTooLargeError, ImportFormatError
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.field_scanners import JsonScanner
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.io.readers.text import FieldOverLimit, encoding_error

__all__ = ["FORMAT", "read_json_array"]

#: Characters read at a time; smaller when the field limit is (a field over it
#: is then found within a few times the limit).
_CHUNK = 1 << 20


def read_json_array(
    path: Path, *, encoding: str, batch_size: int, limit: int
) -> Iterator[Batch]:
    """Batches of the objects of a JSON array."""
    consumed = 0

    def objects() -> Iterator[dict[str, Any]]:
        nonlocal consumed
        for index, obj, position in _iter_json_array(path, encoding, limit):
            consumed = position
            if not isinstance(obj, dict):
                raise ImportFormatError(
                    f"{path}, element {index + 1}: expected a JSON object, "
                    f"got {type(obj).__name__}."
                )
            yield obj

    return batched(objects(), batch_size, lambda: consumed)


def _iter_json_array(
    path: Path, encoding: str, limit: int
) -> Iterator[tuple[int, Any, int]]:
    """Yield (index, element, bytes consumed) from a top-level JSON array, incrementally.

    An element that does not fit in what has been read is read further; while it
    grows past the limit its strings are scanned, so a huge string is refused
    before it is read whole.
    """
    chunk_size = max(1 << 16, min(_CHUNK, limit))
    decoder = json.JSONDecoder()
    text_reader = codecs.getincrementaldecoder(encoding)()
    scanner = JsonScanner(limit)
    buf = ""
    consumed = 0
    started = False
    index = 0
    scanned = 0  # characters of the current, incomplete element already scanned
    with path.open("rb") as f:
        eof = False

        def read_more() -> None:
            nonlocal buf, consumed, eof
            chunk = f.read(chunk_size)
            consumed += len(chunk)
            try:
                buf += text_reader.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                raise encoding_error(path, encoding) from None
            eof = not chunk

        while True:
            if not eof and len(buf) < chunk_size:
                read_more()
            buf = buf.lstrip()
            if not started:
                if not buf:
                    if eof:
                        raise ImportFormatError(
                            f"{path} is empty: there is nothing to import."
                        )
                    continue
                if buf[0] != "[":
                    raise ImportFormatError(
                        f"{path} is not a JSON array of objects (it starts with {buf[0]!r}); "
                        "use JSON Lines (.jsonl) for one object per line."
                    )
                buf = buf[1:]
                started = True
                continue
            if buf.startswith("]"):
                return
            if buf.startswith(","):
                buf = buf[1:]
                continue
            if not buf:
                if eof:
                    raise ImportFormatError(
                        f"{path}: the JSON array is not closed with ']'."
                    )
                continue
            try:
                obj, end = decoder.raw_decode(buf)
            except json.JSONDecodeError as exc:
                if not eof:
                    # The element may continue in the next chunk: read more first.
                    if len(buf) > limit:
                        if scanned == 0:
                            scanner.begin(inside_field=False)
                        _scan(scanner, buf[scanned:], path, index, limit)
                        scanned = len(buf)
                    read_more()
                    continue
                raise ImportFormatError(
                    f"{path}: element {index + 1} of the JSON array is not valid JSON ({exc.msg})."
                ) from None
            yield index, obj, consumed
            index += 1
            scanned = 0
            buf = buf[end:]


def _scan(scanner: JsonScanner, text: str, path: Path, index: int, limit: int) -> None:
    try:
        scanner.feed(text)
    except FieldOverLimit:
        raise FieldTooLargeError(
            f"{path}, row {index + 1}: a field is over the limit of {limit:,} bytes "
            "(ACTIVELABEL_MAX_FIELD_BYTES); reading stopped without loading the rest "
            "of it."
        ) from None


def _read(o: ReadOptions) -> Iterator[Batch]:
    return read_json_array(
        o.path, encoding=o.encoding, batch_size=o.batch_size, limit=o.max_field_bytes
    )


FORMAT = ReaderFormat("json", (".json",), _read)
