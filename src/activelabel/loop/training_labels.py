"""The training label of an item: the one policy the round trains on.

Today an item's training label is the majority vote of its active labels from
people, imports and rules (ties: the earliest); a model's own suggestions never
count. A label model over several sources, or "a person's label beats a
rule's", would change :func:`training_label` and :data:`TRAINING_SOURCES`
only: every round reads its labels through :func:`training_labels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.store.annotations import aggregate_values
from activelabel.store.final_labels import REVIEW_SOURCE
from activelabel.store.models import Annotation

__all__ = ["TRAINING_SOURCES", "training_label", "training_labels"]

#: Sources of the labels a model learns from (``model`` suggestions are not;
#: a reviewer's correction, source ``review``, is the item's label outright).
TRAINING_SOURCES: Final = ("human", "import", "rule", REVIEW_SOURCE)


def training_label(values: Sequence[Any]) -> Any | None:
    """The label a model learns for an item with these active ``values`` (oldest
    first), or None when there is none."""
    consensus = aggregate_values(values)
    return None if consensus is None else consensus.value


def training_labels(session: Session, project_id: int) -> dict[int, Any]:
    """The training label of every labeled item of the project, by item id."""
    values: dict[int, list[Any]] = {}
    corrected: dict[int, Any] = {}
    for item_id, value, source in session.execute(
        select(Annotation.item_id, Annotation.value, Annotation.source)
        .where(
            Annotation.project_id == project_id,
            Annotation.status == "active",
            Annotation.source.in_(TRAINING_SOURCES),
        )
        .order_by(Annotation.id)
    ):
        if source == REVIEW_SOURCE:
            corrected[item_id] = value
        else:
            values.setdefault(item_id, []).append(value)
    labels = {item_id: training_label(v) for item_id, v in values.items()}
    labels.update(corrected)
    return {item_id: label for item_id, label in labels.items() if label is not None}
