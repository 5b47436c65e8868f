"""A project's item ids by the ids its files gave them (``external_id``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from activelabel.store.models import Item

__all__ = ["item_ids_by_external_id"]

#: Ids per ``IN (...)`` list: well under SQLite's bound-parameter limit.
_BATCH = 2_000


def item_ids_by_external_id(
    connection: Connection | Session, project_id: int, external_ids: Sequence[str]
) -> dict[str, int]:
    """``{external_id: item id}`` for the ids in ``external_ids`` the project
    holds; an id it does not hold is left out."""
    found: dict[str, int] = {}
    for start in range(0, len(external_ids), _BATCH):
        rows = connection.execute(
            select(Item.external_id, Item.id).where(
                Item.project_id == project_id,
                Item.external_id.in_(external_ids[start : start + _BATCH]),
            )
        )
        found.update((external_id, item_id) for external_id, item_id in rows)
    return found
