"""The reviewers' queue and the browse view: items filtered, sorted and paged.

:func:`review_queue` lists what waits for review (labeled, not reviewed yet,
by default), conflicts first; :func:`browse_items` lists every item of the
project (labeled or not) with the same filters and sort keys
(:mod:`activelabel.store.review_filters`), what Label Studio calls its data
manager. Both filter, sort and count in the database
(:mod:`activelabel.store.review_columns`), then read the labels and reviews
of the one page they return. The progress panel's figures are
:mod:`activelabel.store.review_counts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, ItemNotFoundError
from activelabel.store.final_labels import Decided, decide_label
from activelabel.store.models import (
    Annotation,
    Item,
    LabelIssue,
    Prediction,
    Project,
    QueueEntry,
    Review,
    User,
)
from activelabel.store.review_columns import item_columns
from activelabel.store.review_filters import (
    ItemFilters,
    ItemOrder,
    columns_needed,
    list_conditions,
    sort_key,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "ReviewLabel",
    "ReviewPage",
    "ReviewRecord",
    "ReviewRow",
    "browse_items",
    "review_queue",
    "review_row",
]

#: Most items one page holds.
MAX_PAGE_SIZE: Final = 200


@dataclass(frozen=True)
class ReviewLabel:
    """One active label of an item."""

    annotation_id: int
    annotator: str | None
    value: Any
    source: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ReviewRecord:
    """An item's newest review."""

    decision: str
    reviewer: str | None
    note: str | None
    value: Any
    created_at: dt.datetime


@dataclass(frozen=True)
class ReviewRow:
    """One item of a list, with what a reviewer needs to decide on it."""

    item: Item
    decided: Decided | None
    labels: list[ReviewLabel]
    state: str
    review: ReviewRecord | None
    suggestion: Any
    confidence: float | None
    score: float | None
    model_disagrees: bool
    rule_conflict: bool
    issue: LabelIssue | None
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class ReviewPage:
    """One page of a list and how many items match in all."""

    rows: list[ReviewRow]
    total: int
    page: int
    page_size: int


def review_queue(
    session: Session,
    project: Project,
    filters: ItemFilters | None = None,
    *,
    order: ItemOrder | None = None,
    page: int = 1,
    page_size: int = 50,
) -> ReviewPage:
    """The reviewers' queue: items waiting for review (unless ``filters.state``
    says otherwise), conflicts first, then by ``order``."""
    filters = filters or ItemFilters(state="to_review")
    return _page(session, project, filters, order or ItemOrder(), page, page_size, True)


def browse_items(
    session: Session,
    project: Project,
    filters: ItemFilters | None = None,
    *,
    order: ItemOrder | None = None,
    page: int = 1,
    page_size: int = 50,
) -> ReviewPage:
    """Every item of the project that passes ``filters``, sorted by ``order``."""
    return _page(
        session,
        project,
        filters or ItemFilters(),
        order or ItemOrder(),
        page,
        page_size,
        False,
    )


def review_row(session: Session, project: Project, item_id: int) -> ReviewRow:
    """One item as the lists show it (raises ``ItemNotFoundError`` if not in the project)."""
    dialect = session.get_bind().dialect.name
    item = session.get(Item, item_id)
    if item is None or item.project_id != project.id:
        raise ItemNotFoundError(
            f"Project {project.name!r} has no item with id {item_id}."
        )
    return _rows(session, project, [item_id], dialect)[0]


def _page(
    session: Session,
    project: Project,
    filters: ItemFilters,
    order: ItemOrder,
    page: int,
    page_size: int,
    conflicts_first: bool,
) -> ReviewPage:
    if page < 1:
        raise ConfigError(f"Pages start at 1; page {page} does not exist.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigError(
            f"A page holds 1 to {MAX_PAGE_SIZE} items; {page_size} was asked for."
        )
    dialect = session.get_bind().dialect.name
    # Every filter but a state of rejected items or of any item wants labels.
    labeled_only = filters.labeled == "labeled" or (
        filters.state in ("to_review", "accepted", "corrected")
    )
    needs = columns_needed(filters, order, conflicts_first)
    columns = item_columns(
        project.id,
        dialect,
        needs=needs | {"labels"} if labeled_only else needs,
        labeled_only=labeled_only,
    )
    where = list_conditions(session, project, columns, filters, dialect)
    # The total rides along with the page (one pass, not two).
    filtered = columns.query.where(*where).add_columns(func.count().over())
    key = sort_key(columns, order)
    ordering: list[Any] = []
    if conflicts_first:
        ordering.append(columns.conflict.desc())
    ordering.append((key.desc() if order.descending else key.asc()).nulls_last())
    ordering.append(columns.item_id.desc() if order.descending else columns.item_id)
    found = session.execute(
        filtered.order_by(*ordering).limit(page_size).offset((page - 1) * page_size)
    ).all()
    ids = [row[0] for row in found]
    if found:
        total = found[0][1]
    else:  # a page past the end: count apart
        total = session.scalar(
            select(func.count()).select_from(
                columns.query.where(*where).subquery("matching")
            )
        )
    return ReviewPage(
        _rows(session, project, ids, dialect), total or 0, page, page_size
    )


def _rows(
    session: Session, project: Project, ids: Sequence[int], dialect: str
) -> list[ReviewRow]:
    """The items ``ids``, in that order, with their labels, reviews and opinions."""
    if not ids:
        return []
    columns = item_columns(project.id, dialect, ids)
    computed = {
        row.id: row
        for row in session.execute(
            columns.query.add_columns(
                columns.state.label("state"),
                columns.model_disagrees.label("model_disagrees"),
                columns.rule_conflict.label("rule_conflict"),
                columns.score.label("score"),
                columns.confidence.label("confidence"),
                columns.updated_at.label("updated_at"),
            )
        )
    }
    items = {
        item.id: item for item in session.scalars(select(Item).where(Item.id.in_(ids)))
    }
    labels: dict[int, list[ReviewLabel]] = {}
    for annotation, name in session.execute(
        select(Annotation, User.name)
        .outerjoin(User, User.id == Annotation.annotator_id)
        .where(Annotation.item_id.in_(ids), Annotation.status == "active")
        .order_by(Annotation.id)
    ):
        labels.setdefault(annotation.item_id, []).append(
            ReviewLabel(
                annotation.id,
                name,
                annotation.value,
                annotation.source,
                annotation.created_at,
            )
        )
    reviews: dict[int, ReviewRecord] = {}
    for review, name in session.execute(
        select(Review, User.name)
        .outerjoin(User, User.id == Review.reviewer_id)
        .where(Review.project_id == project.id, Review.item_id.in_(ids))
        .order_by(Review.id)
    ):
        reviews[review.item_id] = ReviewRecord(
            review.decision, name, review.note, review.value, review.created_at
        )
    issues = {
        issue.item_id: issue
        for issue in session.scalars(
            select(LabelIssue).where(
                LabelIssue.project_id == project.id, LabelIssue.item_id.in_(ids)
            )
        )
    }
    suggestions = _suggestions(session, project, ids)
    rows = []
    for item_id in ids:
        row = computed[item_id]
        item_labels = labels.get(item_id, [])
        suggestion = suggestions.get(item_id)
        rows.append(
            ReviewRow(
                item=items[item_id],
                decided=decide_label([(lab.value, lab.source) for lab in item_labels]),
                labels=item_labels,
                state=row.state,
                review=reviews.get(item_id),
                suggestion=suggestion,
                confidence=row.confidence,
                score=row.score,
                model_disagrees=bool(row.model_disagrees),
                rule_conflict=bool(row.rule_conflict),
                issue=issues.get(item_id),
                updated_at=row.updated_at,
            )
        )
    return rows


def _suggestions(
    session: Session, project: Project, ids: Sequence[int]
) -> dict[int, Any]:
    """The model's stored opinion of each item, as the queue columns pick it:
    the queue's suggestion, else the mislabel finder's, else the newest
    imported prediction."""
    found: dict[int, Any] = {}
    for item_id, value in session.execute(
        select(Prediction.item_id, Prediction.value)
        .where(Prediction.project_id == project.id, Prediction.item_id.in_(ids))
        .order_by(Prediction.id)
    ):
        found[item_id] = value
    for item_id, value in session.execute(
        select(LabelIssue.item_id, LabelIssue.suggested).where(
            LabelIssue.project_id == project.id, LabelIssue.item_id.in_(ids)
        )
    ):
        if value is not None:
            found[item_id] = value
    for item_id, value in session.execute(
        select(QueueEntry.item_id, QueueEntry.suggestion).where(
            QueueEntry.project_id == project.id, QueueEntry.item_id.in_(ids)
        )
    ):
        if value is not None:
            found[item_id] = value
    return found
