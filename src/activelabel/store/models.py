"""SQLAlchemy 2 typed models: the database schema of a labeling project.

One database holds many projects. Everything a person produces (annotations) or
the model loop produces (model versions, query sessions, the queue) hangs off a
project. JSON columns become JSONB on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from activelabel.project_config import ProjectConfig

__all__ = [
    "Annotation",
    "Base",
    "GoldAnswer",
    "Guidelines",
    "Item",
    "Job",
    "LabelChange",
    "LabelIssue",
    "LabelingFunction",
    "LfOutput",
    "MediaRoot",
    "ModelVersion",
    "Prediction",
    "Project",
    "QuerySession",
    "QueueEntry",
    "Review",
    "User",
    "WeakLabel",
    "utcnow",
]

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        Any: JSONType,
    }


class User(Base):
    """A user: a name, a role, and the hash of their API token."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: annotator, reviewer or admin (``store.users.ROLES``); what the server allows.
    role: Mapped[str] = mapped_column(
        String(16), default="annotator", server_default="annotator"
    )
    #: Written in step with ``role`` (admin), read by nothing: kept so the
    #: users table is never rebuilt (see migration 0005).
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    #: Set by ``activelabel user revoke``: the token is refused from then on.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    #: The last request with the token, written at most once a minute.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class Project(Base):
    """A labeling project: what is labeled, how, and with which labels."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    task: Mapped[str] = mapped_column(String(32))
    modality: Mapped[str] = mapped_column(String(32))
    #: Ordered label schema; the order is the order of keys and columns.
    labels: Mapped[list[Any]] = mapped_column(JSONType)
    #: Settings as JSON; read and written only through :attr:`settings`
    #: (:class:`~activelabel.project_config.ProjectConfig`).
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    items: Mapped[list[Item]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def settings(self) -> ProjectConfig:
        """The project's settings, typed, each with its one default."""
        # Read on every label request; validating a stop set of 1,000 ids costs
        # ~20 µs, so the result is kept while ``config`` is the same object
        # (update_settings always assigns a new one).
        config = self.config
        kept = self.__dict__.get("_settings_read")
        if kept is not None and kept[0] is config:
            return cast(ProjectConfig, kept[1])
        settings = ProjectConfig.from_json(config)
        self.__dict__["_settings_read"] = (config, settings)
        return settings

    def update_settings(self, **changes: Any) -> ProjectConfig:
        """Validate ``changes``, store them, and return the new settings."""
        settings = self.settings.replace(**changes)
        # A new dict object, so SQLAlchemy sees the JSON column change.
        self.config = settings.to_json()
        return settings


class MediaRoot(Base):
    """A folder media files were imported from; each import records its own."""

    __tablename__ = "media_roots"
    __table_args__ = (
        UniqueConstraint("project_id", "path", name="uq_media_roots_project_path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    #: Absolute, resolved path of the folder.
    path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class Item(Base):
    """One thing to label: its original fields, a stable id, and maybe a media file."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("project_id", "external_id", name="uq_items_project_external"),
        Index("ix_items_project_hash", "project_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No separate index: uq_items_project_external starts with project_id.
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    #: The id given by the source, or the content hash when none was given.
    external_id: Mapped[str] = mapped_column(String(512))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The folder ``media_path`` is relative to (None for items without media).
    media_root_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_roots.id", ondelete="CASCADE"), default=None
    )
    #: Path of the media file relative to its media root.
    media_path: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    project: Mapped[Project] = relationship(back_populates="items")


class Annotation(Base):
    """One label given to one item by one annotator (or the model, a rule, an import)."""

    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_item", "item_id"),
        Index("ix_annotations_project_status", "project_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    annotator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    value: Mapped[Any] = mapped_column(JSONType)
    #: human | model | rule | import
    source: Mapped[str] = mapped_column(String(16), default="human")
    #: active | undone | superseded
    status: Mapped[str] = mapped_column(String(16), default="active")
    #: The query session the item was served in (None when it was not served).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("query_sessions.id", ondelete="SET NULL"), default=None
    )
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"), default=None
    )
    seconds_spent: Mapped[float | None] = mapped_column(Float, default=None)
    #: A unique id chosen by the client, so a resent request is stored once.
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    #: The annotator accepted the model's suggestion (the key for "accept").
    accepted_suggestion: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class ModelVersion(Base):
    """A trained model: its scores, how many labels it saw, and its skops artifact."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    #: UTC timestamp + CV score, e.g. ``20261121T120501Z-cv0.912``.
    name: Mapped[str] = mapped_column(String(200))
    n_labels: Mapped[int] = mapped_column(Integer)
    featurizer: Mapped[str] = mapped_column(String(200))
    cv_score: Mapped[float | None] = mapped_column(Float, default=None)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: The fitted estimator serialized with skops (never pickle).
    artifact: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class QuerySession(Base):
    """One scoring run: which model and strategy ordered the queue, and when."""

    __tablename__ = "query_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"), default=None
    )
    #: random | cold_start | the name of an active-learning strategy
    strategy: Mapped[str] = mapped_column(String(64))
    pool_size: Mapped[int] = mapped_column(Integer, default=0)
    n_queued: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class QueueEntry(Base):
    """One of the top-K items waiting to be labeled, maybe leased to an annotator."""

    __tablename__ = "queue"
    __table_args__ = (
        UniqueConstraint("project_id", "item_id", name="uq_queue_project_item"),
        Index("ix_queue_project_priority", "project_id", "priority"),
        # An annotator's own leases are found without scanning the queue.
        Index("ix_queue_leased_by", "leased_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("query_sessions.id", ondelete="CASCADE")
    )
    #: Higher is served first.
    priority: Mapped[float] = mapped_column(Float)
    #: The model's suggestion and its confidence, when a model exists.
    suggestion: Mapped[Any | None] = mapped_column(JSONType, default=None)
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    #: Who suggested it: None for the round's model, ``rules`` for the label
    #: model over the labeling functions (migration 0009), ``prediction:<name>``
    #: for an imported prediction of the model ``<name>`` (migration 0010).
    suggestion_source: Mapped[str | None] = mapped_column(String(240), default=None)
    #: The strategy's score for the item (uncertainty, ...), shown to the annotator.
    score: Mapped[float | None] = mapped_column(Float, default=None)
    leased_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class Job(Base):
    """Background work asked for (train and rescore); the worker claims and runs it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_project_state", "project_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    #: train (train, score the pool, refill the queue) | refill (queue only)
    kind: Mapped[str] = mapped_column(String(32))
    #: queued | running | done | failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    #: Figures the run reports (seconds, pool size, model version name).
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    started_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    #: Renewed every few seconds by the server running the job; a running job
    #: whose heartbeat stopped was left by a server that died (migration 0007).
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    finished_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class Prediction(Base):
    """A label another model gave an item, imported with ``--as-predictions``.

    Not an annotation: it never counts as a label and no model trains on it.
    The page shows it as the item's suggestion when the loop has none. One per
    item and model name; importing the same model's file again replaces it.
    """

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("item_id", "model_name", name="uq_predictions_item_model"),
        Index("ix_predictions_project", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    #: The name the import gave (``--model-name``; the file's own when it names one).
    model_name: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSONType)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    #: A label-set prediction's score per label, when the file gave them
    #: (migration 0010).
    label_scores: Mapped[dict[str, float] | None] = mapped_column(
        JSONType, default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class LabelingFunction(Base):
    """A labeling function of a project: keywords, a regex, Python code or an alias.

    ``spec`` holds what the kind needs (keywords and case sensitivity, a
    pattern, a Python function's name); ``code`` a Python function's module
    source. ``version`` grows with every change; ``applied_version``,
    ``applied_max_item_id`` and ``applied_items`` record what
    :mod:`activelabel.weak` applied, so new items and changed functions are
    applied alone.
    """

    __tablename__ = "labeling_functions"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_lfs_project_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    #: keywords | regex | python | alias
    kind: Mapped[str] = mapped_column(String(16))
    #: The label it emits (None for Python functions, which return their own).
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    code: Mapped[str | None] = mapped_column(Text, default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: Why it was disabled (it raised, or ran past its time limit), a sentence.
    disabled_reason: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    applied_version: Mapped[int | None] = mapped_column(Integer, default=None)
    applied_max_item_id: Mapped[int | None] = mapped_column(Integer, default=None)
    applied_items: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class LfOutput(Base):
    """One cell of the label matrix: a function emitted a label for an item.

    An abstain is no row; a multi-label function's list is one row per label.
    """

    __tablename__ = "lf_outputs"
    __table_args__ = (
        PrimaryKeyConstraint("lf_id", "item_id", "label", name="pk_lf_outputs"),
        Index("ix_lf_outputs_project_item", "project_id", "item_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    lf_id: Mapped[int] = mapped_column(
        ForeignKey("labeling_functions.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))


class WeakLabel(Base):
    """The label model's label of an item and its confidence (one per item)."""

    __tablename__ = "weak_labels"
    __table_args__ = (
        UniqueConstraint("item_id", name="uq_weak_labels_item"),
        Index("ix_weak_labels_project", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    value: Mapped[Any] = mapped_column(JSONType)
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    #: Which label model gave it (``dawid_skene``, ``majority_vote``, ...).
    label_model: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class Review(Base):
    """A reviewer's decision on an item; the newest is the item's review state."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_project_item", "project_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    #: The label reviewed (None when the review settled a conflict of several).
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), default=None
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    #: accepted | corrected | rejected
    decision: Mapped[str] = mapped_column(String(16))
    #: The corrected value (corrected), else None.
    value: Mapped[Any | None] = mapped_column(JSONType, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class GoldAnswer(Base):
    """An item with a known answer, mixed into annotators' queues to score them."""

    __tablename__ = "gold_answers"
    __table_args__ = (Index("ix_gold_answers_project", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class Guidelines(Base):
    """A project's labeling instructions, in Markdown."""

    __tablename__ = "guidelines"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    markdown: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class LabelChange(Base):
    """A change of the label schema (added, renamed, retired), kept as history."""

    __tablename__ = "label_changes"
    __table_args__ = (Index("ix_label_changes_project", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    #: added | renamed | retired
    change: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    new_label: Mapped[str | None] = mapped_column(String(200), default=None)
    items_touched: Mapped[int] = mapped_column(Integer, default=0)
    changed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class LabelIssue(Base):
    """An item the mislabel finder ranks as likely mislabeled (1 = most likely)."""

    __tablename__ = "label_issues"
    __table_args__ = (
        UniqueConstraint("project_id", "item_id", name="uq_label_issues_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    #: cleanlab's label quality score (low: likely mislabeled).
    quality: Mapped[float] = mapped_column(Float)
    given: Mapped[Any | None] = mapped_column(JSONType, default=None)
    suggested: Mapped[Any | None] = mapped_column(JSONType, default=None)
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
