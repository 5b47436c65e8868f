"""Pydantic schemas of the review routes: decisions in, review lists and counts out."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, Field

from activelabel.server.schemas import MAX_ID, BodyId, Suggestion
from activelabel.store.review_filters import ItemFilters, ItemOrder
from activelabel.store.review_queue import MAX_PAGE_SIZE
from activelabel.store.reviews import MAX_NOTE

__all__ = [
    "BrowseQuery",
    "LabelIssuePublic",
    "ReviewCountsPublic",
    "ReviewCreate",
    "ReviewItemPublic",
    "ReviewItemsPublic",
    "ReviewLabelPublic",
    "ReviewPublic",
    "ReviewQuery",
    "ReviewRecordPublic",
]

ReviewState = Literal["unlabeled", "labeled", "accepted", "corrected", "rejected"]
Decision = Literal["accepted", "corrected", "rejected"]


class ReviewCreate(BaseModel):
    """A reviewer's decision on an item."""

    item_id: BodyId
    decision: Literal["accept", "correct", "reject"]
    value: Any = Field(
        default=None, description="the corrected label (decision `correct` only)"
    )
    note: str | None = Field(
        default=None,
        max_length=MAX_NOTE,
        description="for the annotator; needed to reject",
    )


class ReviewLabelPublic(BaseModel):
    """One active label of an item."""

    annotation_id: int
    annotator: str | None
    value: Any
    source: str
    created_at: dt.datetime


class ReviewRecordPublic(BaseModel):
    """An item's newest review."""

    decision: Decision
    reviewer: str | None
    note: str | None
    value: Any
    created_at: dt.datetime


class LabelIssuePublic(BaseModel):
    """The mislabel finder's entry of an item."""

    rank: int = Field(description="1 = most likely mislabeled")
    quality: float = Field(description="label quality score (low: likely wrong)")
    suggested: Any


class ReviewItemPublic(BaseModel):
    """An item as the review page and the browse view show it."""

    item_id: int
    external_id: str
    text: str | None
    data: dict[str, Any]
    media_url: str | None
    label: Any = Field(description="the final label; null when the item has none")
    decided_by: str | None = Field(
        description="how the label was decided: review, single, consensus, "
        "majority, tie, or the source of a label nobody gave by hand (import, "
        "rule, model)"
    )
    conflict: bool = Field(
        description="the annotators disagree and no reviewer settled it"
    )
    agreement: float | None = Field(
        description="share of the item's labels equal to the majority's"
    )
    n_annotators: int
    labels: list[ReviewLabelPublic] = Field(description="the item's active labels")
    review_state: ReviewState
    review: ReviewRecordPublic | None = Field(description="the newest review")
    suggestion: Suggestion | None = Field(
        description="the model's stored opinion: the queue's suggestion, else the "
        "mislabel finder's, else an imported prediction"
    )
    score: float | None = Field(description="the strategy's score in the queue")
    model_disagrees: bool
    rule_conflict: bool = Field(
        description="a labeling function gives a label the item's label lacks"
    )
    label_issue: LabelIssuePublic | None
    updated_at: dt.datetime | None = Field(
        description="the newest label or review of the item"
    )


class ReviewItemsPublic(BaseModel):
    """One page of a review list."""

    data: list[ReviewItemPublic]
    count: int = Field(description="items matching the filters, all pages")
    page: int
    page_size: int


class ReviewPublic(BaseModel):
    """A stored review and the item as it now stands."""

    id: int
    item_id: int
    decision: Decision
    value: Any
    note: str | None
    reviewer: str
    created_at: dt.datetime
    item: ReviewItemPublic


class ReviewCountsPublic(BaseModel):
    """Items by review state."""

    to_review: int = Field(description="labeled, not reviewed since")
    conflicts: int = Field(description="annotators disagree, not settled")
    accepted: int
    corrected: int
    rejected: int
    label_issues: int = Field(description="items on the mislabel finder's list")


class ReviewQuery(BaseModel):
    """The filters, sort and page of the review queue (query parameters)."""

    model_config = {"extra": "forbid"}

    state: Literal[
        "to_review", "accepted", "corrected", "rejected", "reviewed", "any"
    ] = Field(
        default="to_review",
        description="to_review: labeled, not reviewed since; reviewed: accepted, "
        "corrected or rejected",
    )
    annotator: str | None = Field(
        default=None, max_length=200, description="items this user labeled"
    )
    label: str | None = Field(
        default=None, max_length=200, description="items whose label holds it"
    )
    conflicts: bool = Field(default=False, description="only unsettled conflicts")
    model_disagrees: bool = Field(
        default=False, description="only items the model's stored opinion disagrees on"
    )
    max_agreement: float | None = Field(
        default=None, ge=0, le=1, description="only items with agreement below this"
    )
    rule_conflicts: bool = Field(
        default=False,
        description="only items a labeling function gives a label their label lacks",
    )
    label_issues: bool = Field(
        default=False, description="only items on the mislabel finder's list"
    )
    audit: bool = Field(
        default=False,
        description="only the model's own labels (auto_accept) routed to review "
        "as an audit",
    )
    sort: Literal[
        "id", "score", "confidence", "agreement", "updated", "issue_rank", "random"
    ] = "id"
    order: Literal["asc", "desc"] = "asc"
    seed: int = Field(default=0, ge=0, le=MAX_ID, description="the random order's seed")
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)

    def filters(self) -> ItemFilters:
        """The store's filters of this query."""
        return ItemFilters(
            state=self.state,
            annotator=self.annotator,
            label=self.label,
            conflicts=self.conflicts,
            model_disagrees=self.model_disagrees,
            max_agreement=self.max_agreement,
            rule_conflicts=self.rule_conflicts,
            label_issues=self.label_issues,
            audit=self.audit,
        )

    def ordering(self) -> ItemOrder:
        """The store's sort of this query."""
        return ItemOrder(key=self.sort, descending=self.order == "desc", seed=self.seed)


class BrowseQuery(ReviewQuery):
    """The browse view's query: the review queue's, over every item."""

    state: Literal[
        "to_review", "accepted", "corrected", "rejected", "reviewed", "any"
    ] = "any"
    labeled: Literal["any", "labeled", "unlabeled"] = "any"
    source: str | None = Field(
        default=None,
        max_length=16,
        description="items with an active label from this source (human, import, "
        "rule, model, review)",
    )

    def filters(self) -> ItemFilters:
        """The store's filters of this query."""
        return replace(super().filters(), labeled=self.labeled, source=self.source)
