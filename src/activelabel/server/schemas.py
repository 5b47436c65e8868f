"""Pydantic schemas of the API: what comes in (Create/Update) and goes out (Public)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "AnnotationCreate",
    "AnnotationPublic",
    "AnnotationUpdate",
    "AnnotationsPublic",
    "ModelVersionPublic",
    "ModelVersionsPublic",
    "ProjectPublic",
    "ProjectUpdate",
    "ProjectsPublic",
    "StatsPublic",
    "Suggestion",
    "Task",
    "TaskSource",
    "TasksPublic",
    "TasksRequest",
    "TrainPublic",
    "UserPublic",
]


class UserPublic(BaseModel):
    name: str
    is_admin: bool


class ProjectPublic(BaseModel):
    name: str
    task: str
    modality: str
    labels: list[str]
    keys: dict[str, str]
    text_column: str | None = None
    retrain_every: int
    overlap: int
    items: int
    labeled_items: int


class ProjectsPublic(BaseModel):
    data: list[ProjectPublic]
    count: int


class ProjectUpdate(BaseModel):
    keys: dict[str, str] | None = Field(default=None, description="label → key")
    retrain_every: int | None = Field(default=None, ge=1, le=100_000)
    overlap: int | None = Field(default=None, ge=1, le=100)


class TasksRequest(BaseModel):
    n: int = Field(default=5, ge=1, le=100)
    exclude: list[int] = Field(default_factory=list, max_length=1000)


class Suggestion(BaseModel):
    label: Any
    confidence: float | None


class TaskSource(BaseModel):
    kind: Literal["random", "cold_start", "active_learning", "undo"]
    session_id: int
    strategy: str
    score: float | None


class Task(BaseModel):
    item_id: int
    external_id: str
    data: dict[str, Any]
    text: str | None
    media_url: str | None
    suggestion: Suggestion | None
    source: TaskSource
    lease_expires_at: dt.datetime


class TasksPublic(BaseModel):
    data: list[Task]
    queue_size: int
    model_version: str | None


class AnnotationCreate(BaseModel):
    item_id: int
    value: Any
    session_id: int | None = None
    seconds_spent: float | None = Field(default=None, ge=0, le=86_400)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    accepted_suggestion: bool = False


class AnnotationUpdate(BaseModel):
    value: Any


class AnnotationPublic(BaseModel):
    id: int
    item_id: int
    external_id: str
    value: Any
    annotator: str | None
    source: str
    status: str
    session_id: int | None
    seconds_spent: float | None
    accepted_suggestion: bool
    created_at: dt.datetime
    updated_at: dt.datetime | None
    text: str | None = None
    data: dict[str, Any] | None = None
    media_url: str | None = None


class AnnotationsPublic(BaseModel):
    data: list[AnnotationPublic]
    count: int


class ModelVersionPublic(BaseModel):
    id: int
    name: str
    n_labels: int
    featurizer: str
    cv_score: float | None
    metrics: dict[str, Any]
    created_at: dt.datetime


class ModelVersionsPublic(BaseModel):
    data: list[ModelVersionPublic]
    count: int


class TrainPublic(BaseModel):
    state: str


class StatsPublic(BaseModel):
    items: int
    labeled_items: int
    annotations: int
    label_counts: dict[str, int]
    by_annotator: dict[str, int]
    by_source: dict[str, int]
    queue_size: int
    model: dict[str, Any] | None
    learning_curve: list[dict[str, Any]]
    stopping: dict[str, Any]
    training: dict[str, Any]
