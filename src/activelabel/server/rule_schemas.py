"""Schemas of the labeling-function ("Rules") routes: functions, their figures,
the label model against majority vote, and the items where rules and people
disagree."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "DisagreementPublic",
    "DisagreementsPublic",
    "KeywordFunctionCreate",
    "LabelingFunctionCreate",
    "LabelingFunctionPublic",
    "LabelingFunctionStatsPublic",
    "RegexFunctionCreate",
    "RulesPublic",
    "VoteFiguresPublic",
]

#: The longest regex or keyword the page sends (a request body is at most 1 MiB).
_PATTERN_LIMIT = 2_000


class LabelingFunctionStatsPublic(BaseModel):
    """How a function votes over the project's items (as Snorkel's LF analysis)."""

    coverage: float = Field(description="share of the items it votes on")
    overlap: float = Field(
        description="share of the items it votes on that another function votes on too"
    )
    conflict: float = Field(
        description="share of the items it votes on where another function "
        "votes a different label"
    )
    emitted: dict[str, int] = Field(description="label → items it voted that label on")
    accuracy: float | None = Field(
        description="share right of its votes on human-labeled items (null: it "
        "voted on none)"
    )
    n_accuracy: int = Field(description="human-labeled items it voted on")
    estimated_accuracy: float | None = Field(
        description="the label model's estimate of its accuracy"
    )


class LabelingFunctionPublic(BaseModel):
    """A labeling function: what it looks for, the label it votes, its figures."""

    name: str
    kind: Literal["keywords", "regex", "python", "alias"]
    label: str | None = Field(description="the label it votes (null: Python, its own)")
    keywords: list[str] | None = None
    pattern: str | None = None
    case_sensitive: bool | None = None
    enabled: bool
    disabled_reason: str | None
    version: int
    applied: bool = Field(
        description="its current version was applied to the items (figures are "
        "from that application)"
    )
    created_at: dt.datetime
    stats: LabelingFunctionStatsPublic | None = Field(
        description="null until it has been applied"
    )


class VoteFiguresPublic(BaseModel):
    """One way of turning the functions' votes into labels, on human-labeled items."""

    accuracy: float | None = Field(
        description="share of the human-labeled items it labels that it labels "
        "as the person did"
    )
    n: int = Field(description="human-labeled items it gives a label")
    coverage: float = Field(description="share of all items it gives a label")


class RulesPublic(BaseModel):
    """The project's labeling functions, and what their votes add up to."""

    data: list[LabelingFunctionPublic]
    count: int
    label_model: VoteFiguresPublic | None = Field(
        description="the label model (weights the functions by their estimated "
        "accuracy); null before a round fitted it"
    )
    majority_vote: VoteFiguresPublic | None = Field(
        description="the most voted label of each item, for comparison"
    )


class KeywordFunctionCreate(BaseModel):
    """A function voting ``label`` for items whose text holds one of the words."""

    kind: Literal["keywords"]
    name: str = Field(min_length=1, max_length=200)
    label: str = Field(min_length=1, max_length=200)
    keywords: list[Annotated[str, Field(max_length=_PATTERN_LIMIT)]] = Field(
        min_length=1, max_length=1_000
    )
    case_sensitive: bool = Field(default=False, strict=True)


class RegexFunctionCreate(BaseModel):
    """A function voting ``label`` for items whose text a regular expression matches."""

    kind: Literal["regex"]
    name: str = Field(min_length=1, max_length=200)
    label: str = Field(min_length=1, max_length=200)
    pattern: str = Field(min_length=1, max_length=_PATTERN_LIMIT)


#: What the page adds: keywords or a regex (Python functions are code: CLI only).
LabelingFunctionCreate = Annotated[
    KeywordFunctionCreate | RegexFunctionCreate, Field(discriminator="kind")
]


class DisagreementPublic(BaseModel):
    """An item whose human label the label model contradicts: a mislabel, or a
    rule's bug."""

    item_id: int
    external_id: str
    text: str | None
    human: Any = Field(description="the item's human label")
    weak: Any = Field(description="the label model's label")
    confidence: float | None = Field(description="the label model's probability")
    votes: dict[str, Any] = Field(description="function name → the label it voted")


class DisagreementsPublic(BaseModel):
    data: list[DisagreementPublic]
    count: int
