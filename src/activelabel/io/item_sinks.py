"""The hot path of an import: bulk inserts straight through the database driver.

SQLAlchemy's per-row parameter processing costs more than the insert itself at a
million rows, so items and imported labels are written with the driver inside the
transaction SQLAlchemy opened: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
Values are the same ones the ORM would write (JSON text, timestamps formatted by
the column type), so the ORM reads them back unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol, cast

from sqlalchemy import Connection, DateTime

__all__ = ["ItemRow", "LabelRow", "Sink", "make_sink"]

#: (external_id, content_hash, data as JSON text, media_root_id, media_path)
ItemRow = tuple[str, str, str, int | None, str | None]
#: (item_id, value as JSON text)
LabelRow = tuple[int, str]


class Sink(Protocol):
    """Writes one batch of items or labels for one project."""

    def insert_items(self, rows: Sequence[ItemRow], now: dt.datetime) -> dict[str, int]:
        """Insert rows whose external_id is new; return {external_id: id} of those."""
        ...

    def insert_labels(self, rows: Sequence[LabelRow], now: dt.datetime) -> None:
        """Insert active annotations with source=import."""
        ...


class _SqliteSink:
    def __init__(self, connection: Connection, project_id: int) -> None:
        self.project_id = project_id
        self.raw: Any = cast(Any, connection.connection.driver_connection)
        # The dialect's own DATETIME type formats the value the way the ORM reads it.
        column_type = connection.dialect.type_descriptor(DateTime(timezone=True))
        process = column_type.bind_processor(connection.dialect)
        self._time = process or (lambda value: value)

    def insert_items(self, rows: Sequence[ItemRow], now: dt.datetime) -> dict[str, int]:
        cur = self.raw.cursor()
        (before,) = cur.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()
        created = self._time(now)
        cur.executemany(
            "INSERT INTO items (project_id, external_id, content_hash, data, "
            "media_root_id, media_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (project_id, external_id) DO NOTHING",
            [(self.project_id, *row, created) for row in rows],
        )
        # The whole import holds SQLite's write lock, so every id above `before` is
        # one this batch wrote.
        inserted = {
            ext: item_id
            for item_id, ext in cur.execute(
                "SELECT id, external_id FROM items WHERE id > ?", (before,)
            )
        }
        cur.close()
        return inserted

    def insert_labels(self, rows: Sequence[LabelRow], now: dt.datetime) -> None:
        created = self._time(now)
        self.raw.executemany(
            "INSERT INTO annotations (project_id, item_id, annotator_id, value, source, "
            "status, created_at) VALUES (?, ?, NULL, ?, 'import', 'active', ?)",
            [(self.project_id, item_id, value, created) for item_id, value in rows],
        )


class _PostgresSink:
    def __init__(self, connection: Connection, project_id: int) -> None:
        self.project_id = project_id
        self.raw: Any = cast(Any, connection.connection.driver_connection)
        with self.raw.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS activelabel_import_batch "
                "(external_id text, content_hash text, data text, media_root_id integer, "
                "media_path text) "
                "ON COMMIT DROP"
            )

    def insert_items(self, rows: Sequence[ItemRow], now: dt.datetime) -> dict[str, int]:
        with self.raw.cursor() as cur:
            cur.execute("TRUNCATE activelabel_import_batch")
            with cur.copy(
                "COPY activelabel_import_batch (external_id, content_hash, data, "
                "media_root_id, media_path) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(
                "INSERT INTO items (project_id, external_id, content_hash, data, "
                "media_root_id, media_path, created_at) SELECT %s, external_id, "
                "content_hash, data::jsonb, media_root_id, media_path, %s "
                "FROM activelabel_import_batch "
                "ON CONFLICT (project_id, external_id) DO NOTHING "
                "RETURNING id, external_id",
                (self.project_id, now),
            )
            return {ext: item_id for item_id, ext in cur.fetchall()}

    def insert_labels(self, rows: Sequence[LabelRow], now: dt.datetime) -> None:
        with (
            self.raw.cursor() as cur,
            cur.copy(
                "COPY annotations (project_id, item_id, value, source, status, created_at) "
                "FROM STDIN"
            ) as copy,
        ):
            for item_id, value in rows:
                copy.write_row(
                    (self.project_id, item_id, value, "import", "active", now)
                )


def make_sink(connection: Connection, project_id: int) -> Sink:
    """The fastest writer for the connection's database."""
    if connection.dialect.name == "postgresql":
        return _PostgresSink(connection, project_id)
    return _SqliteSink(connection, project_id)
