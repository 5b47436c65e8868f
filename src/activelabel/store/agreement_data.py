"""The labels agreement is measured on: every active human label of a project.

Read in keyset batches of annotation ids, so a project with millions of
labels is read in short queries. Values come as JSON text and are decoded
once per distinct text: a classification project's million labels are a
handful of texts.
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Text, bindparam, cast, select, type_coerce
from sqlalchemy.orm import Session

from activelabel.store.models import Annotation, User

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


def _statement(dialect: str) -> Any:
    # The value as its JSON text: the drivers' JSON handling costs more per
    # row than the query (a cast on PostgreSQL, the stored text on SQLite).
    value = (
        cast(Annotation.value, Text)
        if dialect == "postgresql"
        else type_coerce(Annotation.value, Text)
    )
    return (
        select(Annotation.id, Annotation.item_id, Annotation.annotator_id, value)
        .where(
            Annotation.project_id == bindparam("project"),
            Annotation.status == "active",
            Annotation.source == "human",
            Annotation.annotator_id.is_not(None),
            Annotation.id > bindparam("after"),
        )
        .order_by(Annotation.id)
        .limit(bindparam("batch"))
    )


def human_labels(
    session: Session, project_id: int, *, batch: int = BATCH
) -> HumanLabels:
    """Every active label a person gave in the project (imports, model and
    rule labels and reviews are not annotators' opinions and are left out)."""
    # Core, not the session: the ORM's row loading cost as much as the query.
    connection = session.connection()
    statement = _statement(connection.dialect.name)
    items, annotators = array("q"), array("q")
    values: list[Any] = []
    decoded: dict[str, Any] = {}
    after = 0
    while True:
        rows = connection.execute(
            statement, {"project": project_id, "after": after, "batch": batch}
        ).all()
        for _, item_id, annotator_id, raw in rows:
            items.append(item_id)
            annotators.append(annotator_id)
            value = decoded.get(raw)
            if value is None:
                value = _decode(raw)
                if len(decoded) < 10_000:
                    decoded[raw] = value
            values.append(value)
        if len(rows) < batch:
            break
        after = rows[-1][0]
    names = dict(
        session.execute(select(User.id, User.name).where(User.id.in_(set(annotators))))
        .tuples()
        .all()
    )
    return HumanLabels(items, annotators, values, names)
