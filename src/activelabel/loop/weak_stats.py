"""How a project's labeling functions and label model do, against people's labels.

:func:`weak_report` reads the label matrix and the people's labels
(:data:`activelabel.loop.training_labels.HUMAN_SOURCES`), fits the label model
as a round does (:func:`activelabel.loop.weak_labels.fit_weak_labels`, a
read-only fit: the matrix as last applied) and gives each function's
statistics (:mod:`activelabel.weak.lf_stats`) and the label model's accuracy
beside majority vote's, on the same labeled items. :func:`weak_disagreements`
lists the items where the label model contradicts a person
(:mod:`activelabel.weak.disagreements`). The CLI's ``lf stats`` and ``lf
disagreements`` and the page's Rules panel call these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activelabel.loop.training_labels import HUMAN_SOURCES, training_labels
from activelabel.loop.weak_labels import FittedWeakLabels, fit_weak_labels
from activelabel.store.labeling_functions import list_labeling_functions
from activelabel.store.models import Item, Project
from activelabel.tasks import TaskAdapter, adapter_for
from activelabel.weak.disagreements import (
    Disagreement,
    find_disagreements,
    same_value,
)
from activelabel.weak.label_fit import LABEL_MODEL_NAME
from activelabel.weak.lf_stats import FunctionStats, function_stats

__all__ = [
    "FunctionReport",
    "ModelAccuracy",
    "WeakReport",
    "weak_disagreements",
    "weak_report",
]


@dataclass(frozen=True)
class FunctionReport:
    """One function's statistics with what it is."""

    name: str
    kind: str
    label: str | None
    enabled: bool
    stats: FunctionStats | None
    #: The label model's estimate of its accuracy when it votes.
    estimated_accuracy: float | None
    disabled_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values (the statistics flattened in)."""
        figures = self.stats.as_dict() if self.stats else {}
        figures.pop("name", None)
        return {
            "name": self.name,
            "kind": self.kind,
            "label": self.label,
            "enabled": self.enabled,
            "disabled_reason": self.disabled_reason,
            **figures,
            "estimated_accuracy": self.estimated_accuracy,
        }


@dataclass(frozen=True)
class ModelAccuracy:
    """A model's labels against people's, on the labeled items it labeled."""

    name: str
    accuracy: float | None
    #: People-labeled items with at least one vote: what it was measured on.
    n: int
    #: Items of the pool it gives a label (items with at least one vote).
    coverage: float


@dataclass
class WeakReport:
    """Every function's statistics and the label model beside majority vote."""

    project: str
    pool_size: int
    n_human_labeled: int
    functions: list[FunctionReport] = field(default_factory=list)
    label_model: ModelAccuracy | None = None
    majority_vote: ModelAccuracy | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "project": self.project,
            "pool_size": self.pool_size,
            "n_human_labeled": self.n_human_labeled,
            "functions": [f.as_dict() for f in self.functions],
            "label_model": None
            if self.label_model is None
            else asdict(self.label_model),
            "majority_vote": (
                None if self.majority_vote is None else asdict(self.majority_vote)
            ),
        }


def _pool_size(session: Session, project_id: int) -> int:
    return int(
        session.scalar(select(func.count()).where(Item.project_id == project_id)) or 0
    )


def _human_pairs(
    fitted: FittedWeakLabels, human: dict[int, Any], adapter: TaskAdapter
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(matrix row, label index) of every label people gave an item with a vote."""
    index = {label: i for i, label in enumerate(fitted.matrix.labels)}
    rows, labels = [], []
    for row, item_id in enumerate(fitted.matrix.item_ids.tolist()):
        value = human.get(item_id)
        if value is None:
            continue
        for label in adapter.value_labels(value):
            if label in index:
                rows.append(row)
                labels.append(index[label])
    return np.asarray(rows, dtype=np.int64), np.asarray(labels, dtype=np.int64)


def _accuracy(
    name: str,
    values: list[Any],
    fitted: FittedWeakLabels,
    human: dict[int, Any],
    pool: int,
) -> ModelAccuracy:
    ids = fitted.matrix.item_ids.tolist()
    judged = [
        same_value(human[item_id], values[row])
        for row, item_id in enumerate(ids)
        if item_id in human
    ]
    return ModelAccuracy(
        name=name,
        accuracy=float(np.mean(judged)) if judged else None,
        n=len(judged),
        coverage=len(ids) / max(pool, 1),
    )


def weak_report(session: Session, project: Project) -> WeakReport:
    """The statistics of ``project``'s functions and its label model."""
    adapter = adapter_for(project.task)
    pool = _pool_size(session, project.id)
    human = training_labels(session, project.id, sources=HUMAN_SOURCES)
    report = WeakReport(
        project=project.name, pool_size=pool, n_human_labeled=len(human)
    )
    fitted = fit_weak_labels(session, project, adapter, pool)
    stats: dict[str, FunctionStats] = {}
    if fitted is not None:
        rows, labels = _human_pairs(fitted, human, adapter)
        stats = {s.name: s for s in function_stats(fitted.matrix, pool, rows, labels)}
        report.label_model = _accuracy(
            LABEL_MODEL_NAME, fitted.values, fitted, human, pool
        )
        report.majority_vote = _accuracy(
            "majority_vote", fitted.majority_values, fitted, human, pool
        )
    estimated = fitted.proba.accuracies if fitted is not None else {}
    for function in list_labeling_functions(session, project.id):
        report.functions.append(
            FunctionReport(
                name=function.name,
                kind=function.kind,
                label=function.label,
                enabled=function.enabled,
                disabled_reason=function.disabled_reason,
                stats=stats.get(function.name),
                estimated_accuracy=estimated.get(function.name),
            )
        )
    return report


def weak_disagreements(
    session: Session, project: Project, *, limit: int | None = 100
) -> list[Disagreement]:
    """Items where the label model contradicts a person, most confident first."""
    adapter = adapter_for(project.task)
    fitted = fit_weak_labels(session, project, adapter, _pool_size(session, project.id))
    if fitted is None:
        return []
    human = training_labels(session, project.id, sources=HUMAN_SOURCES)
    found = find_disagreements(
        fitted.matrix, fitted.values, fitted.confidences, human, limit=limit
    )
    external = dict(
        session.execute(
            select(Item.id, Item.external_id).where(
                Item.project_id == project.id,
                Item.id.in_([d.item_id for d in found]),
            )
        ).all()
    )
    return [replace(d, external_id=external.get(d.item_id)) for d in found]
