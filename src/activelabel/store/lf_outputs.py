"""The label matrix in the database: one row per function, item and voted label.

An abstain is no row, so a million items that a function matches a few per
cent of cost it a few per cent of a million rows. Rows are written in
batches straight through the driver (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), inside the caller's transaction: SQLAlchemy's per-row parameter
processing costs more than the insert at this size (see
:mod:`activelabel.io.item_sinks`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.orm import Session

from activelabel.store.models import LfOutput

__all__ = [
    "OutputRow",
    "count_items_by_function",
    "delete_lf_outputs",
    "read_lf_outputs",
    "write_lf_outputs",
]

_outputs = cast(Table, LfOutput.__table__)

#: (labeling function id, item id, label)
OutputRow = tuple[int, int, str]


def write_lf_outputs(
    connection: Connection | Session, project_id: int, rows: Sequence[OutputRow]
) -> int:
    """Insert ``rows`` (each new: callers apply a function to an item once).

    Runs in the caller's transaction; returns how many rows were written.
    """
    if not rows:
        return 0
    conn = connection.connection() if isinstance(connection, Session) else connection
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY lf_outputs (project_id, lf_id, item_id, label) FROM STDIN"
            ) as copy,
        ):
            for lf_id, item_id, label in rows:
                copy.write_row((project_id, lf_id, item_id, label))
    else:
        raw.executemany(
            "INSERT INTO lf_outputs (project_id, lf_id, item_id, label) "
            "VALUES (?, ?, ?, ?)",
            [(project_id, lf_id, item_id, label) for lf_id, item_id, label in rows],
        )
    return len(rows)


def delete_lf_outputs(connection: Connection | Session, lf_id: int) -> None:
    """Forget every vote of one function (it changed, was disabled or removed)."""
    connection.execute(delete(_outputs).where(_outputs.c.lf_id == lf_id))


def read_lf_outputs(
    session: Session | Connection,
    project_id: int,
    lf_ids: Collection[int],
    *,
    chunk: int = 100_000,
) -> Iterator[list[tuple[int, int, str]]]:
    """The votes of the functions ``lf_ids`` as lists of (lf id, item id, label).

    Streamed in lists of up to ``chunk`` rows, so a caller can turn each into
    arrays before the next arrives.
    """
    if not lf_ids:
        return
    result = session.execute(
        select(_outputs.c.lf_id, _outputs.c.item_id, _outputs.c.label)
        .where(
            _outputs.c.project_id == project_id,
            _outputs.c.lf_id.in_(sorted(lf_ids)),
        )
        .execution_options(yield_per=chunk)
    )
    for part in result.partitions(chunk):
        yield [(row[0], row[1], row[2]) for row in part]


def count_items_by_function(
    session: Session | Connection, project_id: int
) -> dict[int, int]:
    """How many items each function voted for (a function without votes is absent)."""
    rows = session.execute(
        select(_outputs.c.lf_id, func.count(func.distinct(_outputs.c.item_id)))
        .where(_outputs.c.project_id == project_id)
        .group_by(_outputs.c.lf_id)
    )
    return {lf_id: int(count) for lf_id, count in rows}
