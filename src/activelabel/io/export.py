"""Export a project's labels and its annotation history.

Two datasets come out of a project:

* the **labels** dataset (:func:`export_labels`): one row per item with its
  ``external_id``, its original fields as columns, the final ``label`` (majority
  vote over active annotations), ``n_annotators``, ``agreement``,
  ``label_source`` and ``status`` (``labeled`` / ``unlabeled``). It is what
  training code reads, and it imports back with
  ``--id-column external_id --label-column label``. An item format (a document
  or a folder of files, see :mod:`activelabel.io.writers`) writes the same
  items its own way: a span project's CoNLL, spaCy JSON Lines or Label Studio
  JSON; a detection project's COCO JSON, YOLO or Pascal VOC folder (the
  images linked, never copied) or Label Studio JSON.
* the **metadata** dataset (:func:`export_annotations`): one row per annotation,
  whatever its status, with who gave it, when, in which query session, from which
  source and how long it took. It is what audits and learning curves read.

Both stream (:mod:`activelabel.io.export_queries`): items are read in
keyset-paginated chunks and written as they are read, so a pool of millions of
items never sits in memory. The output is written under a temporary name and
renamed into place at the end (:mod:`activelabel.io.export_files`). The whole
export reads one consistent snapshot of the database. A project's task kind
says which formats its labels are written in (``adapter_for(task).writes``);
the export refuses the others.

Column names: the columns activelabel adds (``external_id``, ``media_path``,
``label``, ``n_annotators``, ``agreement``, ``label_source``, ``status``) always
have these names, so code that reads an export never depends on the data. An
original field named like one of them is written as ``data_<name>`` instead
(``data_label`` for a field ``label``), and the export's report lists it.

CSV files are for spreadsheets too: a cell that a spreadsheet would run as a
formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return, and not a number) is written with a leading ``'`` unless
``escape_formulas=False``. JSON Lines and Parquet keep every value as it is.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError
from activelabel.io.export_columns import (
    LABEL_COLUMNS,
    kind_for_json_types,
    label_columns,
    original_fields,
)
from activelabel.io.export_files import atomic_target, check_target
from activelabel.io.export_predictions import PREDICTION_COLUMNS, prediction_cells
from activelabel.io.export_queries import (
    annotation_rows,
    begin_snapshot,
    count,
    decode,
    item_chunks,
    user_names,
)
from activelabel.io.export_report import (
    ExportReport,
    renamed_field_note,
    unlabeled_note,
)
from activelabel.io.export_rows import (
    MEDIA_MODALITIES,
    exported_items,
    label_rows,
    labeled_chunks,
)
from activelabel.io.writers import (
    WRITERS,
    Column,
    ExportedItem,
    ItemFormat,
    Kind,
    WriteOptions,
    WriterFormat,
    format_for,
    row_format,
)
from activelabel.store.engine import Store
from activelabel.store.label_issues import annotator_quality
from activelabel.store.models import Annotation, Project
from activelabel.store.projects import get_project
from activelabel.tasks import adapter_for

__all__ = [
    "ANNOTATION_COLUMNS",
    "LABEL_COLUMNS",
    "ExportReport",
    "Progress",
    "check_format",
    "check_writes",
    "export_annotations",
    "export_labels",
    "kind_for_json_types",
    "label_columns",
    "renamed_field_note",
    "unlabeled_note",
]

#: Called after each chunk with (items or annotations done, total).
Progress = Callable[[int, int], None]

#: Items read per query; bounds memory and keeps each query short.
DEFAULT_CHUNK_SIZE: Final = 10_000

#: The columns of the metadata dataset, in order.
ANNOTATION_COLUMNS: Final = (
    Column("annotation_id", Kind.INT),
    Column("external_id"),
    Column("annotator"),
    Column("value"),
    Column("source"),
    Column("status"),
    Column("session_id", Kind.INT),
    Column("model_version_id", Kind.INT),
    Column("created_at", Kind.TIMESTAMP),
    Column("updated_at", Kind.TIMESTAMP),
    Column("seconds_spent", Kind.FLOAT),
    Column("annotator_agreement", Kind.FLOAT),
    Column("annotator_quality", Kind.FLOAT),
)


@dataclass(frozen=True)
class _Written:
    """What building a dataset wrote: rows, renamed fields, unlabeled items
    written like labeled ones."""

    rows: int
    renamed: dict[str, str] = field(default_factory=dict)
    unlabeled: int = 0


def _counting_unlabeled(
    items: Iterable[ExportedItem], counter: list[int]
) -> Iterator[ExportedItem]:
    """``items`` as they are, adding to ``counter[0]`` each one nobody labeled."""
    for item in items:
        if not item.labeled:
            counter[0] += 1
        yield item


def check_writes(project: Project, fmt: str) -> None:
    """Refuse a format the project's task kind does not write its labels in.

    The sentence names the project's task, the format and the formats the task
    does write (:class:`ConfigError`).
    """
    writes = adapter_for(project.task).writes
    if fmt in writes:
        return
    known = [name for name in writes if name in WRITERS]
    raise ConfigError(
        f"A {project.task} project's labels cannot be exported as {fmt}: "
        f"{project.task} labels are written as {', '.join(known) or 'no format yet'}."
    )


def check_format(
    store: Store,
    project_name: str,
    path: str | os.PathLike[str],
    fmt: str | None,
    *,
    labels: bool = True,
) -> str:
    """The format an export to ``path`` would use, checked before anything is written.

    Refuses, as the export would, an unknown format and one the project's task
    does not write (``labels``: the labels dataset) or that is not a table (the
    metadata dataset). Raises :class:`ProjectNotFoundError` for an unknown project.
    """
    name = format_for(Path(path), fmt)
    with store.session() as session:
        project = get_project(session, project_name)
        if labels:
            check_writes(project, name)
        else:
            row_format(name)
    return name


#: Writes a dataset at a temporary path and says what it wrote.
_Build = Callable[[Session, Project, Path, WriterFormat], _Written]


def _run(
    store: Store,
    project_name: str,
    path: str | os.PathLike[str],
    fmt: str | None,
    build: _Build,
    check: Callable[[Project, WriterFormat], None],
) -> ExportReport:
    """Shared frame of both exports: resolve, snapshot, check, write atomically."""
    started = time.perf_counter()
    target = Path(path)
    # A folder format has no suffix, so only a format named explicitly is one.
    named = WRITERS.get(fmt.strip().lower().lstrip(".")) if fmt else None
    folder = isinstance(named, ItemFormat) and named.folder
    check_target(target, folder=folder)
    name = format_for(target, fmt)
    chosen = WRITERS[name]
    with store.session() as session:
        begin_snapshot(session)
        project = get_project(session, project_name)
        check(project, chosen)
        with atomic_target(target, folder=folder) as temporary:
            written = build(session, project, temporary, chosen)
    return ExportReport(
        path=target,
        fmt=name,
        rows=written.rows,
        seconds=time.perf_counter() - started,
        renamed_fields=written.renamed,
        unlabeled=written.unlabeled,
        unlabeled_as=chosen.unlabeled_as if isinstance(chosen, ItemFormat) else None,
    )


def export_labels(
    store: Store,
    project_name: str,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    include_unlabeled: bool = True,
    include_weak: bool = False,
    include_predictions: bool = False,
    escape_formulas: bool = True,
    progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> ExportReport:
    """Write the labels dataset of a project: one row per item.

    Columns: ``external_id``, the items' original fields (first-seen order),
    ``media_path`` for image and audio projects (the file's full path, through
    the item's own media root), then ``label`` (majority vote over
    the item's active annotations; ties go to the earliest), ``n_annotators``,
    ``agreement`` (share of active annotations equal to the label),
    ``label_source`` (the sources of the annotations that gave the label, joined
    with ``+``, e.g. ``human`` or ``human+model``) and ``status`` (``labeled`` or
    ``unlabeled``). Undone and superseded annotations do not count. These
    columns keep their names whatever the data holds: an original field with
    one of them is written as ``data_<name>`` (the report's ``renamed_fields``
    and ``notes`` say which).

    ``fmt`` is a name in :data:`~activelabel.io.writers.WRITERS` that the
    project's task writes (``csv``, ``jsonl`` or ``parquet`` for
    classification), inferred from the suffix when omitted. List-valued labels
    (multilabel, NER spans, boxes) are JSON text in CSV and Parquet and native
    JSON in JSON Lines. An item format writes the same items its own way; its
    report counts the items it wrote. ``include_unlabeled=False`` leaves out
    items nobody has labeled; a format that cannot mark them (CoNLL writes them
    with every tag ``O``) has them counted in the report's ``unlabeled`` and
    ``notes``. ``include_weak`` labels the items nobody labeled with their
    weak label (the label model's over the labeling functions), with
    ``label_source`` ``rule``; a person's label always wins.
    ``include_predictions`` adds each item's newest imported prediction in
    columns of its own (:mod:`activelabel.io.export_predictions`), never as
    its label (row formats only).
    ``escape_formulas`` (CSV only, on by default)
    writes text a spreadsheet would run as a formula with a leading ``'``
    (:func:`~activelabel.io.writers.neutralise_formula`).
    ``progress(done, total)`` is called after every chunk of items.

    Raises :class:`ConfigError` for an unknown format, one the project's task
    does not write or an unusable path, and :class:`ProjectNotFoundError` for
    an unknown project.
    """

    def build(
        session: Session, project: Project, temporary: Path, chosen: WriterFormat
    ) -> _Written:
        chunks = labeled_chunks(
            session,
            project,
            chunk_size,
            include_unlabeled=include_unlabeled,
            include_weak=include_weak,
            progress=progress,
        )
        if isinstance(chosen, ItemFormat):
            if include_predictions:
                raise ConfigError(
                    f"{chosen.name} has no column for predictions; export them "
                    "with --format csv, jsonl or parquet."
                )
            unlabeled = [0]
            items = _counting_unlabeled(exported_items(chunks), unlabeled)
            rows = chosen.write(project, items, temporary)
            return _Written(rows, unlabeled=unlabeled[0])
        fields = original_fields(session, project)
        media = project.modality in MEDIA_MODALITIES
        extra = PREDICTION_COLUMNS if include_predictions else ()
        columns, renamed = label_columns(fields, media=media, extra=extra)
        keys = [f.name for f in fields]
        writer = chosen.open(temporary, columns, WriteOptions(escape_formulas))
        try:
            for chunk in chunks:
                table = label_rows(chunk, keys, media=media)
                if include_predictions:
                    cells = prediction_cells(session, project, [c[0] for c in chunk])
                    table = [r + more for r, more in zip(table, cells, strict=True)]
                writer.write(table)
        finally:
            writer.close()
        return _Written(writer.rows, renamed)

    def check(project: Project, chosen: WriterFormat) -> None:
        check_writes(project, chosen.name)

    return _run(store, project_name, path, fmt, build, check)


def export_annotations(
    store: Store,
    project_name: str,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    escape_formulas: bool = True,
    progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> ExportReport:
    """Write the metadata dataset of a project: one row per annotation, any status.

    Columns: :data:`ANNOTATION_COLUMNS` — ``annotation_id``, ``external_id`` of
    the item, ``annotator`` (the user's name; empty for imported, model and rule
    annotations without one), ``value``, ``source``, ``status`` (active, undone,
    superseded), ``session_id``, ``model_version_id``, ``created_at`` and
    ``updated_at`` (ISO 8601 UTC in CSV and JSON Lines, ``timestamp[us, UTC]`` in
    Parquet), ``seconds_spent`` and ``annotator_agreement``: the annotator's
    agreement with the others on the items they share (Cohen's κ, or F1 for
    spans and boxes: :mod:`activelabel.quality.agreement`), the same on each of
    their rows, empty without overlap; ``annotator_quality``: the annotator's
    CROWDLAB quality score as the newest model version recorded it
    (:mod:`activelabel.loop.label_issues`), empty without overlap or a model. Rows are ordered by item, then by
    annotation.

    ``fmt`` is any row format (the metadata is a table whatever the task);
    ``escape_formulas`` and ``progress`` work as in :func:`export_labels`;
    progress counts annotations.
    """

    def build(
        session: Session, project: Project, temporary: Path, chosen: WriterFormat
    ) -> _Written:
        total = count(session, Annotation, project)
        users = user_names(session)
        # Here, not at import: the labels export never needs the figures.
        from activelabel.quality.project_agreement import agreement_of

        agreeing = agreement_of(session, project).figure_by_annotator_id()
        crowdlab = annotator_quality(session, project.id)
        quality = {
            user_id: crowdlab[name]["quality"]
            for user_id, name in users.items()
            if name in crowdlab
        }
        writer = row_format(chosen.name).open(
            temporary, ANNOTATION_COLUMNS, WriteOptions(escape_formulas)
        )
        if progress is not None:
            progress(0, total)
        try:
            for items in item_chunks(session, project, chunk_size, with_data=False):
                external = {row.id: row.external_id for row in items}
                rows: list[list[Any]] = [
                    [
                        a.id,
                        external[a.item_id],
                        users.get(a.annotator_id) if a.annotator_id else None,
                        decode(a.value),
                        a.source,
                        a.status,
                        a.session_id,
                        a.model_version_id,
                        a.created_at,
                        a.updated_at,
                        a.seconds_spent,
                        agreeing.get(a.annotator_id) if a.annotator_id else None,
                        quality.get(a.annotator_id) if a.annotator_id else None,
                    ]
                    for a in annotation_rows(session, project, items)
                ]
                writer.write(rows)
                if progress is not None and rows:
                    progress(writer.rows, total)
        finally:
            writer.close()
        return _Written(writer.rows)

    def check(project: Project, chosen: WriterFormat) -> None:
        row_format(chosen.name)

    return _run(store, project_name, path, fmt, build, check)
