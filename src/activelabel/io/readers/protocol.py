"""What a reader is: a format's name, the suffixes it is known by, how it reads.

A reader turns one source into :class:`~activelabel.io.readers.batches.Batch`
objects (rows as dicts, the 1-based number of the first row) and the format's
errors into :class:`~activelabel.exceptions.ImportFormatError` sentences that
name the file, the row or line, and what to do. A row table (CSV, JSON Lines,
Parquet) yields its rows as they are; a format that is not a table (CoNLL
sentences, a COCO document, a folder of YOLO label files) yields one row per
item it describes, with the item's fields and its labels in columns the
project's task reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from activelabel.io.readers.batches import Batch

__all__ = ["ReadOptions", "ReaderFormat"]


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
    #: The tag scheme of a token format (``--scheme``); ``None``: detected.
    scheme: str | None = None
    #: The project's labels, so a token format names the line of a tag outside
    #: them; ``None``: any label is read (the importer checks it later).
    labels: tuple[str, ...] | None = None
    #: Sentences a reader adds for the import's report (a repair it made).
    notes: list[str] = field(default_factory=list)
    #: The folder images are looked for in first (``--media-root``).
    media_root: Path | None = None
    #: Class names by id, for a format that numbers its classes (``--classes``).
    classes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ReaderFormat:
    """A format the importer reads.

    ``suffixes`` are the file suffixes it is recognised by (the first one
    registered wins when two formats share one). ``text`` formats are decoded
    with the import's ``--encoding`` (checked, and a byte-order mark honoured,
    before reading); ``columns`` formats accept ``--columns`` for a file
    without a header; a ``folder`` format reads a folder rather than a file.
    """

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[ReadOptions], Iterator[Batch]]
    text: bool = True
    columns: bool = False
    folder: bool = False
    label_column: str | None = None
    prediction_column: str | None = None
    #: The column a reader puts each row's id in, when rows of equal content
    #: are still different items (two CoNLL sentences that read alike).
    id_column: str | None = None
    #: The reader built its spans from tokens and tags it checked against the
    #: project's labels (``ReadOptions.labels``): the importer need not check
    #: them again against the text.
    spans_checked: bool = False
    #: How the format reads images with boxes (``None``: it has none): rows
    #: of :mod:`activelabel.io.readers.box_sources` columns, one per image.
    boxes: Callable[[ReadOptions], Iterator[Batch]] | None = None
