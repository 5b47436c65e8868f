"""Export formats: one module per format, and :data:`WRITERS`, the registry.

Two kinds of format (see :mod:`activelabel.io.writers.protocol`):

* :class:`RowFormat` writes a table, appending chunks of rows to an open file:
  CSV (:mod:`~activelabel.io.writers.csv`), JSON Lines
  (:mod:`~activelabel.io.writers.jsonl`) and Parquet
  (:mod:`~activelabel.io.writers.parquet`);
* :class:`ItemFormat` writes what is not a table (one document such as COCO
  JSON or CoNLL text, or a folder of files such as YOLO's) from the project and
  the stream of its exported items: CoNLL in three tag schemes
  (:mod:`~activelabel.io.writers.conll`), spaCy / Prodigy JSON Lines
  (:mod:`~activelabel.io.writers.spacy`) and Label Studio JSON
  (:mod:`~activelabel.io.writers.labelstudio`) for spans; COCO JSON
  (:mod:`~activelabel.io.writers.coco`), YOLO folders
  (:mod:`~activelabel.io.writers.yolo`), Pascal VOC folders
  (:mod:`~activelabel.io.writers.voc`) and Label Studio JSON
  (:mod:`~activelabel.io.writers.labelstudio_boxes`) for boxes.

A new format is a module that defines its ``FORMAT`` and a line in
:data:`WRITERS`; a task kind lists the formats it writes in its adapter's
``writes`` (:func:`activelabel.tasks.adapter_for`), and the export refuses the
others.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from activelabel.exceptions import ConfigError
from activelabel.io.writers import (
    coco,
    conll,
    csv,
    jsonl,
    labelstudio,
    parquet,
    spacy,
    voc,
    yolo,
)
from activelabel.io.writers.cells import (
    FORMULA_STARTS,
    MISSING,
    Column,
    Kind,
    neutralise_formula,
    to_iso,
)
from activelabel.io.writers.protocol import (
    ExportedItem,
    ItemFormat,
    RowFormat,
    TableWriter,
    WriteItems,
    WriteOptions,
    WriterFormat,
)

__all__ = [
    "FORMATS",
    "FORMULA_STARTS",
    "MISSING",
    "WRITERS",
    "Column",
    "ExportedItem",
    "ItemFormat",
    "Kind",
    "RowFormat",
    "TableWriter",
    "WriteItems",
    "WriteOptions",
    "WriterFormat",
    "format_for",
    "neutralise_formula",
    "open_writer",
    "row_format",
    "to_iso",
]

#: Each export format by the name used with ``--format``; a new format is a
#: module and a line here.
WRITERS: dict[str, WriterFormat] = {
    f.name: f
    for f in (
        csv.FORMAT,
        jsonl.FORMAT,
        parquet.FORMAT,
        conll.FORMAT,
        conll.FORMAT_IOB1,
        conll.FORMAT_BIOES,
        spacy.FORMAT,
        labelstudio.FORMAT,
        coco.FORMAT,
        yolo.FORMAT,
        voc.FORMAT,
    )
}

#: The row formats' file suffixes, by format name (those built in).
FORMATS: Final = {
    name: f.suffix for name, f in WRITERS.items() if isinstance(f, RowFormat)
}


def _where(f: WriterFormat) -> str:
    """What a format writes to: a folder, a file with its suffix, or a file it
    is named for (a suffix another format owns, such as spaCy's ``.jsonl``)."""
    if isinstance(f, ItemFormat) and f.folder:
        return "a folder"
    return f.suffix or "named with --format"


def _described(formats: Sequence[WriterFormat]) -> str:
    """The formats as ``name (suffix)``, for the sentences that list them."""
    return ", ".join(f"{f.name} ({_where(f)})" for f in formats)


def format_for(path: Path, fmt: str | None) -> str:
    """The export format: ``fmt`` if given, else inferred from the file suffix.

    Raises :class:`ConfigError` naming the path and the formats that exist.
    """
    allowed = _described(list(WRITERS.values()))
    if fmt is not None:
        name = fmt.strip().lower().lstrip(".")
        if name not in WRITERS:
            raise ConfigError(
                f"Unknown export format {fmt!r} for {path}; use one of: {allowed}."
            )
        return name
    suffix = path.suffix.lower()
    for name, known in WRITERS.items():
        if known.suffix and suffix == known.suffix:
            return name
    hint = " (JSON Lines files end in .jsonl)" if suffix == ".json" else ""
    raise ConfigError(
        f"Cannot tell the export format of {path} from its suffix "
        f"{suffix or '(none)'!r}{hint}; name the file with one of: {allowed}, "
        "or pass the format explicitly."
    )


def row_format(fmt: str) -> RowFormat:
    """The row format named ``fmt``; :class:`ConfigError` if it is not a table."""
    found = WRITERS.get(fmt)
    if isinstance(found, RowFormat):
        return found
    tables = ", ".join(f.name for f in WRITERS.values() if isinstance(f, RowFormat))
    if found is None:
        raise ConfigError(f"Unknown export format {fmt!r}; use one of: {tables}.")
    raise ConfigError(
        f"The export format {fmt!r} is not a table; a table is written as one of: "
        f"{tables}."
    )


def open_writer(
    fmt: str, path: Path, columns: Sequence[Column], *, escape_formulas: bool = True
) -> TableWriter:
    """Open a writer for the row format ``fmt`` at ``path`` with ``columns``.

    ``escape_formulas`` (CSV only) neutralises cells a spreadsheet would run as
    formulas (:func:`neutralise_formula`); JSON Lines and Parquet keep every
    value as it is.
    """
    return row_format(fmt).open(path, columns, WriteOptions(escape_formulas))
