"""The API's shapes of a project's labels: likely mislabeled items, guidelines,
and changes of the label schema."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "AnnotatorQualityPublic",
    "GuidelinesPublic",
    "GuidelinesUpdate",
    "LabelChangeCreate",
    "LabelChangePublic",
    "LabelChangesPublic",
    "LabelIssuePublic",
    "LabelIssuesPublic",
]


class LabelIssuePublic(BaseModel):
    """An item whose label is likely wrong."""

    rank: int = Field(description="1 = the most likely mislabeled")
    item_id: int
    external_id: str
    text: str | None
    given: Any = Field(description="the label the model was trained with")
    suggested: Any = Field(description="what the out-of-fold model suggests")
    quality: float = Field(description="cleanlab's label quality (low: likely wrong)")


class AnnotatorQualityPublic(BaseModel):
    """An annotator's quality by CROWDLAB (needs overlap)."""

    name: str
    quality: float
    agreement: float = Field(description="share of their labels the consensus holds")
    labels: int


class LabelIssuesPublic(BaseModel):
    """The mislabel finder's list as the last round stored it."""

    data: list[LabelIssuePublic]
    count: int = Field(description="items in the whole list")
    model_version: str | None
    annotators: list[AnnotatorQualityPublic]
    note: str | None = None


class GuidelinesPublic(BaseModel):
    """A project's labeling instructions, in Markdown (render without raw HTML)."""

    markdown: str
    updated_by: str | None
    updated_at: dt.datetime | None
    labels_without_section: list[str] = Field(
        description="labels no heading of the guidelines names"
    )
    max_chars: int = Field(description="the longest guidelines kept")


class GuidelinesUpdate(BaseModel):
    """New guidelines (replace the old ones)."""

    markdown: str


class LabelChangeCreate(BaseModel):
    """A change of the label schema: add, rename or retire a label."""

    change: Literal["add", "rename", "retire"]
    label: str = Field(description="the label added, renamed or retired")
    new_label: str | None = Field(default=None, description="rename: the new name")
    key: str | None = Field(default=None, description="add: the key that gives it")


class LabelChangePublic(BaseModel):
    """One change of the schema, kept as history."""

    id: int
    change: Literal["added", "renamed", "retired"]
    label: str
    new_label: str | None
    items_touched: int
    changed_by: str | None
    created_at: dt.datetime


class LabelChangesPublic(BaseModel):
    """The schema's history, its labels now and the labels retired."""

    data: list[LabelChangePublic]
    count: int
    labels: list[str]
    retired: list[str]
