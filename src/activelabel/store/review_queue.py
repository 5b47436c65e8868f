"""The reviewers' queue and the browse view: items filtered, sorted and paged.

:func:`review_queue` lists what waits for review (labeled, not reviewed yet,
by default), conflicts first; :func:`browse_items` lists every item of the
project (labeled or not) with the same filters and sort keys, what Label
Studio calls its data manager. Both filter, sort and count in the database
(:mod:`activelabel.store.review_columns`), then read the labels and reviews
of the one page they return. :func:`review_counts` gives the figures of the
progress panel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from sqlalchemy import Integer, and_, case, cast, exists, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLColumnExpression

from activelabel.exceptions import ConfigError, ItemNotFoundError, UserNotFoundError
from activelabel.store.auto_labels import audit_sql
from activelabel.store.final_labels import (
    MODEL_SOURCE,
    NOT_VOTES,
    REVIEW_SOURCE,
    Decided,
    decide_label,
    review_state,
)
from activelabel.store.label_schema import retired_labels
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
from activelabel.store.review_columns import (
    COLUMN_NEEDS,
    ItemColumns,
    item_columns,
    json_text,
    label_in,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "SORT_KEYS",
    "STATE_FILTERS",
    "ItemFilters",
    "ItemOrder",
    "ReviewCounts",
    "ReviewLabel",
    "ReviewPage",
    "ReviewRecord",
    "ReviewRow",
    "browse_items",
    "review_counts",
    "review_queue",
    "review_row",
]

#: Most items one page holds.
MAX_PAGE_SIZE: Final = 200

StateFilter = Literal[
    "to_review", "accepted", "corrected", "rejected", "reviewed", "any"
]
#: The review states a list can be limited to (``to_review``: labeled, not
#: reviewed since; ``reviewed``: accepted, corrected or rejected).
STATE_FILTERS: Final = (
    "to_review",
    "accepted",
    "corrected",
    "rejected",
    "reviewed",
    "any",
)

SortKey = Literal[
    "id", "score", "confidence", "agreement", "updated", "issue_rank", "random"
]
#: What a list can be sorted by.
SORT_KEYS: Final = (
    "id",
    "score",
    "confidence",
    "agreement",
    "updated",
    "issue_rank",
    "random",
)


@dataclass(frozen=True)
class ItemFilters:
    """Which items a list shows; every filter given must hold."""

    state: StateFilter = "any"
    #: ``labeled`` / ``unlabeled``: items with or without an active label.
    labeled: Literal["any", "labeled", "unlabeled"] = "any"
    #: Items this user (by name) labeled.
    annotator: str | None = None
    #: Items whose label holds this label.
    label: str | None = None
    #: Items with an active label from this source (human, import, review...).
    source: str | None = None
    #: Only items whose annotators disagree, unsettled.
    conflicts: bool = False
    #: Only items whose stored model opinion (the queue's suggestion, the
    #: mislabel finder's, an imported prediction) differs from the label.
    model_disagrees: bool = False
    #: Only items whose agreement is below this share.
    max_agreement: float | None = None
    #: Only items a labeling function gives a label their label lacks.
    rule_conflicts: bool = False
    #: Only items on the mislabel finder's list.
    label_issues: bool = False
    #: Only items the model labeled itself that are in the audit share
    #: (``auto_accept_audit``; :mod:`activelabel.store.auto_labels`).
    audit: bool = False


@dataclass(frozen=True)
class ItemOrder:
    """How a list is sorted: by ``key`` (empty values last), then by item id."""

    key: SortKey = "id"
    descending: bool = False
    #: The random order's seed: the same seed gives the same order, page after page.
    seed: int = 0


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


@dataclass(frozen=True)
class ReviewCounts:
    """Items by review state, for the progress panel."""

    to_review: int = 0
    conflicts: int = 0
    accepted: int = 0
    corrected: int = 0
    rejected: int = 0
    label_issues: int = 0
    by_state: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        """The figures as a JSON-ready dict."""
        return {
            "to_review": self.to_review,
            "conflicts": self.conflicts,
            "accepted": self.accepted,
            "corrected": self.corrected,
            "rejected": self.rejected,
            "label_issues": self.label_issues,
        }


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


def review_counts(session: Session, project: Project) -> ReviewCounts:
    """How many items wait for review, are in conflict, accepted, corrected,
    rejected, and on the mislabel finder's list.

    Asked with the progress panel's figures every few seconds, so it reads
    the reviews (one row per reviewed item, each checked for a newer label
    through the annotations' item index) and makes one pass over people's
    labels for the conflicts, never the whole list's query.
    """
    votes = (REVIEW_SOURCE, *NOT_VOTES)
    newest = (
        select(func.max(Review.id).label("review_id"))
        .where(Review.project_id == project.id)
        .group_by(Review.item_id)
        .subquery("newest")
    )
    relabeled = exists().where(
        Annotation.item_id == Review.item_id,
        Annotation.status == "active",
        Annotation.source.notin_(votes),
        Annotation.created_at > Review.created_at,
    )
    labeled = exists().where(
        Annotation.item_id == Review.item_id, Annotation.status == "active"
    )
    states: dict[str, int] = {}
    reviewed_labeled = 0
    for decision, newer, has_label, n in session.execute(
        select(Review.decision, relabeled, labeled, func.count())
        .join(newest, newest.c.review_id == Review.id)
        .group_by(Review.decision, relabeled, labeled)
    ):
        state = review_state(
            labeled=bool(has_label), decision=decision, relabeled=bool(newer)
        )
        states[state] = states.get(state, 0) + n
        if has_label and state != "labeled":
            reviewed_labeled += n
    # The model's own labels outside the audit share are not routed to review:
    # counted in the pass that counts the labeled items (a query of their own
    # cost the panel's figures a second pass over the project's labels).
    unrouted_label = case(
        (
            and_(
                Annotation.source == MODEL_SOURCE,
                ~audit_sql(Annotation.item_id, project.settings.auto_accept_audit),
                ~exists().where(Review.item_id == Annotation.item_id),
            ),
            Annotation.item_id,
        )
    )
    labeled_items, unrouted = session.execute(
        select(
            func.count(func.distinct(Annotation.item_id)),
            func.count(func.distinct(unrouted_label)),
        ).where(Annotation.project_id == project.id, Annotation.status == "active")
    ).one()
    value = json_text(Annotation.value, session.get_bind().dialect.name)
    human = case((Annotation.source == "human", value))
    disagreeing = (
        select(Annotation.item_id)
        .where(
            Annotation.project_id == project.id,
            Annotation.status == "active",
            Annotation.source.in_(("human", REVIEW_SOURCE)),
        )
        .group_by(Annotation.item_id)
        .having(
            func.min(human) != func.max(human),
            func.max(case((Annotation.source == REVIEW_SOURCE, 1), else_=0)) == 0,
        )
        .subquery("disagreeing")
    )
    conflicts = session.scalar(select(func.count()).select_from(disagreeing))
    issues = session.scalar(
        select(func.count()).where(LabelIssue.project_id == project.id)
    )
    return ReviewCounts(
        to_review=(labeled_items or 0) - reviewed_labeled - (unrouted or 0),
        conflicts=conflicts or 0,
        accepted=states.get("accepted", 0),
        corrected=states.get("corrected", 0),
        rejected=states.get("rejected", 0),
        label_issues=issues or 0,
        by_state=states,
    )


def _conditions(
    session: Session,
    project: Project,
    columns: ItemColumns,
    filters: ItemFilters,
    dialect: str,
) -> list[SQLColumnExpression[bool]]:
    """The WHERE of a list: one condition per filter given."""
    where: list[SQLColumnExpression[bool]] = []
    state = filters.state
    if state not in STATE_FILTERS:
        raise ConfigError(
            f"Unknown review state {state!r}; use one of {', '.join(STATE_FILTERS)}."
        )
    if state == "to_review":
        where.append(columns.state == "labeled")
        # Of the model's own labels only the audit share waits for review.
        where.append(
            ~(
                columns.model_labeled
                & ~audit_sql(Item.id, project.settings.auto_accept_audit)
            )
        )
    elif state == "reviewed":
        where.append(columns.state.in_(("accepted", "corrected", "rejected")))
    elif state != "any":
        where.append(columns.state == state)
    if filters.labeled == "labeled":
        where.append(columns.labeled)
    elif filters.labeled == "unlabeled":
        where.append(~columns.labeled)
    if filters.annotator is not None:
        user_id = session.scalar(select(User.id).where(User.name == filters.annotator))
        if user_id is None:
            raise UserNotFoundError(f"No user named {filters.annotator!r}.")
        where.append(
            select(literal(1))
            .where(
                Annotation.item_id == Item.id,
                Annotation.annotator_id == user_id,
                Annotation.status.in_(("active", "rejected")),
            )
            .exists()
        )
    if filters.label is not None:
        # A retired label's items are still listed, so reviewers can relabel them.
        if filters.label not in project.labels and filters.label not in (
            retired_labels(session, project.id)
        ):
            raise ConfigError(
                f"{filters.label!r} is not a label of {project.name!r}; its labels "
                f"are {', '.join(project.labels)}."
            )
        wanted = literal(filters.label)
        # A JSON NULL holds no label, on both databases.
        where.append(
            label_in(columns.final_text, wanted, dialect)
            | (
                columns.final_text.is_(None)
                & columns.labeled
                & (
                    label_in(columns.min_text, wanted, dialect)
                    | label_in(columns.max_text, wanted, dialect)
                )
            )
        )
    if filters.source is not None:
        where.append(
            select(literal(1))
            .where(
                Annotation.item_id == Item.id,
                Annotation.source == filters.source,
                Annotation.status == "active",
            )
            .exists()
        )
    if filters.conflicts:
        where.append(columns.conflict)
    if filters.model_disagrees:
        where.append(columns.model_disagrees)
    if filters.max_agreement is not None:
        where.append(columns.agreement < filters.max_agreement)
    if filters.rule_conflicts:
        where.append(columns.rule_conflict)
    if filters.label_issues:
        where.append(columns.issue_rank.is_not(None))
    if filters.audit:
        where.append(
            columns.model_labeled
            & audit_sql(Item.id, project.settings.auto_accept_audit)
        )
    return where


def _needs(
    filters: ItemFilters, order: ItemOrder, conflicts_first: bool
) -> frozenset[str]:
    """The parts of the items' query a list's filters and sort read."""
    used = [
        ("state", filters.state != "any"),
        ("labeled", filters.labeled != "any"),
        ("final_text", filters.label is not None),
        ("conflict", filters.conflicts or conflicts_first),
        ("model_disagrees", filters.model_disagrees),
        ("agreement", filters.max_agreement is not None),
        ("rule_conflict", filters.rule_conflicts),
        ("issue_rank", filters.label_issues),
        ("model_labeled", filters.audit),
        ({"updated": "updated_at"}.get(order.key, order.key), True),
    ]
    needs: frozenset[str] = frozenset()
    for column, wanted in used:
        if wanted:
            needs |= COLUMN_NEEDS.get(column, frozenset())
    return needs


def _sort_key(columns: ItemColumns, order: ItemOrder) -> SQLColumnExpression[Any]:
    if order.key not in SORT_KEYS:
        raise ConfigError(
            f"Unknown sort key {order.key!r}; use one of {', '.join(SORT_KEYS)}."
        )
    if order.key == "random":
        # A fixed permutation of ids (Knuth's multiplicative hash): the same
        # seed gives the same order on every page, on both databases.
        seed = int(order.seed) % 4_294_967_296
        return (
            cast(columns.item_id, Integer) * literal(2_654_435_761) + literal(seed)
        ) % literal(4_294_967_296)
    keys: dict[str, SQLColumnExpression[Any]] = {
        "id": columns.item_id,
        "score": columns.score,
        "confidence": columns.confidence,
        "agreement": columns.agreement,
        "updated": columns.updated_at,
        "issue_rank": columns.issue_rank,
    }
    return keys[order.key]


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
    needs = _needs(filters, order, conflicts_first)
    columns = item_columns(
        project.id,
        dialect,
        needs=needs | {"labels"} if labeled_only else needs,
        labeled_only=labeled_only,
    )
    where = _conditions(session, project, columns, filters, dialect)
    # The total rides along with the page (one pass, not two).
    filtered = columns.query.where(*where).add_columns(func.count().over())
    key = _sort_key(columns, order)
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
