"""Export a project's labels and its annotation history to CSV, JSON Lines or Parquet.

Two datasets come out of a project:

* the **labels** dataset (:func:`export_labels`): one row per item with its
  ``external_id``, its original fields as columns, the final ``label`` (majority
  vote over active annotations), ``n_annotators``, ``agreement``,
  ``label_source`` and ``status`` (``labeled`` / ``unlabeled``). It is what
  training code reads, and it imports back with
  ``--id-column external_id --label-column label``.
* the **metadata** dataset (:func:`export_annotations`): one row per annotation,
  whatever its status, with who gave it, when, in which query session, from which
  source and how long it took. It is what audits and learning curves read.

Both stream: items are read in keyset-paginated chunks (``id > last ORDER BY id``),
each chunk's annotations come from one range query, and rows are appended to the
file as they are built, so a pool of millions of items never sits in memory. The
file is written under a temporary name beside the target and renamed into place
at the end, so a failed export leaves neither a half-written file nor a damaged
earlier export. The whole export reads one consistent snapshot of the database.

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

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Row,
    Text,
    cast,
    func,
    literal_column,
    null,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError
from activelabel.io.export_columns import (
    LABEL_COLUMNS,
    kind_for_json_types,
    label_columns,
    original_fields,
)
from activelabel.io.writers import MISSING, Column, Kind, format_for, open_writer
from activelabel.store.annotations import aggregate_values
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, MediaRoot, Project, User
from activelabel.store.projects import get_project

__all__ = [
    "ANNOTATION_COLUMNS",
    "LABEL_COLUMNS",
    "ExportReport",
    "Progress",
    "export_annotations",
    "export_labels",
    "kind_for_json_types",
    "label_columns",
    "renamed_field_note",
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
)

_MEDIA_MODALITIES: Final = frozenset({"image", "audio"})


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: where, in which format, how many rows, how long it took.

    ``renamed_fields`` maps each original field written under another name
    (because one of activelabel's columns has its name) to that name.
    """

    path: Path
    fmt: str
    rows: int
    seconds: float
    renamed_fields: dict[str, str] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """One sentence per renamed field, for the person who asked for the export."""
        return [
            renamed_field_note(old, new) for old, new in self.renamed_fields.items()
        ]


def renamed_field_note(original: str, written: str) -> str:
    """The sentence that says a data field was written under another name."""
    return (
        f"The data field {original!r} is written as column {written!r}; "
        f"{original!r} is activelabel's own column."
    )


# --------------------------------------------------------------------------- reading


def _begin_snapshot(session: Session) -> None:
    """Make every chunk query see the same committed state of the database.

    SQLite's read transaction is a snapshot already; PostgreSQL's default
    (read committed) is not, so the transaction is set to repeatable read.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        )


_ItemRow = Row[int, str, str | None, str | None, int | None]

#: Decodes JSON text; called directly, it skips json.loads' per-call checks.
_decode = json.JSONDecoder().decode


def _json_text(column: Any, dialect: str) -> ColumnElement[str]:
    """A JSON column read as its text, so decoding is one C call per value.

    The drivers' own JSON handling (psycopg's loader, SQLAlchemy's result
    processor) adds layers per value that dominate a million-row export.
    """
    if dialect == "postgresql":
        return cast(column, Text)
    return type_coerce(column, Text)


def _item_chunks(
    session: Session, project: Project, chunk_size: int, *, with_data: bool
) -> Iterator[Sequence[_ItemRow]]:
    """The project's items in id order, ``chunk_size`` at a time (keyset pagination).

    Rows are (id, external_id, data as JSON text or None, media_path,
    media_root_id); the data
    is read only ``with_data``. Each query walks the primary key from the last
    id seen, so the whole pass is linear. SQLite's planner would rather use an
    index starting with ``project_id`` and sort all of the project's items for
    every chunk (quadratic over a large pool); writing the filter as
    ``project_id + 0`` keeps that index out of the choice.
    """
    dialect = session.get_bind().dialect.name
    project_id = Item.project_id
    if dialect == "sqlite":
        project_id = project_id + literal_column("0")  # type: ignore[assignment]
    data = _json_text(Item.data, dialect) if with_data else null()
    last = -1
    while True:
        rows = session.execute(
            select(Item.id, Item.external_id, data, Item.media_path, Item.media_root_id)
            .where(project_id == project.id, Item.id > last)
            .order_by(Item.id)
            .limit(chunk_size)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _count(
    session: Session, model: type[Item] | type[Annotation], project: Project
) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.project_id == project.id)
        )
        or 0
    )


# --------------------------------------------------------------------------- files


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ConfigError(
            f"Cannot export to {path}: it is a directory; give a file name."
        )
    if not path.parent.is_dir():
        raise ConfigError(
            f"Cannot export to {path}: the directory {path.parent} does not exist."
        )


@contextlib.contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only if the block succeeds."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(
            f"Cannot write the export to {path}: {exc.strerror or exc}."
        ) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _run(
    store: Store,
    project_name: str,
    path: str | os.PathLike[str],
    fmt: str | None,
    build: Callable[[Session, Project, Path, str], tuple[int, dict[str, str]]],
) -> ExportReport:
    """Shared frame of both exports: resolve, snapshot, write atomically, time it."""
    started = time.perf_counter()
    target = Path(path)
    _check_target(target)
    name = format_for(target, fmt)
    with store.session() as session, _atomic_target(target) as temporary:
        _begin_snapshot(session)
        project = get_project(session, project_name)
        rows, renamed = build(session, project, temporary, name)
    return ExportReport(
        path=target,
        fmt=name,
        rows=rows,
        seconds=time.perf_counter() - started,
        renamed_fields=renamed,
    )


# --------------------------------------------------------------------------- labels


def _label_row_tail(
    active: list[tuple[Any, str]] | None,
) -> tuple[Any, int, float | None, str | None, str]:
    """label, n_annotators, agreement, label_source and status of one item."""
    if not active:
        return None, 0, None, None, "unlabeled"
    if len(active) == 1:  # the common case needs no vote
        value, source = active[0]
        return value, 1, 1.0, source, "labeled"
    consensus = aggregate_values([value for value, _ in active])
    assert consensus is not None
    winners = sorted({source for value, source in active if value == consensus.value})
    return (
        consensus.value,
        consensus.n_annotators,
        consensus.agreement,
        "+".join(winners),
        "labeled",
    )


def export_labels(
    store: Store,
    project_name: str,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    include_unlabeled: bool = True,
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

    ``fmt`` is ``csv``, ``jsonl`` or ``parquet``, inferred from the suffix when
    omitted. List-valued labels (multilabel, NER spans, boxes) are JSON text in
    CSV and Parquet and native JSON in JSON Lines. ``include_unlabeled=False``
    leaves out items nobody has labeled. ``escape_formulas`` (CSV only, on by
    default) writes text a spreadsheet would run as a formula with a leading
    ``'`` (:func:`~activelabel.io.writers.neutralise_formula`).
    ``progress(done, total)`` is called after every chunk of items.

    Raises :class:`ConfigError` for an unknown format or an unusable path and
    :class:`ProjectNotFoundError` for an unknown project.
    """

    def build(
        session: Session, project: Project, temporary: Path, name: str
    ) -> tuple[int, dict[str, str]]:
        dialect = session.get_bind().dialect.name
        total = _count(session, Item, project)
        fields = original_fields(session, project)
        media = project.modality in _MEDIA_MODALITIES
        # Media paths are written whole, through each item's own root: two
        # folders of a project can hold the same relative path.
        roots = {
            row.id: row.path
            for row in session.execute(
                select(MediaRoot.id, MediaRoot.path).where(
                    MediaRoot.project_id == project.id
                )
            )
        }
        columns, renamed = label_columns(fields, media=media)
        keys = [f.name for f in fields]
        writer = open_writer(name, temporary, columns, escape_formulas=escape_formulas)
        done = 0
        if progress is not None:
            progress(0, total)
        try:
            for items in _item_chunks(session, project, chunk_size, with_data=True):
                active: dict[int, list[tuple[Any, str]]] = {}
                for item_id, project_id, value, source in session.execute(
                    select(
                        Annotation.item_id,
                        Annotation.project_id,
                        _json_text(Annotation.value, dialect),
                        Annotation.source,
                    )
                    .where(
                        Annotation.item_id.between(items[0].id, items[-1].id),
                        Annotation.status == "active",
                    )
                    .order_by(Annotation.item_id, Annotation.id)
                ):
                    if project_id == project.id:
                        active.setdefault(item_id, []).append((_decode(value), source))
                rows: list[list[Any]] = []
                for item_id, external_id, raw, media_path, root_id in items:
                    data = _decode(raw) if raw is not None else {}
                    tail = _label_row_tail(active.get(item_id))
                    if not include_unlabeled and tail[-1] == "unlabeled":
                        continue
                    row: list[Any] = [external_id]
                    row.extend([data.get(k, MISSING) for k in keys])
                    if media:
                        root = roots.get(root_id) if root_id is not None else None
                        row.append(
                            str(Path(root) / media_path)
                            if root is not None and media_path is not None
                            else media_path
                        )
                    row.extend(tail)
                    rows.append(row)
                writer.write(rows)
                done += len(items)
                if progress is not None:
                    progress(done, total)
        finally:
            writer.close()
        return writer.rows, renamed

    return _run(store, project_name, path, fmt, build)


# --------------------------------------------------------------------------- metadata


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
    Parquet) and ``seconds_spent``. Rows are ordered by item, then by annotation.

    ``fmt``, ``escape_formulas`` and ``progress`` work as in
    :func:`export_labels`; progress counts annotations.
    """

    def build(
        session: Session, project: Project, temporary: Path, name: str
    ) -> tuple[int, dict[str, str]]:
        dialect = session.get_bind().dialect.name
        total = _count(session, Annotation, project)
        users = {
            user.id: user.name for user in session.execute(select(User.id, User.name))
        }
        writer = open_writer(
            name, temporary, ANNOTATION_COLUMNS, escape_formulas=escape_formulas
        )
        if progress is not None:
            progress(0, total)
        try:
            for items in _item_chunks(session, project, chunk_size, with_data=False):
                external = {row.id: row.external_id for row in items}
                rows: list[list[Any]] = [
                    [
                        a.id,
                        external[a.item_id],
                        users.get(a.annotator_id) if a.annotator_id else None,
                        _decode(a.value),
                        a.source,
                        a.status,
                        a.session_id,
                        a.model_version_id,
                        a.created_at,
                        a.updated_at,
                        a.seconds_spent,
                    ]
                    for a in session.execute(
                        select(
                            Annotation.id,
                            Annotation.item_id,
                            Annotation.project_id,
                            Annotation.annotator_id,
                            _json_text(Annotation.value, dialect).label("value"),
                            Annotation.source,
                            Annotation.status,
                            Annotation.session_id,
                            Annotation.model_version_id,
                            Annotation.created_at,
                            Annotation.updated_at,
                            Annotation.seconds_spent,
                        )
                        .where(Annotation.item_id.between(items[0].id, items[-1].id))
                        .order_by(Annotation.item_id, Annotation.id)
                    )
                    if a.project_id == project.id
                ]
                writer.write(rows)
                if progress is not None and rows:
                    progress(writer.rows, total)
        finally:
            writer.close()
        return writer.rows, {}

    return _run(store, project_name, path, fmt, build)
