"""Streaming readers: each format yields batches of row dicts, never the whole file.

Every reader yields :class:`Batch` objects (the rows and the 1-based number of
the first row) and turns the format's errors into :class:`ImportFormatError`
subclasses that name the file, the row or line, and what to do. One module per
format; :data:`READERS` maps each format name to its reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from activelabel.exceptions import ConfigError, ImportFormatError
from activelabel.io.readers.batches import Batch
from activelabel.io.readers.delimited import read_delimited
from activelabel.io.readers.json_array import read_json_array
from activelabel.io.readers.jsonl import read_jsonl
from activelabel.io.readers.parquet import read_parquet
from activelabel.io.readers.text import check_encoding_name, text_encoding
from activelabel.io.readers.tsv import read_tsv

__all__ = [
    "FORMATS",
    "READERS",
    "Batch",
    "ReadOptions",
    "detect_format",
    "read_batches",
]

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

#: The default of ``Settings.max_field_bytes``, for callers that pass none.
DEFAULT_MAX_FIELD_BYTES = 1_000_000


@dataclass(frozen=True)
class ReadOptions:
    """How to read one file: what the import command's options say."""

    path: Path
    encoding: str
    delimiter: str | None
    header: bool
    names: list[str] | None
    batch_size: int
    max_field_bytes: int


def _csv(o: ReadOptions) -> Iterator[Batch]:
    return read_delimited(
        o.path,
        delimiter=o.delimiter or ",",
        encoding=o.encoding,
        batch_size=o.batch_size,
        header=o.header,
        names=o.names,
        limit=o.max_field_bytes,
    )


def _tsv(o: ReadOptions) -> Iterator[Batch]:
    if o.delimiter is not None:
        # An explicit delimiter asks for CSV rules (quoting) with that delimiter.
        return _csv(o)
    # The TSV files people have (e.g. SMSSpamCollection) use no quoting.
    return read_tsv(
        o.path,
        encoding=o.encoding,
        header=o.header,
        names=o.names,
        batch_size=o.batch_size,
        limit=o.max_field_bytes,
    )


#: Each format's reader; a new format is a module and a line here.
READERS: dict[str, Callable[[ReadOptions], Iterator[Batch]]] = {
    "csv": _csv,
    "tsv": _tsv,
    "jsonl": lambda o: read_jsonl(
        o.path, encoding=o.encoding, batch_size=o.batch_size, limit=o.max_field_bytes
    ),
    "json": lambda o: read_json_array(
        o.path, encoding=o.encoding, batch_size=o.batch_size, limit=o.max_field_bytes
    ),
    "parquet": lambda o: read_parquet(o.path, batch_size=o.batch_size),
}


def detect_format(path: Path, fmt: str | None = None) -> str:
    """The format to read ``path`` with: ``fmt`` if given, else from the suffix.

    A file without a suffix (``SMSSpamCollection``) is read as TSV when its first
    line has a tab, else CSV. A suffix that is not a known format is refused:
    guessing CSV for a ``.xlsx`` file would import its bytes as text.
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
    if suffix:
        raise ImportFormatError(
            f"{path} ends in {path.suffix!r}, which is not a format activelabel reads. "
            f"It reads {', '.join(FORMATS)} (suffixes {', '.join(_SUFFIXES)}); if the "
            "file is one of these, say which with --format, for example --format csv."
        )
    with path.open("rb") as f:
        head = f.readline(65536)
    return "tsv" if b"\t" in head else "csv"


def read_batches(
    path: Path,
    *,
    fmt: str,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    header: bool = True,
    names: list[str] | None = None,
    batch_size: int = 5_000,
    max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES,
) -> Iterator[Batch]:
    """Stream ``path`` as batches of row dicts; raise clear errors for bad files.

    ``names`` names the columns of a CSV/TSV without a header line; without it
    such columns are called ``column_1``, ``column_2``, ... A text field longer
    than ``max_field_bytes`` characters is refused while it is read, so memory
    stays within a few times that limit.
    """
    if names is not None and fmt not in ("csv", "tsv"):
        raise ConfigError(
            "--columns names the columns of a CSV or TSV file without a header."
        )
    if fmt not in READERS:
        raise ConfigError(
            f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}."
        )
    check_encoding_name(encoding)
    if path.stat().st_size == 0:
        raise ImportFormatError(f"{path} is empty: there is nothing to import.")
    if fmt != "parquet":
        encoding = text_encoding(path, encoding)
    options = ReadOptions(
        path, encoding, delimiter, header, names, batch_size, max_field_bytes
    )
    yield from READERS[fmt](options)
