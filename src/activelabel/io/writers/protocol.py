"""What a writer is: the two kinds of export format and what each receives.

A **row format** (CSV, JSON Lines, Parquet) writes a table: its columns are
fixed before the first row, and the export hands it rows in chunks, so memory
stays bounded however large the project is. It serves both datasets (the
labels, one row per item, and the metadata, one row per annotation).

An **item format** writes what is not a table: one document (COCO JSON, CoNLL
text) or a folder of files (YOLO's text file per image and ``classes.txt``).
It receives the project, the stream of exported items (each item's data, final
label and media path) and a temporary target, and writes the labels dataset
there; the export renames the target into place once the writer returns, so a
failed export leaves neither a half-written file or folder nor a damaged
earlier one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from activelabel.io.writers.cells import Column

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = [
    "ExportedItem",
    "ItemFormat",
    "OpenTable",
    "RowFormat",
    "TableWriter",
    "WriteItems",
    "WriteOptions",
    "WriterFormat",
]


@dataclass(frozen=True)
class WriteOptions:
    """How a row format writes: what the export command's options say.

    ``escape_formulas`` (CSV only) neutralises cells a spreadsheet would run as
    formulas (:func:`~activelabel.io.writers.cells.neutralise_formula`).
    """

    escape_formulas: bool = True


class TableWriter(Protocol):
    """Appends chunks of rows to an open file; ``close`` finishes the file."""

    rows: int

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows; each row has one value per column, in column order."""

    def close(self) -> None:
        """Flush and finish the file (the Parquet footer, for instance)."""


class OpenTable(Protocol):
    """Opens a row format's writer at ``path`` with the header of ``columns``."""

    def __call__(
        self, path: Path, columns: Sequence[Column], options: WriteOptions
    ) -> TableWriter: ...


@dataclass(frozen=True)
class RowFormat:
    """A format that writes a table, one row per item or annotation.

    ``suffix`` is the file suffix the format is inferred from, ``media_type``
    what a download of the file is served as.
    """

    name: str
    suffix: str
    media_type: str
    open: OpenTable


@dataclass(frozen=True, slots=True)
class ExportedItem:
    """One item of the labels dataset, as an item format receives it.

    ``data`` holds the item's original fields, ``media_path`` its media file's
    full path (image and audio projects; ``None`` otherwise) and
    ``media_file`` the same file's path relative to the folder it was imported
    from (its media root), as the project stores it. ``value`` is the
    final label (majority vote over the active annotations; ``None`` when the
    item has none), in the shape the project's task stores (a label, a list of
    labels, a list of spans or boxes). ``n_annotators``, ``agreement`` and
    ``label_source`` are the labels dataset's columns of the same names.
    """

    external_id: str
    data: Mapping[str, Any]
    media_path: str | None
    value: Any
    n_annotators: int
    agreement: float | None
    label_source: str | None
    media_file: str | None = None

    @property
    def labeled(self) -> bool:
        """Whether anyone (a person, an import, a model) gave the item a label."""
        return self.n_annotators > 0


class WriteItems(Protocol):
    """Writes a project's exported items at ``target``; returns how many it wrote.

    ``target`` does not exist yet: a file format creates it as a file, a folder
    format as a folder. It is a temporary name beside the path the user asked
    for, renamed into place after the call returns; an exception leaves nothing
    behind. ``items`` is a stream (read from the database a chunk at a time):
    iterate it once, and keep only what the format needs in memory.
    """

    def __call__(
        self, project: Project, items: Iterable[ExportedItem], target: Path
    ) -> int: ...


@dataclass(frozen=True)
class ItemFormat:
    """A format that is not a table: one document, or a folder of files.

    ``suffix`` is the file suffix the format is inferred from (empty for a
    folder format, which is always named with ``--format``); ``folder`` says
    whether the target is a folder. Item formats write the labels dataset only.
    ``unlabeled_as`` says how the format writes an item nobody has labeled when
    it has no way to mark it as such (CoNLL: ``"with every tag O"``, the same
    as a sentence without entities); the export's report then says how many it
    wrote so. ``None``: the format tells unlabeled items apart itself.
    """

    name: str
    suffix: str
    media_type: str
    write: WriteItems
    folder: bool = False
    unlabeled_as: str | None = None


#: Any export format in :data:`~activelabel.io.writers.WRITERS`.
WriterFormat = RowFormat | ItemFormat
