"""Streaming readers: each format yields batches of row dicts, never the whole file.

Every reader yields ``Batch`` objects (the rows and the 1-based number of the first
row) and turns the format library's errors into :class:`ImportFormatError`
subclasses that name the file, the row or line, and what to do.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from activelabel.exceptions import ConfigError, EncodingError, ImportFormatError

if TYPE_CHECKING:
    pass

__all__ = ["FORMATS", "Batch", "detect_format", "read_batches"]

#: Formats the importer reads, by the name used with ``--format``.
FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")

_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}

Progress = Callable[[int], None]


@dataclass
class Batch:
    """Rows read from a source, with the 1-based number of the first one."""

    first_row: int
    rows: list[dict[str, Any]]
    #: Bytes of the file consumed so far (for progress bars).
    position: int = 0


def detect_format(path: Path, fmt: str | None = None) -> str:
    """The format to read ``path`` with: ``fmt`` if given, else from the suffix.

    A file without a known suffix (``SMSSpamCollection``) is read as TSV when its
    first line has a tab, else CSV.
    """
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ConfigError(
                f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}."
            )
        return fmt
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    with path.open("rb") as f:
        head = f.readline(65536)
    return "tsv" if b"\t" in head else "csv"


def _encoding_error(
    path: Path, encoding: str, exc: UnicodeDecodeError, where: str
) -> EncodingError:
    bad = exc.object[exc.start : exc.start + 1].hex()
    suggestion = (
        "latin-1"
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        else "utf-8"
    )
    return EncodingError(
        f"{path} is not valid {encoding}: byte 0x{bad} {where} cannot be decoded. "
        f"Pass the file's encoding with --encoding (for example --encoding {suggestion} "
        "or --encoding cp1252)."
    )


def _check_encoding_name(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(
            f"Unknown encoding {encoding!r}; use a Python codec name such as "
            "utf-8, latin-1 or cp1252."
        ) from None


class _CountingReader(io.RawIOBase):
    """Wraps a binary file so pandas' reads can be counted for progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.position += n
        return n


def _read_delimited(
    path: Path,
    *,
    delimiter: str,
    encoding: str,
    batch_size: int,
    header: bool,
    names: list[str] | None,
) -> Iterator[Batch]:
    # pandas and pyarrow are imported by the readers that use them, not with
    # this module: ``activelabel serve`` imports it and never reads a file.
    import pandas as pd

    with path.open("rb") as raw:
        counter = _CountingReader(raw)
        buffered = io.BufferedReader(counter, buffer_size=1 << 20)
        try:
            reader = pd.read_csv(
                buffered,
                sep=delimiter,
                encoding=encoding,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                header=0 if header else None,
                chunksize=batch_size,
                engine="c",
                # Keep exactly what the file says: a text "00123" stays "00123".
                quoting=csv.QUOTE_MINIMAL,
                skip_blank_lines=True,
            )
            first = 1
            for frame in reader:
                if not header:
                    if names is not None and len(names) != frame.shape[1]:
                        raise ImportFormatError(
                            f"{path} has {frame.shape[1]} columns but --columns names "
                            f"{len(names)}: {', '.join(names)}."
                        )
                    frame.columns = names or [
                        f"column_{i + 1}" for i in range(frame.shape[1])
                    ]
                # Column lists zipped into dicts: several times faster than to_dict().
                names_now = [str(c) for c in frame.columns]
                values = [frame[c].tolist() for c in frame.columns]
                rows = [
                    dict(zip(names_now, vals, strict=True))
                    for vals in zip(*values, strict=True)
                ]
                if not rows:
                    continue  # a header without data rows
                yield Batch(first_row=first, rows=rows, position=counter.position)
                first += len(rows)
        except UnicodeDecodeError as exc:
            raise _encoding_error(
                path, encoding, exc, f"near byte {counter.position}"
            ) from None
        except pd.errors.EmptyDataError:
            raise ImportFormatError(
                f"{path} is empty: there is nothing to import."
            ) from None
        except pd.errors.ParserError as exc:
            detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
            raise ImportFormatError(
                f"{path} is not well-formed {'TSV' if delimiter == chr(9) else 'CSV'}: "
                f"{detail}. Check the delimiter (--delimiter) and the quoting of that line."
            ) from None


def _expected(header: bool, names: list[str] | None) -> str:
    if header:
        return "header"
    return "--columns option" if names else "first line"


def _jsonable(value: Any) -> Any:
    """Turn values from Parquet/JSON into what a JSON column can store."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def _decoded_lines(path: Path, encoding: str) -> Iterator[tuple[int, str, int]]:
    """Non-blank lines of a text file as (line number, text, bytes read so far)."""
    position = 0
    with path.open("rb") as f:
        for line_no, raw_line in enumerate(f, start=1):
            position += len(raw_line)
            try:
                line = raw_line.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _encoding_error(
                    path, encoding, exc, f"on line {line_no}"
                ) from None
            if line.strip():
                yield line_no, line, position


def _batched(
    rows: Iterator[tuple[dict[str, Any], int]], batch_size: int
) -> Iterator[Batch]:
    """Group (row, bytes read so far) pairs into batches numbered from row 1."""
    batch: list[dict[str, Any]] = []
    first = 1
    position = 0
    for row, position in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield Batch(first_row=first, rows=batch, position=position)
            first += len(batch)
            batch = []
    if batch:
        yield Batch(first_row=first, rows=batch, position=position)


def _jsonl_rows(path: Path, encoding: str) -> Iterator[tuple[dict[str, Any], int]]:
    for line_no, line, position in _decoded_lines(path, encoding):
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
        yield obj, position


def _read_jsonl(path: Path, *, encoding: str, batch_size: int) -> Iterator[Batch]:
    return _batched(_jsonl_rows(path, encoding), batch_size)


def _iter_json_array(path: Path, *, encoding: str) -> Iterator[tuple[int, Any, int]]:
    """Yield (index, element, bytes consumed) from a top-level JSON array, incrementally."""
    decoder = json.JSONDecoder()
    text_reader = codecs.getincrementaldecoder(encoding)()
    buf = ""
    consumed = 0
    started = False
    index = 0
    with path.open("rb") as f:
        eof = False
        while True:
            if not eof and len(buf) < 1 << 20:
                chunk = f.read(1 << 20)
                consumed += len(chunk)
                try:
                    buf += text_reader.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    raise _encoding_error(
                        path, encoding, exc, f"near byte {consumed}"
                    ) from None
                eof = not chunk
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
                    chunk = f.read(1 << 20)
                    consumed += len(chunk)
                    buf += text_reader.decode(chunk, final=not chunk)
                    eof = not chunk
                    continue
                raise ImportFormatError(
                    f"{path}: element {index + 1} of the JSON array is not valid JSON ({exc.msg})."
                ) from None
            yield index, obj, consumed
            index += 1
            buf = buf[end:]


def _json_array_rows(path: Path, encoding: str) -> Iterator[tuple[dict[str, Any], int]]:
    for index, obj, position in _iter_json_array(path, encoding=encoding):
        if not isinstance(obj, dict):
            raise ImportFormatError(
                f"{path}, element {index + 1}: expected a JSON object, got {type(obj).__name__}."
            )
        yield obj, position


def _read_json_array(path: Path, *, encoding: str, batch_size: int) -> Iterator[Batch]:
    return _batched(_json_array_rows(path, encoding), batch_size)


def _read_parquet(path: Path, *, batch_size: int) -> Iterator[Batch]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several unrelated types here
        raise ImportFormatError(
            f"{path} is not a readable Parquet file: {exc}."
        ) from None
    first = 1
    total_rows = max(parquet.metadata.num_rows, 1)
    size = path.stat().st_size
    for record_batch in parquet.iter_batches(batch_size=batch_size):
        rows = [
            {k: _jsonable(v) for k, v in row.items()}
            for row in record_batch.to_pylist()
        ]
        position = int(size * min(1.0, (first + len(rows) - 1) / total_rows))
        yield Batch(first_row=first, rows=rows, position=position)
        first += len(rows)


def read_batches(
    path: Path,
    *,
    fmt: str,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    header: bool = True,
    names: list[str] | None = None,
    batch_size: int = 5_000,
) -> Iterator[Batch]:
    """Stream ``path`` as batches of row dicts; raise clear errors for bad files.

    ``names`` names the columns of a CSV/TSV without a header line; without it
    such columns are called ``column_1``, ``column_2``, ...
    """
    if names is not None and fmt not in ("csv", "tsv"):
        raise ConfigError(
            "--columns names the columns of a CSV or TSV file without a header."
        )
    _check_encoding_name(encoding)
    if path.stat().st_size == 0:
        raise ImportFormatError(f"{path} is empty: there is nothing to import.")
    if fmt in ("csv", "tsv"):
        sep = delimiter or ("\t" if fmt == "tsv" else ",")
        if fmt == "tsv" and delimiter is None:
            # The TSV files people have (e.g. SMSSpamCollection) use no quoting.
            yield from _read_tsv_unquoted(
                path,
                encoding=encoding,
                header=header,
                names=names,
                batch_size=batch_size,
            )
            return
        yield from _read_delimited(
            path,
            delimiter=sep,
            encoding=encoding,
            batch_size=batch_size,
            header=header,
            names=names,
        )
    elif fmt == "jsonl":
        yield from _read_jsonl(path, encoding=encoding, batch_size=batch_size)
    elif fmt == "json":
        yield from _read_json_array(path, encoding=encoding, batch_size=batch_size)
    elif fmt == "parquet":
        yield from _read_parquet(path, batch_size=batch_size)
    else:  # pragma: no cover - detect_format guards this
        raise ConfigError(f"Unknown format {fmt!r}.")


def _read_tsv_unquoted(
    path: Path, *, encoding: str, header: bool, names: list[str] | None, batch_size: int
) -> Iterator[Batch]:
    """TSV as most tools write it: one record per line, tabs split fields, no quoting.

    Quote characters are data here (an SMS may start with a double quote), so the
    CSV parser's quoting rules would merge lines.
    """
    return _batched(
        _tsv_rows(path, encoding=encoding, header=header, names=names), batch_size
    )


def _tsv_rows(
    path: Path, *, encoding: str, header: bool, names: list[str] | None
) -> Iterator[tuple[dict[str, Any], int]]:
    columns: list[str] | None = None if header else names
    for line_no, line, position in _decoded_lines(path, encoding):
        fields = line.rstrip("\r\n").split("\t")
        if columns is None:
            if header:
                columns = [c.strip() for c in fields]
                continue
            columns = [f"column_{i + 1}" for i in range(len(fields))]
        if len(fields) != len(columns):
            raise ImportFormatError(
                f"{path} is not well-formed TSV: line {line_no} has {len(fields)} "
                f"fields where the {_expected(header, names)} has {len(columns)}. "
                "Check the delimiter (--delimiter)."
            )
        yield dict(zip(columns, fields, strict=True)), position
