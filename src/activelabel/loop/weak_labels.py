"""Weak labels in the round: apply the functions, fit the label model, store its labels.

Every round starts here (:func:`activelabel.loop.round_start.read_round_inputs`,
in the trainer's worker). When the project has enabled labeling functions,
:func:`refresh_weak_labels` applies them to what is new (new items, changed
functions: :func:`activelabel.loop.apply_functions.apply_labeling_functions`),
reads the label matrix, fits the label model and writes ``weak_labels``: one
row per item with a vote, replaced by each fit. Only rows whose label or
confidence changed are written, in short transactions of :data:`BATCH` rows,
so an unchanged matrix costs one read and no write, and annotators' labels
never wait long for SQLite's write lock.

What a label model reads depends on what the project's model learns, looked
up in :data:`_LABEL_FITS` by model family (never by task kind): one label of
several (``single_label``: one model over the labels) or a set of labels
(``one_vs_rest``: one yes/no model per label). A family without an entry
(token sequences, boxes) gets its functions applied and no weak labels. The
task adapter shapes each item's probabilities into a value and a confidence
(``suggest``), as it does for a model's.

The weak labels then (a) suggest a label, with source ``rules``, for the
items a round queues without a model suggestion, (b) train the round's model
beside the people's labels when the project's ``train_on_weak`` is set
(:func:`activelabel.loop.training_labels.with_weak_labels`), and (c) export
as ``source=rule`` rows with ``--include-weak``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from activelabel.loop.label_matrix import read_label_matrix
from activelabel.loop.training_labels import with_weak_labels
from activelabel.store.engine import Store
from activelabel.store.labeling_functions import list_labeling_functions
from activelabel.store.models import Project, WeakLabel
from activelabel.store.queue import QueueCandidate
from activelabel.tasks import TaskAdapter, adapter_for
from activelabel.weak.label_fit import (
    LABEL_MODEL_NAME,
    WeakProba,
    fit_each_label,
    fit_one_of_labels,
)
from activelabel.weak.label_matrix import LabelMatrix

__all__ = [
    "BATCH",
    "WeakLabels",
    "fit_weak_labels",
    "read_weak_labels",
    "refresh_weak_labels",
    "weak_training_rows",
    "with_rule_suggestions",
]

#: Weak label rows written (or deleted) per transaction.
BATCH = 5_000

#: How each model family's label model reads the votes.
_LABEL_FITS: dict[str, Callable[[LabelMatrix, int], WeakProba]] = {
    "single_label": fit_one_of_labels,
    "one_vs_rest": fit_each_label,
}

#: One stored weak label given a new value (executed with many rows at once).
_WEAK_LABELS = cast(Table, WeakLabel.__table__)
_UPDATE_WEAK_LABEL = (
    update(_WEAK_LABELS)
    .where(_WEAK_LABELS.c.item_id == bindparam("p_item"))
    .values(
        value=bindparam("p_value"),
        confidence=bindparam("p_confidence"),
        label_model=bindparam("p_model"),
    )
)


@dataclass
class WeakLabels:
    """The label model's label and confidence of each item with a vote."""

    #: item id -> (value, confidence)
    labels: dict[int, tuple[Any, float]] = field(default_factory=dict)
    label_model: str = LABEL_MODEL_NAME
    #: Rows written by the fit that produced these (0: nothing changed).
    written: int = 0

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class FittedWeakLabels:
    """A fit's probabilities and the values the task adapter made of them."""

    matrix: LabelMatrix
    proba: WeakProba
    values: list[Any]
    confidences: list[float]
    majority_values: list[Any]


def fit_weak_labels(
    session: Session, project: Project, adapter: TaskAdapter, pool_size: int
) -> FittedWeakLabels | None:
    """Fit the project's label model on its stored label matrix (no writes).

    None when the project has no enabled function, no vote yet, or a model
    family no label model reads.
    """
    fit = _LABEL_FITS.get(adapter.model_family or "")
    if fit is None or not list_labeling_functions(
        session, project.id, enabled_only=True
    ):
        return None
    matrix = read_label_matrix(session, project.id)
    if matrix.n_items == 0 or not matrix.labels:
        return None
    proba = fit(matrix, max(pool_size, matrix.n_items))
    labels = list(matrix.labels)
    values, confidences = adapter.suggest(proba.proba, labels)
    majority, _ = adapter.suggest(proba.majority, labels)
    return FittedWeakLabels(
        matrix=matrix,
        proba=proba,
        values=list(values),
        confidences=[float(c) for c in confidences],
        majority_values=list(majority),
    )


def refresh_weak_labels(
    store: Store, project_id: int, *, pool_size: int
) -> WeakLabels | None:
    """Apply the project's functions to what is new, fit, and store the weak labels.

    Returns the weak labels (None when the project has no enabled function);
    without functions or votes, weak labels stored before are deleted.
    """
    with store.session() as session:
        project = session.get_one(Project, project_id)
        functions = list_labeling_functions(session, project_id, enabled_only=True)
        stale = not functions and _has_weak_labels(session, project_id)
        adapter = adapter_for(project.task)
        name = project.name
    if not functions:
        if stale:
            _store_weak_labels(store, project_id, WeakLabels())
        return None
    # Imported here: applying loads the matcher and the project's Python
    # functions, which only projects with functions need.
    from activelabel.loop.apply_functions import apply_labeling_functions

    apply_labeling_functions(store, name)
    with store.session() as session:
        project = session.get_one(Project, project_id)
        fitted = fit_weak_labels(session, project, adapter, pool_size)
    if fitted is None:
        _store_weak_labels(store, project_id, WeakLabels())
        return None
    weak = WeakLabels(
        labels={
            int(item_id): (value, confidence)
            for item_id, value, confidence in zip(
                fitted.matrix.item_ids.tolist(),
                fitted.values,
                fitted.confidences,
                strict=True,
            )
        }
    )
    weak.written = _store_weak_labels(store, project_id, weak)
    return weak


def _has_weak_labels(session: Session, project_id: int) -> bool:
    found = session.scalar(
        select(WeakLabel.id).where(WeakLabel.project_id == project_id).limit(1)
    )
    return found is not None


def read_weak_labels(session: Session, project_id: int) -> WeakLabels:
    """The stored weak labels of a project."""
    weak = WeakLabels()
    for item_id, value, confidence, name in session.execute(
        select(
            WeakLabel.item_id,
            WeakLabel.value,
            WeakLabel.confidence,
            WeakLabel.label_model,
        ).where(WeakLabel.project_id == project_id)
    ):
        weak.labels[item_id] = (value, float(confidence or 0.0))
        weak.label_model = name
    return weak


def _store_weak_labels(store: Store, project_id: int, weak: WeakLabels) -> int:
    """Write the rows that changed since the last fit; delete those gone."""
    with store.session() as session:
        stored = read_weak_labels(session, project_id).labels
    gone = [item_id for item_id in stored if item_id not in weak.labels]
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for item_id, (value, confidence) in weak.labels.items():
        before = stored.get(item_id)
        row = {
            "project_id": project_id,
            "item_id": item_id,
            "value": value,
            "confidence": round(confidence, 6),
            "label_model": weak.label_model,
        }
        if before is None:
            new.append(row)
        elif before[0] != value or abs(before[1] - confidence) > 1e-6:
            changed.append(
                {
                    "p_item": item_id,
                    "p_value": value,
                    "p_confidence": row["confidence"],
                    "p_model": weak.label_model,
                }
            )
    for start in range(0, len(gone), BATCH):
        with store.session(write=True) as session:
            session.execute(
                delete(WeakLabel).where(
                    WeakLabel.project_id == project_id,
                    WeakLabel.item_id.in_(gone[start : start + BATCH]),
                )
            )
    for start in range(0, len(new), BATCH):
        with store.session(write=True) as session:
            session.connection().execute(
                insert(_WEAK_LABELS), new[start : start + BATCH]
            )
    for start in range(0, len(changed), BATCH):
        with store.session(write=True) as session:
            session.connection().execute(
                _UPDATE_WEAK_LABEL, changed[start : start + BATCH]
            )
    return len(gone) + len(new) + len(changed)


def weak_training_rows(
    item_ids: np.ndarray[Any, Any],
    labels: dict[int, Any],
    weak: WeakLabels,
) -> tuple[np.ndarray[Any, Any], list[Any], np.ndarray[Any, Any]]:
    """The pool positions a model learns from with ``train_on_weak``, their
    labels and weights: the people's labels first (weight 1), then the items
    with a weak label only (weighted by its confidence), as
    :func:`activelabel.loop.training_labels.with_weak_labels` decides."""
    merged, weights = with_weak_labels(labels, weak.labels)
    known = np.fromiter(merged, dtype=np.int64, count=len(merged))
    positions = np.flatnonzero(np.isin(item_ids, known))
    people = np.fromiter(labels, dtype=np.int64, count=len(labels))
    by_people = np.isin(item_ids[positions], people)
    # People's rows first: the round scores the model on those alone.
    positions = np.concatenate([positions[by_people], positions[~by_people]])
    ids = item_ids[positions].tolist()
    return (
        positions,
        [merged[i] for i in ids],
        np.asarray([weights[i] for i in ids], dtype=np.float64),
    )


def with_rule_suggestions(
    candidates: list[QueueCandidate], weak: WeakLabels
) -> list[QueueCandidate]:
    """``candidates`` with the label model's label as the suggestion (source
    ``rules``) where the round's model gave none."""
    return [
        replace(
            candidate,
            suggestion=weak.labels[candidate.item_id][0],
            confidence=weak.labels[candidate.item_id][1],
            suggestion_source="rules",
        )
        if candidate.suggestion is None and candidate.item_id in weak.labels
        else candidate
        for candidate in candidates
    ]
