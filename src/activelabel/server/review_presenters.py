"""Turn review rows into the review routes' public shapes."""

from __future__ import annotations

from activelabel.server.presenters import _media_url, item_text
from activelabel.server.review_schemas import (
    LabelIssuePublic,
    ReviewCountsPublic,
    ReviewItemPublic,
    ReviewItemsPublic,
    ReviewLabelPublic,
    ReviewRecordPublic,
)
from activelabel.server.schemas import Suggestion
from activelabel.store.models import Project
from activelabel.store.review_counts import ReviewCounts
from activelabel.store.review_queue import ReviewPage, ReviewRow

__all__ = ["review_counts_public", "review_item_public", "review_page_public"]


def review_item_public(project: Project, row: ReviewRow) -> ReviewItemPublic:
    """One item of a review list as the page shows it."""
    item, decided = row.item, row.decided
    return ReviewItemPublic(
        item_id=item.id,
        external_id=item.external_id,
        text=item_text(project, item.data),
        data=item.data,
        media_url=_media_url(project, item.id) if item.media_path else None,
        label=None if decided is None else decided.value,
        decided_by=None if decided is None else decided.decided_by,
        conflict=decided is not None and decided.conflict,
        agreement=None if decided is None else decided.agreement,
        n_annotators=0 if decided is None else decided.n_annotators,
        labels=[
            ReviewLabelPublic(
                annotation_id=label.annotation_id,
                annotator=label.annotator,
                value=label.value,
                source=label.source,
                created_at=label.created_at,
            )
            for label in row.labels
        ],
        review_state=row.state,
        review=None
        if row.review is None
        else ReviewRecordPublic(
            decision=row.review.decision,
            reviewer=row.review.reviewer,
            note=row.review.note,
            value=row.review.value,
            created_at=row.review.created_at,
        ),
        suggestion=None
        if row.suggestion is None
        else Suggestion(label=row.suggestion, confidence=row.confidence),
        score=row.score,
        model_disagrees=row.model_disagrees,
        rule_conflict=row.rule_conflict,
        label_issue=None
        if row.issue is None
        else LabelIssuePublic(
            rank=row.issue.rank,
            quality=row.issue.quality,
            suggested=row.issue.suggested,
        ),
        updated_at=row.updated_at,
    )


def review_page_public(project: Project, page: ReviewPage) -> ReviewItemsPublic:
    """A page of a review list."""
    return ReviewItemsPublic(
        data=[review_item_public(project, row) for row in page.rows],
        count=page.total,
        page=page.page,
        page_size=page.page_size,
    )


def review_counts_public(counts: ReviewCounts) -> ReviewCountsPublic:
    """Items by review state."""
    return ReviewCountsPublic(**counts.as_dict())
