"""The reads of an export: one snapshot, items in keyset-paginated chunks.

Items are read in chunks (``id > last ORDER BY id``) and each chunk's
annotations come from one range query, so a pool of millions of items never
sits in memory and every query stays short. The whole export reads one
consistent snapshot of the database (:func:`begin_snapshot`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Row,
    Text,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from activelabel.store.final_labels import NOT_VOTES, REVIEW_SOURCE
from activelabel.store.models import (
    Annotation,
    Item,
    MediaRoot,
    Project,
    Review,
    User,
    WeakLabel,
)
from activelabel.store.taxonomy_labels import TAXONOMY_SOURCE, fold_taxonomy
from activelabel.tasks import adapter_for

__all__ = [
    "ItemRow",
    "active_values",
    "annotation_rows",
    "begin_snapshot",
    "count",
    "decode",
    "item_chunks",
    "media_roots",
    "newest_reviews",
    "user_names",
    "weak_values",
]

#: An item as :func:`item_chunks` reads it: (id, external_id, data as JSON text
#: or None, media_path, media_root_id).
ItemRow = Row[int, str, str | None, str | None, int | None]

#: Decodes JSON text; called directly, it skips json.loads' per-call checks.
decode: Final = json.JSONDecoder().decode


def begin_snapshot(session: Session) -> None:
    """Make every chunk query see the same committed state of the database.

    SQLite's read transaction is a snapshot already; PostgreSQL's default
    (read committed) is not, so the transaction is set to repeatable read.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        )


def _json_text(column: Any, dialect: str) -> ColumnElement[str]:
    """A JSON column read as its text, so decoding is one C call per value.

    The drivers' own JSON handling (psycopg's loader, SQLAlchemy's result
    processor) adds layers per value that dominate a million-row export.
    """
    if dialect == "postgresql":
        return cast(column, Text)
    return type_coerce(column, Text)


def item_chunks(
    session: Session, project: Project, chunk_size: int, *, with_data: bool
) -> Iterator[Sequence[ItemRow]]:
    """The project's items in id order, ``chunk_size`` at a time (keyset pagination).

    Rows are :data:`ItemRow`; the data is read only ``with_data``. Each query
    walks the primary key from the last id seen, so the whole pass is linear.
    SQLite's planner would rather use an index starting with ``project_id`` and
    sort all of the project's items for every chunk (quadratic over a large
    pool); writing the filter as ``project_id + 0`` keeps that index out of the
    choice.
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


def count(
    session: Session, model: type[Item] | type[Annotation], project: Project
) -> int:
    """How many items (or annotations, of any status) the project has."""
    return (
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.project_id == project.id)
        )
        or 0
    )


def media_roots(session: Session, project: Project) -> dict[int, str]:
    """The folder of each of the project's media roots, by id."""
    return {
        row.id: row.path
        for row in session.execute(
            select(MediaRoot.id, MediaRoot.path).where(
                MediaRoot.project_id == project.id
            )
        )
    }


def user_names(session: Session) -> dict[int, str]:
    """Every user's name, by id."""
    return {user.id: user.name for user in session.execute(select(User.id, User.name))}


def active_values(
    session: Session, project: Project, items: Sequence[ItemRow]
) -> dict[int, list[tuple[Any, str]]]:
    """The active annotations of a chunk of items: (value, source) by item id,
    oldest first (one range query over the chunk's ids); the parents a
    taxonomy added are folded into their annotator's value."""
    dialect = session.get_bind().dialect.name
    active: dict[int, list[tuple[Any, str]]] = {}
    # Only items with a taxonomy row need each row's annotator.
    annotators: dict[int, list[int | None]] = {}
    completed: set[int] = set()
    for item_id, project_id, value, source, annotator in session.execute(
        select(
            Annotation.item_id,
            Annotation.project_id,
            _json_text(Annotation.value, dialect),
            Annotation.source,
            Annotation.annotator_id,
        )
        .where(
            Annotation.item_id.between(items[0].id, items[-1].id),
            Annotation.status == "active",
        )
        .order_by(Annotation.item_id, Annotation.id)
    ):
        if project_id == project.id:
            active.setdefault(item_id, []).append((decode(value), source))
            annotators.setdefault(item_id, []).append(annotator)
            if source == TAXONOMY_SOURCE:
                completed.add(item_id)
    if completed:
        adapter = adapter_for(project.task)
        for item_id in completed:
            rows = [
                (value, source, annotator)
                for (value, source), annotator in zip(
                    active[item_id], annotators[item_id], strict=True
                )
            ]
            active[item_id] = fold_taxonomy(rows, adapter, project.labels)
    return active


def weak_values(
    session: Session, project: Project, items: Sequence[ItemRow]
) -> dict[int, Any]:
    """The label model's label of each item of a chunk that has one, by item id."""
    dialect = session.get_bind().dialect.name
    return {
        item_id: decode(value)
        for item_id, value in session.execute(
            select(WeakLabel.item_id, _json_text(WeakLabel.value, dialect)).where(
                WeakLabel.project_id == project.id,
                WeakLabel.item_id.between(items[0].id, items[-1].id),
            )
        )
    }


def newest_reviews(
    session: Session, project: Project, items: Sequence[ItemRow]
) -> dict[int, tuple[str, str | None, bool]]:
    """The newest review of each reviewed item of a chunk: (decision, reviewer's
    name, whether a label other than a correction came after it)."""
    later = exists().where(
        Annotation.item_id == Review.item_id,
        Annotation.status == "active",
        Annotation.source.notin_((REVIEW_SOURCE, *NOT_VOTES)),
        Annotation.created_at > Review.created_at,
    )
    newest: dict[int, tuple[str, str | None, bool]] = {}
    for item_id, decision, reviewer, relabeled in session.execute(
        select(Review.item_id, Review.decision, User.name, later)
        .outerjoin(User, User.id == Review.reviewer_id)
        .where(
            Review.project_id == project.id,
            Review.item_id.between(items[0].id, items[-1].id),
        )
        .order_by(Review.id)
    ):
        newest[item_id] = (decision, reviewer, bool(relabeled))
    return newest


def annotation_rows(
    session: Session, project: Project, items: Sequence[ItemRow]
) -> Iterator[Any]:
    """Every annotation of a chunk of items, any status, by item then id.

    Each row has the annotation's ``id``, ``item_id``, ``annotator_id``,
    ``value`` (JSON text), ``source``, ``status``, ``session_id``,
    ``model_version_id``, ``created_at``, ``updated_at`` and ``seconds_spent``.
    """
    dialect = session.get_bind().dialect.name
    for row in session.execute(
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
    ):
        if row.project_id == project.id:
            yield row
