"""Pydantic schemas of the API: what comes in (Create/Update) and goes out (Public)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from fastapi import Path, Query
from pydantic import BaseModel, Field

__all__ = [
    "MAX_ID",
    "ActionKeysPublic",
    "AnnotationCreate",
    "AnnotationPublic",
    "AnnotationUpdate",
    "AnnotationsPublic",
    "AutoLabelsPublic",
    "AutoLabelsUndonePublic",
    "BodyId",
    "ClassFiguresPublic",
    "IdPath",
    "IdQuery",
    "ImportedOrderClearedPublic",
    "ModelFiguresPublic",
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

#: The largest id the databases hold: ids are ``INTEGER`` columns, 32-bit on
#: PostgreSQL (64 on SQLite). A larger number in a request is a 422, not an
#: overflow deep in the database driver.
MAX_ID = 2**31 - 1

#: An id in a JSON body: a whole number in range, never ``true`` or ``"5"``.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
#: An id in the path (always text in a URL, so not strict).
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: An id in the query string.
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID)]


class UserPublic(BaseModel):
    name: str
    role: Literal["annotator", "reviewer", "admin"] = Field(
        description="what the server lets this user do (see the role matrix)"
    )
    #: Kept for clients of the first API: ``role == "admin"``.
    is_admin: bool


class ActionKeysPublic(BaseModel):
    """An action of the labeling page and the keys that run it."""

    action: str
    keys: list[str]
    description: str


class ProjectPublic(BaseModel):
    name: str
    task: str
    editor: str = Field(description="the page's editor for this task kind")
    modality: str
    labels: list[str]
    keys: dict[str, str] = Field(
        description="label → key, final: every label that has a key"
    )
    actions: list[ActionKeysPublic] = Field(
        default_factory=list, description="the page's action keys on this modality"
    )
    review_actions: list[ActionKeysPublic] = Field(
        default_factory=list,
        description="the review page's action keys on this modality (label keys "
        "there give the corrected label)",
    )
    reserved_keys: list[str] = Field(
        default_factory=list, description="keys no label can take"
    )
    parents: dict[str, list[str]] = Field(
        default_factory=dict,
        description="label → its parent labels (the taxonomy): the page groups "
        "labels under their parents and shows a given label's parents given",
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="alias → label (the taxonomy): the label search finds a "
        "label by its aliases too",
    )
    text_column: str | None = None
    retrain_every: int
    overlap: int
    overlap_share: float = Field(
        default=1.0,
        description="the share of items (chosen at random, stably) "
        "labeled by `overlap` annotators; the others by one",
    )
    gold_rate: float = Field(
        default=0.0,
        description="the share of an annotator's tasks that are gold "
        "items (known answers that score them)",
    )
    auto_accept: float | None = Field(
        default=None,
        description="the confidence at which the model labels an item itself "
        "(source model); null: off",
    )
    auto_accept_max: int = Field(
        default=100, description="items the model may label itself in one round"
    )
    auto_accept_audit: float = Field(
        default=0.1,
        description="the share of the model's own labels sent to review (audit)",
    )
    model: str | None = Field(
        default=None,
        description="the classifier chosen: logistic, gradient_boosting or auto; "
        "null: the default (logistic)",
    )
    automl_budget: float = Field(
        default=60.0, description="seconds an AutoML search may take (model auto)"
    )
    featurizer: str | None = Field(
        default=None,
        description="the featurizer chosen; null: the modality's default "
        "(`default_featurizer`)",
    )
    featurizers: list[str] = Field(
        default_factory=list,
        description="the featurizers this project's modality can use",
    )
    default_featurizer: str | None = Field(
        default=None, description="the featurizer used when none is chosen"
    )
    augment: bool | None = Field(
        default=None,
        description="whether the model learns augmented copies of labeled media; "
        "null: the modality's default (`augment_default`)",
    )
    augment_default: bool | None = Field(
        default=None,
        description="whether this modality augments when augment is null; null: "
        "the modality has no augmentation (text, tables)",
    )
    items: int
    labeled_items: int


class ProjectsPublic(BaseModel):
    data: list[ProjectPublic]
    count: int


class ProjectUpdate(BaseModel):
    keys: dict[str, str] | None = Field(default=None, description="label → key")
    retrain_every: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    overlap: int | None = Field(default=None, ge=1, le=100, strict=True)
    overlap_share: float | None = Field(default=None, gt=0.0, le=1.0, strict=True)
    gold_rate: float | None = Field(default=None, ge=0.0, le=0.5, strict=True)
    auto_accept: float | None = Field(
        default=None,
        gt=0.5,
        le=1.0,
        strict=True,
        description="the model labels an item itself at this confidence; an "
        "explicit null switches it off",
    )
    auto_accept_max: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    auto_accept_audit: float | None = Field(default=None, ge=0.0, le=1.0, strict=True)
    # model, automl_budget, featurizer and augment are checked where the
    # command's are (store.project_settings), so both refuse a value with the
    # same sentence.
    model: str | None = Field(
        default=None,
        max_length=64,
        description="the classifier: logistic, gradient_boosting or auto "
        "(AutoML search); an explicit null returns to the default (logistic)",
    )
    automl_budget: float | None = Field(
        default=None, description="seconds an AutoML search may take (model auto)"
    )
    featurizer: str | None = Field(
        default=None,
        max_length=64,
        description="how items become features, one of the project's "
        "`featurizers`; an explicit null returns to the modality's default",
    )
    augment: bool | None = Field(
        default=None,
        strict=True,
        description="learn augmented copies of labeled images and clips; an "
        "explicit null returns to the modality's default",
    )


class TasksRequest(BaseModel):
    n: int = Field(default=5, ge=1, le=100, strict=True)
    exclude: list[BodyId] = Field(default_factory=list, max_length=1000)


class Suggestion(BaseModel):
    label: Any
    confidence: float | None
    source: Literal["model", "rules", "prediction"] = Field(
        default="model",
        description="who suggested it: the round's model, the label model "
        "over the labeling functions, or another model's imported prediction "
        "(no model suggestion for the item yet)",
    )
    model_name: str | None = Field(
        default=None,
        description="the imported model's name, when source is prediction",
    )


class TaskSource(BaseModel):
    #: ``review``: a reviewer rejected the item's label and sent it back.
    kind: Literal["random", "cold_start", "active_learning", "undo", "review"]
    session_id: int
    strategy: str
    score: float | None


class TextLayout(BaseModel):
    """How a span editor lays out an item's text."""

    direction: Literal["ltr", "rtl"]
    #: ``[start, end]`` character offsets of each token in the task's ``text``.
    tokens: list[tuple[int, int]]


class Task(BaseModel):
    item_id: int
    external_id: str
    data: dict[str, Any]
    text: str | None
    media_url: str | None
    suggestion: Suggestion | None
    source: TaskSource
    lease_expires_at: dt.datetime
    #: The text's direction and tokens, for task kinds that label parts of a
    #: text (spans); null for the others.
    layout: TextLayout | None = None
    #: A reviewer's note when the item came back from review (its label was
    #: rejected); null otherwise.
    review_note: str | None = None


class TasksPublic(BaseModel):
    data: list[Task]
    queue_size: int
    model_version: str | None


class AnnotationCreate(BaseModel):
    item_id: BodyId
    value: Any
    session_id: BodyId | None = None
    seconds_spent: float | None = Field(default=None, ge=0, le=86_400, strict=True)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    accepted_suggestion: bool = Field(default=False, strict=True)


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
    #: The item's newest review made since this label was given (accepted,
    #: corrected, rejected), and its note; null when none.
    review_state: str | None = None
    review_note: str | None = None


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


#: The held-out figure a model is named by: accuracy (one label), subset
#: accuracy (every label of an item right), entity-level F1 (spans), mean
#: average precision at IoU 0.5 (boxes).
ScoreMetric = Literal["accuracy", "subset_accuracy", "entity_f1", "map50"]
SCORE_METRICS: tuple[str, ...] = get_args(ScoreMetric)


class ClassFiguresPublic(BaseModel):
    """How the model does on one class, from its out-of-fold predictions."""

    precision: float
    recall: float
    support: int


class ModelFiguresPublic(BaseModel):
    """The latest model and its cross-validated figures, each named."""

    name: str
    n_labels: int
    created_at: dt.datetime
    cv_score: float | None = Field(
        description="the score in the version's name: `score_metric` of the model"
    )
    score_metric: ScoreMetric
    accuracy: float | None = Field(
        description="the `score_metric` on held-out items: the share predicted "
        "right (multi-label: all labels right), or entity-level F1 for spans"
    )
    macro_f1: float | None = Field(description="F1 averaged over classes, unweighted")
    per_class: dict[str, ClassFiguresPublic]
    unlearned: list[str] = Field(
        description="classes the model never predicts right yet (recall 0 or never "
        "predicted); its suggestions carry a warning"
    )
    cv_note: str | None
    model_summary: str | None = Field(
        default=None,
        description="how an AutoML project's model was chosen, e.g. `AutoML: random "
        "forest, macro-F1 0.91 vs logistic 0.88 (42 trials in 58 s)`; null for "
        "a project that does not search",
    )
    featurizer_summary: str | None = Field(
        default=None,
        description="the featurizer an `auto` project uses and the cross-validated "
        "macro-F1 of each it compared, e.g. `Features: embeddings (auto, macro-F1 "
        "0.97; tfidf 0.44, both 0.83; compared at 40 labels, again at 80)`; null "
        "for a project that named its featurizer",
    )
    calibration_summary: str | None = Field(
        default=None,
        description="whether the confidences are calibrated and the held-out "
        "expected calibration error before and after, e.g. `Confidences "
        "calibrated (temperature 0.29): held-out calibration error 0.29 → 0.12`",
    )


class AutoLabelsPublic(BaseModel):
    """The model's own labels (``auto_accept``) and what their audit found."""

    auto_labeled: int = Field(
        default=0, description="items whose label the model gave itself"
    )
    audited: int = Field(
        default=0, description="of the audit share, the ones a reviewer decided on"
    )
    audited_correct: int = Field(
        default=0, description="audited labels the reviewer kept"
    )
    audited_accuracy: float | None = Field(
        default=None, description="audited_correct / audited; null before any audit"
    )
    audit_waiting: int = Field(
        default=0, description="audit-share labels no reviewer has decided on yet"
    )


class AutoLabelsUndonePublic(BaseModel):
    """What undoing the model's own labels did."""

    undone: int = Field(description="model labels withdrawn (their items unlabeled)")
    auto_labels: AutoLabelsPublic


class ImportedOrderClearedPublic(BaseModel):
    """What clearing an imported labeling order (a queries file's) did."""

    removed: int = Field(description="queue entries taken out (items back in the pool)")
    held: int = Field(description="entries annotators hold, left with them")


class StatsPublic(BaseModel):
    items: int
    labeled_items: int
    annotations: int
    label_counts: dict[str, int]
    by_annotator: dict[str, int]
    by_source: dict[str, int]
    queue_size: int
    model: ModelFiguresPublic | None
    learning_curve: list[dict[str, Any]]
    stopping: dict[str, Any]
    training: dict[str, Any]
    review: dict[str, int] = Field(
        default_factory=dict,
        description="items by review state: to_review, conflicts, accepted, "
        "corrected, rejected, label_issues",
    )
    auto_labels: AutoLabelsPublic = Field(
        default_factory=AutoLabelsPublic,
        description="the model's own labels (auto_accept) and their audit",
    )
