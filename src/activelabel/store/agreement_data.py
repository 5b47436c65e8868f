"""The labels agreement is measured on: every active human label of a project.

Read in keyset batches of annotation ids, so a project with millions of
labels is read in short queries. Values come as JSON text and are decoded
once per distinct text: a classification project's million labels are a
handful of texts.
"""

from __future__ import annotations

import functools
import json
from array import array
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.store.models import User

__all__ = ["BATCH", "HumanLabels", "human_labels"]

#: Annotations read per query.
BATCH: Final = 100_000

_decode: Final = json.JSONDecoder().decode


@dataclass(frozen=True)
class HumanLabels:
    """Active human labels as parallel columns, in annotation order."""

    item_ids: array[int]
    annotator_ids: array[int]
    values: list[Any]
    #: Annotator id -> name.
    names: dict[int, str]


def _query(dialect: str) -> str:
    """The batch query in the driver's own terms.

    A million rows through SQLAlchemy's result objects cost more than the
    query itself, so the rows come from the driver's cursor. The value comes
    as its JSON text (a cast on PostgreSQL, the stored text on SQLite): the
    drivers' JSON decoding per row cost more than decoding each distinct text
    once.
    """
    mark, value = ("%s", "value::text") if dialect == "postgresql" else ("?", "value")
    return (
        f"SELECT id, item_id, annotator_id, {value} FROM annotations "
        f"WHERE project_id = {mark} AND status = 'active' AND source = 'human' "
        f"AND annotator_id IS NOT NULL AND id > {mark} ORDER BY id LIMIT {mark}"
    )


def human_labels(
    session: Session, project_id: int, *, batch: int = BATCH
) -> HumanLabels:
    """Every active label a person gave in the project (imports, model and
    rule labels and reviews are not annotators' opinions and are left out)."""
    connection = session.connection()
    query = _query(connection.dialect.name)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    items, annotators = array("q"), array("q")
    values: list[Any] = []
    decode = functools.lru_cache(maxsize=4096)(_decode)
    after = 0
    try:
        while True:
            cursor.execute(query, (project_id, after, batch))
            rows = cursor.fetchall()
            if not rows:
                break
            ids, item_ids, annotator_ids, raws = zip(*rows, strict=True)
            items.extend(item_ids)
            annotators.extend(annotator_ids)
            values.extend(map(decode, raws))
            if len(rows) < batch:
                break
            after = ids[-1]
    finally:
        cursor.close()
    names: dict[int, str] = dict(
        session.execute(
            select(User.id, User.name).where(User.id.in_(set(annotators)))
        ).all()
    )
    return HumanLabels(items, annotators, values, names)
