"""Streaming readers: each format yields batches of row dicts, never the whole file.

Every reader yields :class:`Batch` objects (the rows and the 1-based number of
the first row) and turns the format's errors into :class:`ImportFormatError`
subclasses that name the file, the row or line, and what to do. One module per
format, each defining its :class:`ReaderFormat` as ``FORMAT``; :data:`READERS`
maps each format name to it. A task kind lists the formats whose labels it
reads in its adapter's ``reads`` (:func:`check_reads`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from activelabel.exceptions import ConfigError, ImportFormatError
from activelabel.io.readers import (
    coco,
    conll,
    delimited,
    json_array,
    jsonl,
    labelstudio,
    lines,
    parquet,
    tsv,
    voc,
    yolo,
)
from activelabel.io.readers.batches import Batch
from activelabel.io.readers.box_sources import labels_boxes
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.io.readers.text import check_encoding_name, text_encoding
from activelabel.io.span_rows import labels_spans
from activelabel.tasks import adapter_for

__all__ = [
    "FORMATS",
    "READERS",
    "Batch",
    "ReadOptions",
    "ReaderFormat",
    "check_reads",
    "detect_folder_format",
    "detect_format",
    "read_batches",
]

#: Each format the importer reads, by the name used with ``--format``; a new
#: format is a module and a line here.
READERS: dict[str, ReaderFormat] = {
    f.name: f
    for f in (
        delimited.FORMAT,
        tsv.FORMAT,
        jsonl.FORMAT,
        json_array.FORMAT,
        parquet.FORMAT,
        conll.FORMAT,
        labelstudio.FORMAT,
        lines.FORMAT,
        yolo.FORMAT,
        coco.FORMAT,
        voc.FORMAT,
    )
}

#: Formats the importer reads (those built in), by the name used with ``--format``.
FORMATS = tuple(READERS)

#: The default of ``Settings.max_field_bytes``, for callers that pass none.
DEFAULT_MAX_FIELD_BYTES = 1_000_000


def _suffixes() -> dict[str, str]:
    """Each known file suffix and its format; the first format registered wins."""
    known: dict[str, str] = {}
    for f in READERS.values():
        for suffix in f.suffixes:
            known.setdefault(suffix, f.name)
    return known


def _unknown(fmt: str) -> ConfigError:
    return ConfigError(f"Unknown format {fmt!r}; choose one of: {', '.join(READERS)}.")


def check_reads(task: str, fmt: str) -> None:
    """Refuse labels in a format the task kind does not read (``adapter.reads``).

    The sentence names the task, the format and the formats it reads
    (:class:`ConfigError`); items without labels can come from any format.
    """
    reads = adapter_for(task).reads
    if fmt in reads:
        return
    known = [name for name in reads if name in READERS]
    raise ConfigError(
        f"A {task} project's labels cannot be imported from {fmt}: {task} labels "
        f"are read from {', '.join(known) or 'no format yet'}."
    )


def _span_format(path: Path, found: str | None, encoding: str) -> str | None:
    """The span format of a file a span project imports without ``--format``.

    A ``.tsv`` or ``.txt`` of ``token<TAB>tag``, or a file without a known
    suffix, that looks like CoNLL (``eng.testa``, ``train.txt``) is CoNLL; another
    ``.txt`` is plain lines; a ``.json``
    array of tasks with ``data`` and ``annotations`` or ``predictions`` is a
    Label Studio export. ``None``: the suffix's own format stands.
    """
    if found in ("tsv", None) and conll.sniff_conll(path, encoding):
        return "conll"
    if found == "tsv" and path.suffix.lower() == ".txt":
        return "lines"
    if found == "json":
        with path.open("rb") as f:
            head = f.read(65536).decode(encoding, errors="replace")
        if _LABEL_STUDIO.search(head) and '"data"' in head:
            return "labelstudio"
    return None


_LABEL_STUDIO = re.compile(r'"(annotations|predictions|completions)"\s*:')
_COCO = re.compile(r'"(images|categories)"\s*:')


def _box_format(path: Path, found: str | None, encoding: str) -> str | None:
    """The box format of a ``.json`` file a box project imports without
    ``--format``: a COCO dataset (``images``, ``categories``) or a Label Studio
    export (tasks with ``annotations`` or ``predictions``)."""
    if found != "json":
        return None
    with path.open("rb") as f:
        head = f.read(65536).decode(encoding, errors="replace")
    if head.lstrip().startswith("{") and _COCO.search(head):
        return "coco"
    if _LABEL_STUDIO.search(head) and '"data"' in head:
        return "labelstudio"
    return None


def detect_folder_format(folder: Path, task: str, fmt: str | None) -> str | None:
    """The box format of a folder a box project imports (``None``: a plain
    folder of images, imported unlabeled).

    ``fmt`` when given (refused if it is not a folder format); else YOLO when
    the folder has ``classes.txt`` or a ``labels`` folder, VOC when it holds
    XML files; a project that does not label boxes imports folders as they are.
    """
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        reader = READERS.get(fmt)
        if reader is None:
            raise _unknown(fmt)
        if not reader.folder:
            raise ConfigError(
                f"{folder} is a folder; {fmt} is read from a file. The formats read "
                f"from a folder are: {', '.join(n for n, r in READERS.items() if r.folder)}."
            )
        return fmt
    if not labels_boxes(task):
        return None
    if (folder / "classes.txt").is_file() or (folder / "labels").is_dir():
        return "yolo"
    if next(iter(folder.rglob("*.xml")), None) is not None:
        return "voc"
    return None


def detect_format(
    path: Path,
    fmt: str | None = None,
    *,
    task: str | None = None,
    encoding: str = "utf-8",
) -> str:
    """The format to read ``path`` with: ``fmt`` if given, else from the suffix.

    A file without a suffix (``SMSSpamCollection``) is read as TSV when its first
    line has a tab, else CSV. A suffix that is not a known format is refused:
    guessing CSV for a ``.xlsx`` file would import its bytes as text. For a span
    project (``task``) the content decides between the span formats that share
    a suffix with row tables (:func:`_span_format`).
    """
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in READERS:
            raise _unknown(fmt)
        return fmt
    suffix = path.suffix.lower()
    suffixes = _suffixes()
    if task is not None and labels_boxes(task):
        box_format = _box_format(path, suffixes.get(suffix), encoding)
        if box_format is not None:
            return box_format
    if task is not None and labels_spans(task):
        # eng.testa's suffix is ".testa": for spans, unknown suffixes are sniffed too.
        span_format = _span_format(path, suffixes.get(suffix), encoding)
        if span_format is not None:
            return span_format
    if suffix in suffixes:
        return suffixes[suffix]
    if suffix:
        raise ImportFormatError(
            f"{path} ends in {path.suffix!r}, which is not a format activelabel reads. "
            f"It reads {', '.join(READERS)} (suffixes {', '.join(suffixes)}); if the "
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
    scheme: str | None = None,
    labels: tuple[str, ...] | None = None,
    notes: list[str] | None = None,
    boxes: bool = False,
    media_root: Path | None = None,
    classes: tuple[str, ...] | None = None,
) -> Iterator[Batch]:
    """Stream ``path`` as batches of row dicts; raise clear errors for bad files.

    ``names`` names the columns of a CSV/TSV without a header line; without it
    such columns are called ``column_1``, ``column_2``, ... A text field longer
    than ``max_field_bytes`` characters is refused while it is read, so memory
    stays within a few times that limit. ``scheme`` is the tag scheme of a
    token format (``None``: detected); ``labels`` lets it name the line of a
    tag outside them. A reader appends what it repaired to ``notes``.

    With ``boxes`` the format's box reader reads the source (one row per
    image: :mod:`activelabel.io.readers.box_sources`); ``media_root`` is where
    it looks for images first, ``classes`` names numbered classes (YOLO's).
    """
    reader = READERS.get(fmt)
    if names is not None and (reader is None or not reader.columns):
        raise ConfigError(
            "--columns names the columns of a CSV or TSV file without a header."
        )
    if reader is None:
        raise _unknown(fmt)
    if classes is not None and fmt != "yolo":
        raise ConfigError(
            f"--classes names the class ids of a YOLO folder; {path} is read as {fmt}."
        )
    read = reader.boxes if boxes else reader.read
    if read is None:
        raise ConfigError(
            f"{path} is read as {fmt}, which holds no boxes; boxes are read from "
            f"{', '.join(n for n, r in READERS.items() if r.boxes is not None)}."
        )
    check_encoding_name(encoding)
    if not reader.folder and path.stat().st_size == 0:
        raise ImportFormatError(f"{path} is empty: there is nothing to import.")
    if reader.text and not reader.folder:
        encoding = text_encoding(path, encoding)
    if scheme is not None and fmt != "conll":
        raise ConfigError(
            f"--scheme names the tags of a CoNLL or token file; {path} is read as {fmt}."
        )
    options = ReadOptions(
        path,
        encoding,
        delimiter,
        header,
        names,
        batch_size,
        max_field_bytes,
        scheme,
        labels,
        notes if notes is not None else [],
        media_root,
        classes,
    )
    yield from read(options)
