"""Timestamps read back from SQLite carry their timezone, as on PostgreSQL.

SQLite has no timestamp type: SQLAlchemy stores a ``DateTime(timezone=True)``
value as text without its offset and reads it back naive, so the API showed
``created_at`` without a timezone on SQLite only. Every timestamp activelabel
writes is UTC; on a SQLite engine the columns declared with a timezone are
written in UTC and read back as UTC, whatever table they are in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime

__all__ = ["read_timestamps_as_utc"]


class UtcDATETIME(DATETIME):
    """SQLite's DATETIME; with ``timezone=True`` written in UTC and read as UTC."""

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        process = super().bind_processor(dialect)
        if not self.timezone:
            return process

        def in_utc(value: Any) -> Any:
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = value.astimezone(dt.UTC)
            return process(value) if process is not None else value

        return in_utc

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], Any] | None:
        process = super().result_processor(dialect, coltype)
        if not self.timezone:
            return process

        def as_utc(value: Any) -> Any:
            if process is not None:
                value = process(value)
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            return value

        return as_utc


def read_timestamps_as_utc(engine: Engine) -> None:
    """Make ``engine`` (SQLite) use :class:`UtcDATETIME` for every ``DateTime``."""
    dialect = engine.dialect
    dialect.colspecs = {**dialect.colspecs, DateTime: UtcDATETIME}
