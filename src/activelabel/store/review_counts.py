"""The figures of the review progress panel: items by review state.

:func:`review_counts` is asked every few seconds, so it never runs a list's
query (:mod:`activelabel.store.review_queue`): it reads the reviews and makes
one pass over people's labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from activelabel.store.auto_labels import audit_sql
from activelabel.store.final_labels import (
    MODEL_SOURCE,
    NOT_VOTES,
    REVIEW_SOURCE,
    review_state,
)
from activelabel.store.models import Annotation, LabelIssue, Project, Review
from activelabel.store.review_columns import json_text

__all__ = ["ReviewCounts", "review_counts"]


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
