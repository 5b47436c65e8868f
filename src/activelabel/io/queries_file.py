"""The queries file: written by ``activelabel query``, read by ``import --as-queries``.

Columns (docs/predictions.md): ``external_id``; ``score``, the first
strategy's score, which orders the file (best first); one column per chosen
strategy, named after it (``margin``, ``entropy``, ``least_confidence``);
``suggestion`` and ``confidence``, the model's; ``session_id``, the query
session the scoring was recorded as; ``model_version``. CSV or JSON Lines
(or Parquet), by the file's suffix, written through a temporary file so a
failed write leaves nothing.

A queries file scored elsewhere needs only an id column (``--id-column``,
else ``external_id``, else ``id``) and a ``score`` column (any finite
number; higher is served first). Reading it is all or nothing: a missing
id, an id given twice, a score that is not a number, or ids that match no
stored item (counted, the first few named) refuse the whole file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection

from activelabel.config import Settings
from activelabel.exceptions import ColumnNotFoundError, ImportFormatError
from activelabel.io.export_files import atomic_target, check_target
from activelabel.io.import_report import load_project
from activelabel.io.readers import detect_format, read_batches
from activelabel.io.writers import Column, Kind, format_for, open_writer
from activelabel.store.engine import Store
from activelabel.store.imported_queries import QueuedOrder, queue_imported_order
from activelabel.store.item_ids import item_ids_by_external_id
from activelabel.store.models import Project

__all__ = [
    "QueriesFile",
    "import_queries_file",
    "read_queries_file",
    "write_queries_file",
]

#: Ids of a queries file, when ``--id-column`` names none, first present wins.
_ID_COLUMNS: Final = ("external_id", "id")
#: The column whose numbers order a queries file.
SCORE_COLUMN: Final = "score"
#: Unknown ids named in the refusal (the rest are counted).
_NAMED: Final = 5


def write_queries_file(
    path: Path,
    rows: Sequence[Sequence[Any]],
    strategies: Sequence[str],
    *,
    fmt: str | None = None,
) -> str:
    """Write the queries dataset's ``rows`` (in the column order the module
    describes) to ``path``; returns the format written."""
    name = format_for(path, fmt)
    check_target(path)
    columns = [
        Column("external_id"),
        Column(SCORE_COLUMN, Kind.FLOAT),
        *(Column(s, Kind.FLOAT) for s in strategies),
        Column("suggestion"),
        Column("confidence", Kind.FLOAT),
        Column("session_id", Kind.INT),
        Column("model_version"),
    ]
    with atomic_target(path) as temporary:
        writer = open_writer(name, temporary, columns)
        try:
            writer.write(rows)
        finally:
            writer.close()
    return name


@dataclass
class QueriesFile:
    """What a queries file says: stored items, best first, with their scores."""

    #: (item id, score), highest score first (ties: file order).
    ranked: list[tuple[int, float]] = field(default_factory=list)
    rows_read: int = 0


def _id_column(path: Path, columns: dict[str, None], given: str | None) -> str:
    chosen = given or next((c for c in _ID_COLUMNS if c in columns), None)
    if chosen is None or chosen not in columns:
        raise ColumnNotFoundError(
            f"{path} has no id column {chosen or 'external_id'!r}: a queries "
            "file names each stored item by the id it was imported with (name "
            f"the column with --id-column). The columns are: {', '.join(columns)}."
        )
    if SCORE_COLUMN not in columns:
        raise ColumnNotFoundError(
            f"{path} has no {SCORE_COLUMN!r} column: a queries file gives each "
            "item a score, and items are served highest score first. The "
            f"columns are: {', '.join(columns)}."
        )
    return chosen


def _score(raw: Any, where: str) -> float:
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise ImportFormatError(
            f"{where}: the score {raw!r} is not a number; a queries file gives "
            "each item a number, served highest first."
        )
    return value


def read_queries_file(
    connection: Connection,
    project: Project,
    path: Path,
    *,
    fmt: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    id_column: str | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> QueriesFile:
    """The stored items ``path`` names and their scores, highest first.

    Raises an :class:`ImportFormatError` naming the file and row for a bad
    row, and one counting the ids no stored item of ``project`` has.
    """
    settings = settings or Settings()
    chosen = detect_format(path, fmt, task=project.task, encoding=encoding)
    total = path.stat().st_size
    result = QueriesFile()
    seen: dict[str, str] = {}
    unknown: list[str] = []
    n_unknown = 0
    column: str | None = None
    scored: list[tuple[int, float]] = []
    for batch in read_batches(
        path,
        fmt=chosen,
        encoding=encoding,
        delimiter=delimiter,
        batch_size=settings.import_batch_size,
        max_field_bytes=settings.max_field_bytes,
    ):
        if column is None:
            columns: dict[str, None] = {}
            for row in batch.rows:
                columns.update(dict.fromkeys(row))
            column = _id_column(path, columns, id_column)
        parsed: list[tuple[str, float]] = []
        for offset, row in enumerate(batch.rows):
            place = batch.place(offset)
            where = f"{path}, {place}"
            raw_id = row.get(column)
            if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
                raise ImportFormatError(f"{where}: the id column {column!r} is empty.")
            external_id = str(raw_id)
            if external_id in seen:
                raise ImportFormatError(
                    f"{where}: the id {external_id!r} was given already "
                    f"({seen[external_id]})."
                )
            seen[external_id] = place
            parsed.append((external_id, _score(row.get(SCORE_COLUMN), where)))
        known = item_ids_by_external_id(connection, project.id, [p[0] for p in parsed])
        for external_id, score in parsed:
            item_id = known.get(external_id)
            if item_id is None:
                n_unknown += 1
                if len(unknown) < _NAMED:
                    unknown.append(external_id)
            else:
                scored.append((item_id, score))
        result.rows_read += len(batch.rows)
        if progress is not None:
            progress(batch.position, total)
    if column is None:
        raise ImportFormatError(f"{path} has no rows to import.")
    if n_unknown:
        more = (
            f" and {n_unknown - len(unknown):,} more"
            if n_unknown > len(unknown)
            else ""
        )
        raise ImportFormatError(
            f"{path}: {n_unknown:,} rows name items project {project.name!r} does "
            f"not hold ({', '.join(map(repr, unknown))}{more}); nothing was "
            "stored. A queries file orders items already imported: use the ids "
            "they were imported with (--id-column)."
        )
    # Stable: equal scores keep the file's order.
    result.ranked = sorted(scored, key=lambda pair: -pair[1])
    return result


def import_queries_file(
    store: Store,
    project_name: str,
    path: Path,
    *,
    fmt: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    id_column: str | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[QueriesFile, QueuedOrder]:
    """Read a queries file and make its items the next ones served, highest
    score first (:mod:`activelabel.store.imported_queries`), in one
    transaction: a refused file changes nothing."""
    with store.session(write=True) as session:
        connection = session.connection()
        project = load_project(connection, project_name)
        read = read_queries_file(
            connection,
            project,
            path,
            fmt=fmt,
            encoding=encoding,
            delimiter=delimiter,
            id_column=id_column,
            settings=settings,
            progress=progress,
        )
        order = queue_imported_order(session, project_id=project.id, ranked=read.ranked)
    return read, order
