"""The training label of an item: the one policy the round trains on.

Today an item's training label is the majority vote of its active labels from
people, imports and rules (ties: the earliest); a model's own suggestions never
count. A label model over several sources, or "a person's label beats a
rule's", would change :func:`training_label` and :data:`TRAINING_SOURCES`
only: every round reads its labels through :func:`training_labels`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.store.annotations import aggregate_values
from activelabel.store.final_labels import REVIEW_SOURCE
from activelabel.store.models import Annotation, Project
from activelabel.store.taxonomy_labels import TAXONOMY_SOURCE, fold_taxonomy
from activelabel.tasks import adapter_for

__all__ = [
    "HUMAN_SOURCES",
    "TRAINING_SOURCES",
    "training_label",
    "training_labels",
    "with_weak_labels",
]

#: Sources of the labels a model learns from (``model`` suggestions are not;
#: a reviewer's correction, source ``review``, is the item's label outright).
TRAINING_SOURCES: Final = ("human", "import", "rule", REVIEW_SOURCE)
#: The labels people gave (by hand, in an imported file, in review): what a
#: label model and the labeling functions are measured against.
HUMAN_SOURCES: Final = ("human", "import", REVIEW_SOURCE)


def training_label(values: Sequence[Any]) -> Any | None:
    """The label a model learns for an item with these active ``values`` (oldest
    first), or None when there is none."""
    consensus = aggregate_values(values)
    return None if consensus is None else consensus.value


def training_labels(
    session: Session, project_id: int, *, sources: Sequence[str] = TRAINING_SOURCES
) -> dict[int, Any]:
    """The training label of every labeled item of the project, by item id
    (from the labels of ``sources``).

    The parents a taxonomy added to a person's label (``taxonomy`` rows) are
    folded into that person's value: one vote holding them, never a vote of
    their own.
    """
    rows: dict[int, list[tuple[Any, str, int | None]]] = {}
    corrected: dict[int, Any] = {}
    completed: set[int] = set()
    for item_id, value, source, annotator in session.execute(
        select(
            Annotation.item_id,
            Annotation.value,
            Annotation.source,
            Annotation.annotator_id,
        )
        .where(
            Annotation.project_id == project_id,
            Annotation.status == "active",
            Annotation.source.in_((*sources, TAXONOMY_SOURCE)),
        )
        .order_by(Annotation.id)
    ):
        if source == REVIEW_SOURCE:
            corrected[item_id] = value
        else:
            rows.setdefault(item_id, []).append((value, source, annotator))
            if source == TAXONOMY_SOURCE:
                completed.add(item_id)
    if completed:
        project = session.get_one(Project, project_id)
        adapter = adapter_for(project.task)
        for item_id in completed:
            folded = fold_taxonomy(rows[item_id], adapter, project.labels)
            rows[item_id] = [(value, source, None) for value, source in folded]
    labels = {
        item_id: training_label([row[0] for row in item_rows])
        for item_id, item_rows in rows.items()
    }
    labels.update(corrected)
    return {item_id: label for item_id, label in labels.items() if label is not None}


def with_weak_labels(
    labels: Mapping[int, Any], weak: Mapping[int, tuple[Any, float]]
) -> tuple[dict[int, Any], dict[int, float]]:
    """Training labels with the label model's added (``train_on_weak``), and a
    weight per item.

    A person's label always wins: an item with a training label keeps it,
    weight 1; an item with a weak label only learns it, weighted by the label
    model's confidence. Empty weak values (a label set the model left empty)
    are not learned.
    """
    merged = dict(labels)
    weights = dict.fromkeys(labels, 1.0)
    for item_id, (value, confidence) in weak.items():
        if item_id in merged or value in (None, [], ""):
            continue
        merged[item_id] = value
        weights[item_id] = float(confidence)
    return merged, weights
