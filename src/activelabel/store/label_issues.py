"""The mislabel finder's list of a project, as the round (or the CLI) stored it.

One row per flagged item, ``rank`` 1 the most likely mislabeled; each round
that finds issues replaces the whole list (:func:`replace_label_issues`), so
the list is always the newest model's judgement. The review queue's
"label issues" filter and ``activelabel label-issues`` read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from activelabel.store.models import Annotation, Item, LabelIssue, ModelVersion, User

__all__ = [
    "FoundLabelIssue",
    "StoredLabelIssue",
    "add_label_issues",
    "annotator_labels",
    "annotator_quality",
    "drop_label_issues",
    "read_label_issues",
    "replace_label_issues",
]


@dataclass(frozen=True)
class FoundLabelIssue:
    """A flagged item, ready to store."""

    item_id: int
    rank: int
    quality: float
    given: Any
    suggested: Any


@dataclass(frozen=True)
class StoredLabelIssue:
    """A stored issue with what a person reads next to it."""

    rank: int
    item_id: int
    external_id: str
    text: str | None
    quality: float
    given: Any
    suggested: Any
    model_version: str | None


def replace_label_issues(
    session: Session,
    project_id: int,
    issues: Sequence[FoundLabelIssue],
    *,
    model_version_id: int | None,
) -> int:
    """Replace the project's list with ``issues`` in one transaction; return
    how many were stored. (A round writes in slices instead:
    :func:`drop_label_issues`, :func:`add_label_issues`.)"""
    session.execute(delete(LabelIssue).where(LabelIssue.project_id == project_id))
    return add_label_issues(
        session, project_id, issues, model_version_id=model_version_id
    )


def drop_label_issues(session: Session, project_id: int, *, limit: int) -> int:
    """Delete up to ``limit`` of the project's stored issues; return how many went."""
    ids = select(LabelIssue.id).where(LabelIssue.project_id == project_id)
    result = session.execute(
        delete(LabelIssue).where(LabelIssue.id.in_(ids.limit(limit).scalar_subquery()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def add_label_issues(
    session: Session,
    project_id: int,
    issues: Sequence[FoundLabelIssue],
    *,
    model_version_id: int | None,
) -> int:
    """Store ``issues`` beside the project's list; return how many."""
    if issues:
        session.execute(
            insert(LabelIssue),
            [
                {
                    "project_id": project_id,
                    "item_id": issue.item_id,
                    "rank": issue.rank,
                    "quality": issue.quality,
                    "given": issue.given,
                    "suggested": issue.suggested,
                    "model_version_id": model_version_id,
                }
                for issue in issues
            ],
        )
    return len(issues)


def read_label_issues(
    session: Session,
    project_id: int,
    *,
    limit: int | None = None,
    text_field: str | None = None,
) -> list[StoredLabelIssue]:
    """The project's stored list, most likely mislabeled first.

    ``text_field`` names the item field shown as its text (None: no text).
    """
    query = (
        select(
            LabelIssue.rank,
            LabelIssue.item_id,
            Item.external_id,
            Item.data,
            LabelIssue.quality,
            LabelIssue.given,
            LabelIssue.suggested,
            ModelVersion.name,
        )
        .join(Item, Item.id == LabelIssue.item_id)
        .outerjoin(ModelVersion, ModelVersion.id == LabelIssue.model_version_id)
        .where(LabelIssue.project_id == project_id)
        .order_by(LabelIssue.rank)
    )
    if limit is not None:
        query = query.limit(limit)
    found = []
    for (
        rank,
        item_id,
        external_id,
        data,
        quality,
        given,
        suggested,
        model,
    ) in session.execute(query):
        text = None
        if text_field is not None and isinstance(data, dict):
            raw = data.get(text_field)
            text = None if raw is None else str(raw)
        found.append(
            StoredLabelIssue(
                rank=rank,
                item_id=item_id,
                external_id=external_id,
                text=text,
                quality=float(quality),
                given=given,
                suggested=suggested,
                model_version=model,
            )
        )
    return found


def annotator_labels(
    session: Session, project_id: int
) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """Every annotator's active label of each item they labeled, for the
    consensus of several annotators: (annotator names, item id -> {name: value}).

    People's labels only (``human``): an import, a rule or a review's
    decision is not an annotator's whose quality could be measured.
    """
    by_item: dict[int, dict[str, Any]] = {}
    names: dict[str, None] = {}
    query = (
        select(Annotation.item_id, User.name, Annotation.value)
        .join(User, User.id == Annotation.annotator_id)
        .where(
            Annotation.project_id == project_id,
            Annotation.status == "active",
            Annotation.source == "human",
        )
        .order_by(Annotation.id)
    )
    for item_id, name, value in session.execute(query):
        names.setdefault(name, None)
        by_item.setdefault(item_id, {})[name] = value
    return list(names), by_item


def annotator_quality(session: Session, project_id: int) -> dict[str, dict[str, float]]:
    """Each annotator's CROWDLAB figures (quality, agreement with the
    consensus, labels) as the newest model version recorded them; empty
    without overlap or before a model."""
    metrics = session.scalar(
        select(ModelVersion.metrics)
        .where(ModelVersion.project_id == project_id)
        .order_by(ModelVersion.id.desc())
        .limit(1)
    )
    figures = (metrics or {}).get("annotators")
    return dict(figures) if isinstance(figures, dict) else {}
