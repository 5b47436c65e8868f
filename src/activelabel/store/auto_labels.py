"""The model's own labels (stream auto-labeling): written, audited, undone.

A round whose project sets ``auto_accept`` labels the unlabeled items its
model is surest of itself (:mod:`activelabel.loop.auto_accept` picks them):
each becomes an active annotation with source ``model`` and no annotator,
recording the round's query session and model version. This module is the
store's side of it:

* :func:`write_auto_labels` writes a round's picks in the caller's
  transaction, skipping every item that changed since the round read the
  pool: labeled meanwhile (by anyone), leased to an annotator, looked at by a
  reviewer, or a gold item. Their queue entries go: a labeled item is not
  served again.
* **Audits.** A share ``auto_accept_audit`` of the model's labels is routed to
  review (the review queue's ``audit`` filter; the others stay out of its
  "to review" list). Which ones is decided by a hash of the item id, as
  :mod:`activelabel.store.overlap_share` decides its share, with another
  multiplier so the two shares are independent: random but stable, the same
  in Python (:func:`in_audit_share`) and in SQL (:func:`audit_sql`).
  :func:`auto_label_figures` counts the model's labels, the audited ones and
  how many of those the reviewer kept.
* :func:`undo_auto_labels` withdraws every model label no reviewer has
  looked at (status ``undone``, kept in the history) and switches
  auto-labeling off, in one transaction; those items return to the pool. A
  label a reviewer accepted or corrected stays: a person decided on it.

Model labels never train a model (``activelabel.loop.training_labels``
leaves source ``model`` out): a model learning its own guesses would only
grow surer of its mistakes. A reviewer's correction does train, as any
correction does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Float,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from activelabel.exceptions import InvalidLabelError
from activelabel.store.annotations import annotation_row
from activelabel.store.final_labels import MODEL_SOURCE
from activelabel.store.gold import GOLD_AMONG
from activelabel.store.models import (
    Annotation,
    GoldAnswer,
    Project,
    QueueEntry,
    Review,
    utcnow,
)
from activelabel.store.review_columns import json_text

__all__ = [
    "MODEL_SOURCE",
    "AutoLabel",
    "AutoLabelFigures",
    "audit_sql",
    "auto_label_figures",
    "in_audit_share",
    "model_labeled_ids",
    "not_auto_labelable",
    "undo_auto_labels",
    "write_auto_labels",
]

#: A multiplicative hash constant other than the overlap share's, so that the
#: items audited and the items labeled twice are independent draws.
_MULTIPLIER: Final = 2_246_822_519
_RANGE: Final = 2**32


@dataclass(frozen=True)
class AutoLabel:
    """An item a round's model labels itself: the value and how sure it was."""

    item_id: int
    value: Any
    confidence: float


def in_audit_share(item_id: int, share: float) -> bool:
    """Whether the model's label of ``item_id`` is one of the ``share`` audited."""
    return share >= 1.0 or (item_id * _MULTIPLIER) % _RANGE < share * _RANGE


def audit_sql(item_id: Any, share: float) -> ColumnElement[bool]:
    """:func:`in_audit_share` in SQL (a 32-bit id times the multiplier fits in
    64 bits on both databases)."""
    if share >= 1.0:
        return true()
    hashed: ColumnElement[int] = (item_id * literal(_MULTIPLIER)) % literal(_RANGE)
    return hashed < literal(share * _RANGE, Float)


def model_labeled_ids(session: Session, project_id: int) -> set[int]:
    """Items of the project whose active label is the model's."""
    return set(
        session.scalars(
            select(Annotation.item_id).where(
                Annotation.project_id == project_id,
                Annotation.status == "active",
                Annotation.source == MODEL_SOURCE,
            )
        )
    )


def not_auto_labelable(
    session: Session,
    project_id: int,
    *,
    ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> set[int]:
    """Items of the project (of ``ids`` if given) the model must not label:
    already labeled by the model, leased to an annotator now, looked at by a
    reviewer, or gold. With ``ids``, items with any active label too (the
    round leaves those out of its pool itself)."""
    now = now or utcnow()
    if ids is not None and not ids:
        return set()

    def among(column: Any) -> list[ColumnElement[bool]]:
        return [] if ids is None else [column.in_(list(ids))]

    if ids is None:
        found = model_labeled_ids(session, project_id)
    else:
        found = set(
            session.scalars(
                select(Annotation.item_id).where(
                    Annotation.item_id.in_(list(ids)), Annotation.status == "active"
                )
            )
        )
    found.update(
        session.scalars(
            select(QueueEntry.item_id).where(
                QueueEntry.project_id == project_id,
                QueueEntry.leased_by.is_not(None),
                QueueEntry.lease_expires_at >= now,
                *among(QueueEntry.item_id),
            )
        )
    )
    found.update(
        session.scalars(
            select(Review.item_id)
            .where(Review.project_id == project_id, *among(Review.item_id))
            .distinct()
        )
    )
    if ids is None:
        found.update(
            session.scalars(
                select(GoldAnswer.item_id).where(GoldAnswer.project_id == project_id)
            )
        )
    else:
        found.update(session.scalars(GOLD_AMONG, {"ids": list(ids)}))
    return found


_INSERT_LABELS = insert(Annotation)


def write_auto_labels(
    session: Session,
    project: Project,
    labels: Sequence[AutoLabel],
    *,
    session_id: int | None,
    model_version_id: int | None,
    now: dt.datetime | None = None,
) -> list[int]:
    """Store a round's model labels (source ``model``, no annotator) in the
    caller's transaction; returns the ids of the items labeled.

    Items that changed since the round read the pool are skipped (see
    :func:`not_auto_labelable`), and so is a value the schema no longer
    allows (a label renamed or retired meanwhile). The labeled items leave
    the queue.
    """
    if not labels:
        return []
    now = now or utcnow()
    blocked = not_auto_labelable(
        session, project.id, ids=[label.item_id for label in labels], now=now
    )
    rows = []
    for label in labels:
        if label.item_id in blocked:
            continue
        blocked.add(label.item_id)
        try:
            rows.append(
                annotation_row(
                    project,
                    item_id=label.item_id,
                    value=label.value,
                    annotator_id=None,
                    source=MODEL_SOURCE,
                    session_id=session_id,
                    model_version_id=model_version_id,
                    now=now,
                )
            )
        except InvalidLabelError:
            continue
    if not rows:
        return []
    written = [row["item_id"] for row in rows]
    session.execute(_INSERT_LABELS, rows)
    session.execute(
        delete(QueueEntry).where(
            QueueEntry.project_id == project.id,
            QueueEntry.item_id.in_(written),
            or_(QueueEntry.leased_by.is_(None), QueueEntry.lease_expires_at < now),
        )
    )
    return written


@dataclass(frozen=True)
class AutoLabelFigures:
    """How many items the model labeled itself, and what their audit found."""

    #: Items whose label is the model's (active; a correction on top counts).
    auto_labeled: int = 0
    #: Audit-share model labels a reviewer decided on (a rejected one too).
    audited: int = 0
    #: Of those, the ones whose review kept the model's label.
    audited_correct: int = 0
    #: Audit-share model labels no reviewer has looked at yet.
    audit_waiting: int = 0

    @property
    def audited_accuracy(self) -> float | None:
        """Share of the audited labels the reviewers kept (None before any)."""
        return self.audited_correct / self.audited if self.audited else None

    def as_dict(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict."""
        return {
            "auto_labeled": self.auto_labeled,
            "audited": self.audited,
            "audited_correct": self.audited_correct,
            "audited_accuracy": self.audited_accuracy,
            "audit_waiting": self.audit_waiting,
        }


def auto_label_figures(session: Session, project: Project) -> AutoLabelFigures:
    """Count the project's model labels, audited ones and kept ones in one query.

    A review keeps the model's label when it accepts it, or corrects it to the
    same value; a rejection or another value does not.
    """
    share = project.settings.auto_accept_audit
    dialect = session.get_bind().dialect.name
    newest = (
        select(Review.item_id.label("item_id"), func.max(Review.id).label("review_id"))
        .where(Review.project_id == project.id)
        .group_by(Review.item_id)
        .subquery("newest")
    )
    review = aliased(Review, name="review")
    audit = audit_sql(Annotation.item_id, share)
    reviewed = review.id.is_not(None)
    kept = or_(
        review.decision == "accepted",
        and_(
            review.decision == "corrected",
            json_text(review.value, dialect) == json_text(Annotation.value, dialect),
        ),
    )
    active = Annotation.status == "active"

    def total(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            total(active),
            total(and_(audit, reviewed)),
            total(and_(audit, reviewed, kept)),
            total(and_(audit, active, ~reviewed)),
        )
        .select_from(Annotation)
        .outerjoin(newest, newest.c.item_id == Annotation.item_id)
        .outerjoin(review, review.id == newest.c.review_id)
        .where(
            Annotation.project_id == project.id,
            Annotation.source == MODEL_SOURCE,
            Annotation.status.in_(("active", "rejected")),
        )
    ).one()
    return AutoLabelFigures(*(int(n) for n in row))


def undo_auto_labels(
    session: Session, project: Project, *, now: dt.datetime | None = None
) -> int:
    """Withdraw every model label no reviewer has decided on, and switch
    auto-labeling off, in the caller's transaction; returns how many labels
    were withdrawn. Their items are unlabeled again: back in the pool."""
    now = now or utcnow()
    undone = session.execute(
        update(Annotation)
        .where(
            Annotation.project_id == project.id,
            Annotation.source == MODEL_SOURCE,
            Annotation.status == "active",
            ~exists().where(
                Review.project_id == project.id,
                Review.item_id == Annotation.item_id,
            ),
        )
        .values(status="undone", updated_at=bindparam("now", now))
        .execution_options(synchronize_session=False)
    )
    if project.settings.auto_accept is not None:
        project.update_settings(auto_accept=None)
    session.flush()
    return int(getattr(undone, "rowcount", 0) or 0)
