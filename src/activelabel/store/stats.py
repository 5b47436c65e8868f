"""Figures about a project: sizes, label distribution, annotators, models, queue."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from activelabel.store.model_versions import (
    NEWEST_MODEL_ID,
    count_model_versions,
    newest_model_point,
)
from activelabel.store.models import (
    Annotation,
    Item,
    ModelVersion,
    Project,
    User,
)
from activelabel.store.queue import QUEUE_COUNT, queue_size
from activelabel.store.taxonomy_labels import TAXONOMY_SOURCE

__all__ = [
    "QUEUE_STATUS",
    "ModelRef",
    "ProjectStats",
    "QueueStatus",
    "project_stats",
    "queue_status",
    "queue_status_of",
]


@dataclass
class ProjectStats:
    """What a person wants to know about a project at a glance."""

    name: str
    task: str
    modality: str
    labels: list[str]
    items: int = 0
    labeled_items: int = 0
    annotations: int = 0
    #: Active annotations per label (for list values, each label in the list counts).
    label_counts: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_annotator: dict[str, int] = field(default_factory=dict)
    model_versions: int = 0
    latest_model: str | None = None
    #: The latest model's cross-validated accuracy (its version name's score).
    latest_cv_score: float | None = None
    latest_macro_f1: float | None = None
    #: What the latest model's CV score measures (``accuracy``, ``entity_f1``…).
    latest_score_metric: str = "accuracy"
    #: Classes the latest model never predicted right in cross-validation.
    latest_unlearned: list[str] = field(default_factory=list)
    queue_size: int = 0
    #: Items by review state: to_review, conflicts, accepted, corrected,
    #: rejected, label_issues (:func:`~activelabel.store.review_counts.review_counts`).
    review: dict[str, int] = field(default_factory=dict)
    #: The model's own labels (``auto_accept``): auto_labeled, audited,
    #: audited_correct, audited_accuracy, audit_waiting
    #: (:func:`~activelabel.store.auto_labels.auto_label_figures`).
    auto_labels: dict[str, Any] = field(default_factory=dict)

    @property
    def unlabeled_items(self) -> int:
        """Items with no active annotation."""
        return self.items - self.labeled_items

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for ``--json`` and the API)."""
        data = dict(self.__dict__)
        data["unlabeled_items"] = self.unlabeled_items
        return data


@dataclass(frozen=True)
class ModelRef:
    """The id and name of a model version, without its (large) artifact."""

    id: int
    name: str


@dataclass(frozen=True)
class QueueStatus:
    """What the page is told with every batch of tasks."""

    #: Entries waiting in the queue.
    size: int
    #: The newest model version, or None before the first training.
    model: ModelRef | None


# Built once: asked on every "next task", where building the statement and its
# cache key cost more than running it.
#: The queue's size and the newest model (id, name) as one row, in
#: :func:`queue_status` and inside the PostgreSQL lease statement.
QUEUE_STATUS = select(
    QUEUE_COUNT.scalar_subquery().label("size"),
    NEWEST_MODEL_ID.label("model_id"),
    select(ModelVersion.name)
    .where(ModelVersion.id == NEWEST_MODEL_ID)
    .scalar_subquery()
    .label("model_name"),
)


def queue_status(connection: Connection, *, project_id: int) -> QueueStatus:
    """The queue's size and the newest model version, in one statement.

    Asked on every "next task", so both come back in one round trip.
    """
    row = connection.execute(QUEUE_STATUS, {"project": project_id}).one()
    return queue_status_of(*row)


def queue_status_of(
    size: int | None, model_id: int | None, model_name: str | None
) -> QueueStatus:
    """The :class:`QueueStatus` in a row of :data:`QUEUE_STATUS`'s columns."""
    model = None if model_id is None else ModelRef(id=model_id, name=model_name or "")
    return QueueStatus(size=size or 0, model=model)


def _labels_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        out = []
        for v in value:
            out.extend(_labels_of(v.get("label") if isinstance(v, dict) else v))
        return out
    return []


def project_stats(session: Session, project: Project) -> ProjectStats:
    """Count everything about ``project`` in a handful of aggregate queries."""
    stats = ProjectStats(
        name=project.name,
        task=project.task,
        modality=project.modality,
        labels=list(project.labels),
    )
    pid = project.id
    active = (Annotation.project_id == pid, Annotation.status == "active")
    stats.items = (
        session.scalar(select(func.count()).where(Item.project_id == pid)) or 0
    )
    stats.labeled_items = (
        session.scalar(
            select(func.count(func.distinct(Annotation.item_id))).where(*active)
        )
        or 0
    )
    # The parents a taxonomy added ride along a person's label: not one more.
    stats.annotations = (
        session.scalar(
            select(func.count()).where(*active, Annotation.source != TAXONOMY_SOURCE)
        )
        or 0
    )
    counts = dict.fromkeys(project.labels, 0)
    for value, n in session.execute(
        select(Annotation.value, func.count()).where(*active).group_by(Annotation.value)
    ):
        if isinstance(value, str) and value.startswith(("[", '"')):
            value = json.loads(value)
        for label in _labels_of(value):
            counts[label] = counts.get(label, 0) + n
    stats.label_counts = counts
    stats.by_source = {
        str(source): int(n)
        for source, n in session.execute(
            select(Annotation.source, func.count())
            .where(*active)
            .group_by(Annotation.source)
        ).all()
    }
    stats.by_annotator = {
        (name or "(none)"): n
        for name, n in session.execute(
            select(User.name, func.count())
            .select_from(Annotation)
            .outerjoin(User, User.id == Annotation.annotator_id)
            .where(*active, Annotation.source == "human")
            .group_by(User.name)
        )
    }
    stats.model_versions = count_model_versions(session, project_id=pid)
    latest = newest_model_point(session, project_id=pid)
    if latest is not None:
        stats.latest_model, stats.latest_cv_score = latest.name, latest.cv_score
        metrics = latest.metrics
        macro_f1 = (metrics or {}).get("macro_f1")
        stats.latest_macro_f1 = None if macro_f1 is None else float(macro_f1)
        stats.latest_score_metric = str(
            (metrics or {}).get(
                "score_metric",
                "subset_accuracy" if (metrics or {}).get("multilabel") else "accuracy",
            )
        )
        stats.latest_unlearned = [str(c) for c in (metrics or {}).get("unlearned", [])]
    stats.queue_size = queue_size(session, project_id=pid)
    # Imported here: the review queue's modules import the queue's, which
    # import this one.
    from activelabel.store.auto_labels import AutoLabelFigures, auto_label_figures
    from activelabel.store.review_counts import review_counts

    stats.review = review_counts(session, project).as_dict()
    # Another pass over the labels only for a project the model labeled items
    # of (by_source counted the active ones already).
    stats.auto_labels = (
        auto_label_figures(session, project)
        if stats.by_source.get("model")
        else AutoLabelFigures()
    ).as_dict()
    return stats
