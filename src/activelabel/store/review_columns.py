"""What the review queue and the browse view know of each item, as SQL columns.

:func:`item_columns` builds one query over a project's items with, per item,
what its labels, its newest review and the model's stored opinions say:
review state, conflict, agreement, whether the model or a labeling function
disagrees with the label, queue score and confidence, the mislabel finder's
rank. The filters and sort keys of :mod:`activelabel.store.review_filters` are
expressions over these columns, so the database filters, sorts and pages
(nothing is read whole into Python).

Labels are compared as JSON text (PostgreSQL's ``jsonb`` text is canonical;
SQLite stores what :mod:`json` wrote, the same for the same value). Whether
a label is among a value's labels (the label filter, rule conflicts) is
asked of the JSON itself, any depth, so it holds for a label, a list of
labels, spans and boxes alike without asking the task's kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Float,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.elements import SQLColumnExpression

from activelabel.store.final_labels import MODEL_SOURCE, NOT_VOTES, REVIEW_SOURCE
from activelabel.store.models import (
    Annotation,
    Item,
    LabelIssue,
    LfOutput,
    Prediction,
    QueueEntry,
    Review,
)

__all__ = ["COLUMN_NEEDS", "ItemColumns", "item_columns", "json_text", "label_in"]

#: The parts of :func:`item_columns`'s query each column reads.
COLUMN_NEEDS: dict[str, frozenset[str]] = {
    "labeled": frozenset({"labels"}),
    "model_labeled": frozenset({"labels"}),
    "state": frozenset({"labels", "review"}),
    "conflict": frozenset({"labels"}),
    "agreement": frozenset({"agreement"}),
    "final_text": frozenset({"labels"}),
    "model_disagrees": frozenset({"labels", "entry", "issue", "prediction"}),
    "rule_conflict": frozenset({"labels"}),
    "score": frozenset({"entry"}),
    "confidence": frozenset({"entry", "prediction"}),
    "updated_at": frozenset({"labels", "review"}),
    "issue_rank": frozenset({"issue"}),
}


def json_text(column: Any, dialect: str) -> ColumnElement[str]:
    """A JSON column as text (canonical on PostgreSQL); JSON ``null`` as NULL."""
    text = cast(column, Text) if dialect == "postgresql" else type_coerce(column, Text)
    return func.nullif(text, "null")


def label_in(
    value_text: SQLColumnExpression[Any], label: SQLColumnExpression[Any], dialect: str
) -> ColumnElement[bool]:
    """Whether the JSON text ``value_text`` holds the string ``label`` anywhere."""
    if dialect == "postgresql":
        return func.jsonb_path_exists(
            cast(value_text, JSONB),
            cast(literal("strict $.** ? (@ == $l)"), JSONPATH),
            func.jsonb_build_object("l", label),
        ).is_(True)
    tree = func.json_tree(value_text).table_valued("atom", "type")
    return exists(
        select(literal(1))
        .select_from(tree)
        .where(tree.c.atom == label, tree.c.type == "text")
    )


@dataclass(frozen=True)
class ItemColumns:
    """The query of :func:`item_columns` and its named columns (expressions)."""

    query: Select[Any]
    item_id: SQLColumnExpression[int]
    labeled: SQLColumnExpression[bool]
    #: The item has an active label the model gave it itself.
    model_labeled: SQLColumnExpression[bool]
    state: SQLColumnExpression[str]
    conflict: SQLColumnExpression[bool]
    agreement: SQLColumnExpression[float]
    #: The item's label as JSON text when it has one value (a correction, or
    #: labels that agree); NULL for an item whose labels differ.
    final_text: SQLColumnExpression[str]
    min_text: SQLColumnExpression[str]
    max_text: SQLColumnExpression[str]
    model_text: SQLColumnExpression[str]
    model_disagrees: SQLColumnExpression[bool]
    rule_conflict: SQLColumnExpression[bool]
    score: SQLColumnExpression[float | None]
    confidence: SQLColumnExpression[float]
    updated_at: SQLColumnExpression[Any]
    issue_rank: SQLColumnExpression[int]


def item_columns(
    project_id: int,
    dialect: str,
    ids: Sequence[int] | None = None,
    needs: frozenset[str] | None = None,
    labeled_only: bool = False,
) -> ItemColumns:
    """Every column the review queue filters, sorts or shows, for the project's
    items (only ``ids`` when given: the aggregates then read those items only).

    ``needs``: the parts joined (``labels``, ``agreement``, ``review``,
    ``prediction``, ``entry``, ``issue``; None: all). A column of a part not
    joined must not be used (:data:`COLUMN_NEEDS` says which each needs).
    ``labeled_only``: only items with an active label (``labels`` needed).
    """
    a = Annotation
    value = json_text(a.value, dialect)
    # Given ids, the item index finds their rows (ids are the project's own);
    # with the project's id too, SQLite would scan the project's labels.
    active: list[ColumnElement[bool]] = (
        [a.project_id == project_id] if ids is None else [a.item_id.in_(list(ids))]
    )
    active.append(a.status == "active")
    # The labels that vote: neither a correction nor a taxonomy's added parents.
    not_review = a.source.notin_((REVIEW_SOURCE, *NOT_VOTES))
    labels = (
        select(
            a.item_id.label("item_id"),
            # Two people disagree when their least and greatest values differ
            # (cheaper than counting distinct values: no sort per item).
            func.min(case((a.source == "human", value))).label("people_min"),
            func.max(case((a.source == "human", value))).label("people_max"),
            func.max(case((a.source == REVIEW_SOURCE, value))).label("review_value"),
            func.min(case((not_review, value))).label("min_value"),
            func.max(case((not_review, value))).label("max_value"),
            func.max(case((not_review, a.created_at))).label("last_label_at"),
            func.max(a.created_at).label("labeled_at"),
            # The model labeled it itself (auto_accept): read in the same pass.
            func.max(case((a.source == MODEL_SOURCE, 1))).label("model_label"),
        )
        .where(*active)
        .group_by(a.item_id)
        .subquery("labels")
    )
    per_value = (
        select(a.item_id.label("item_id"), func.count().label("n"))
        .where(*active, not_review)
        .group_by(a.item_id, value)
        .subquery("per_value")
    )
    agreement = (
        select(
            per_value.c.item_id,
            (
                cast(func.max(per_value.c.n), Float)
                / cast(func.sum(per_value.c.n), Float)
            ).label("agreement"),
        )
        .group_by(per_value.c.item_id)
        .subquery("agreement")
    )
    reviews = [Review.project_id == project_id]
    if ids is not None:
        reviews.append(Review.item_id.in_(list(ids)))
    newest = (
        select(Review.item_id.label("item_id"), func.max(Review.id).label("review_id"))
        .where(*reviews)
        .group_by(Review.item_id)
        .subquery("newest")
    )
    review = aliased(Review, name="review")
    predictions = (
        [Prediction.project_id == project_id]
        if ids is None
        else [Prediction.item_id.in_(list(ids))]
    )
    newest_prediction = (
        select(
            Prediction.item_id.label("item_id"),
            func.max(Prediction.id).label("prediction_id"),
        )
        .where(*predictions)
        .group_by(Prediction.item_id)
        .subquery("newest_prediction")
    )
    prediction = aliased(Prediction, name="prediction")
    entry = aliased(QueueEntry, name="entry")
    issue = aliased(LabelIssue, name="issue")

    labeled = labels.c.item_id.is_not(None)
    state = case(
        (review.id.is_(None), case((labeled, "labeled"), else_="unlabeled")),
        (review.decision == "corrected", "corrected"),
        (labels.c.last_label_at > review.created_at, "labeled"),
        else_=review.decision,
    )
    conflict = and_(
        labels.c.people_min != labels.c.people_max, labels.c.review_value.is_(None)
    )
    final_text = func.coalesce(
        labels.c.review_value,
        case((labels.c.min_value == labels.c.max_value, labels.c.min_value)),
    )
    model_text = func.coalesce(
        json_text(entry.suggestion, dialect),
        json_text(issue.suggested, dialect),
        json_text(prediction.value, dialect),
    )
    model_disagrees = and_(
        labeled,
        model_text.is_not(None),
        or_(final_text.is_(None), model_text != final_text),
    )
    rule = aliased(LfOutput, name="rule")
    rule_conflict = and_(
        labeled,
        exists(
            select(literal(1)).where(
                rule.project_id == project_id,
                rule.item_id == Item.id,
                or_(
                    final_text.is_(None),
                    not_(label_in(final_text, rule.label, dialect)),
                ),
            )
        ),
    )
    updated_at = case(
        (review.created_at > labels.c.labeled_at, review.created_at),
        else_=func.coalesce(labels.c.labeled_at, review.created_at),
    )
    where: list[ColumnElement[bool]] = [Item.project_id == project_id]
    if ids is not None:
        where.append(Item.id.in_(list(ids)))
    # Only the parts a list uses are joined: each is a pass over the
    # project's rows, and a join nobody reads costs as much as one read.
    joins: list[tuple[Any, ColumnElement[bool], str]] = [
        (labels, labels.c.item_id == Item.id, "labels"),
        (agreement, agreement.c.item_id == Item.id, "agreement"),
        (newest, newest.c.item_id == Item.id, "review"),
        (review, review.id == newest.c.review_id, "review"),
        (newest_prediction, newest_prediction.c.item_id == Item.id, "prediction"),
        (prediction, prediction.id == newest_prediction.c.prediction_id, "prediction"),
        # Both columns of the unique (project, item) indexes: looked up, not scanned.
        (
            entry,
            and_(entry.project_id == project_id, entry.item_id == Item.id),
            "entry",
        ),
        (
            issue,
            and_(issue.project_id == project_id, issue.item_id == Item.id),
            "issue",
        ),
    ]
    joined: Any = Item.__table__
    for part, on, name in joins:
        if needs is None or name in needs:
            # A list of labeled items only starts from their labels, so the
            # database walks the labeled items, not the whole pool.
            inner = labeled_only and part is labels
            joined = joined.join(part, on) if inner else joined.outerjoin(part, on)
    query = select(Item.id).select_from(joined).where(*where)
    return ItemColumns(
        query=query,
        item_id=Item.id,
        labeled=labeled,
        model_labeled=labels.c.model_label.is_not(None),
        state=state,
        conflict=conflict,
        agreement=agreement.c.agreement,
        final_text=final_text,
        min_text=labels.c.min_value,
        max_text=labels.c.max_value,
        model_text=model_text,
        model_disagrees=model_disagrees,
        rule_conflict=rule_conflict,
        score=entry.score,
        confidence=func.coalesce(entry.confidence, prediction.score),
        updated_at=updated_at,
        issue_rank=issue.rank,
    )
