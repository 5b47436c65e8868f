"""Stream auto-labeling, the round's side: which items the model labels itself.

The active-learning primer's *stream-based selective sampling*: a model that
is sure enough of an item labels it, and asks a person otherwise. A round of
a project whose ``auto_accept`` is set (a confidence, 0.5 < x <= 1) scores
the unlabeled pool once more after training, asks the task adapter which
rows it is sure of (:meth:`~activelabel.tasks.TaskAdapter.confident_values`:
the top label for one label per item, every yes/no decision for label sets;
spans and boxes never), and keeps the ``auto_accept_max`` surest, ties by
item id. Items the model labeled before, leased to an annotator, looked at by
a reviewer, or gold are left alone
(:func:`activelabel.store.auto_labels.not_auto_labelable`).

Computed in the worker with the rest of the round; the server writes the
labels with the round (:func:`activelabel.loop.write.write_round`,
:func:`activelabel.store.auto_labels.write_auto_labels`), checking again
what changed meanwhile. The picked items, and those the model labeled in
earlier rounds, leave the round's queue.

The threshold is only as good as the probabilities are calibrated:
:func:`calibrated_proba` is the one place the round reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from activelabel.ml.calibration import calibrated_proba as model_proba
from activelabel.ml.training import TrainedModel
from activelabel.store.auto_labels import (
    AutoLabel,
    model_labeled_ids,
    not_auto_labelable,
)
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.store.queue import QueueCandidate
from activelabel.tasks import TaskAdapter

__all__ = ["CHUNK_ROWS", "auto_accept_round", "calibrated_proba", "pick_confident"]

#: Rows of the pool scored at once: the probabilities of one chunk in memory.
CHUNK_ROWS = 20_000


def calibrated_proba(trained: TrainedModel, X: Any) -> np.ndarray[Any, Any]:
    """The trained model's calibrated probabilities for the rows ``X`` (the
    temperature fitted on its out-of-fold probabilities applied), in the
    columns of ``trained.classes``: what a confidence threshold is compared
    with."""
    return np.asarray(model_proba(trained.estimator, X), dtype=np.float64)


def pick_confident(
    adapter: TaskAdapter,
    classes: Sequence[Any],
    proba_of: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]],
    *,
    positions: np.ndarray[Any, Any],
    item_ids: np.ndarray[Any, Any],
    threshold: float,
    limit: int,
    chunk_rows: int = CHUNK_ROWS,
) -> list[AutoLabel]:
    """At most ``limit`` of the rows ``positions`` whose value the model is at
    least ``threshold`` sure of, surest first (ties: the smaller item id).

    ``proba_of(rows)`` gives the probabilities of some rows; the pool is
    scored ``chunk_rows`` at a time, keeping the best ``limit`` so far.
    """
    if limit < 1 or not len(positions):
        return []
    kept: list[AutoLabel] = []
    for start in range(0, len(positions), chunk_rows):
        chunk = np.asarray(positions[start : start + chunk_rows])
        rows, values, confidences = adapter.confident_values(
            proba_of(chunk), classes, threshold
        )
        kept.extend(
            AutoLabel(int(item_ids[chunk[row]]), value, confidence)
            for row, value, confidence in zip(rows, values, confidences, strict=True)
        )
        if len(kept) > limit:
            kept = _surest(kept, limit)
    return _surest(kept, limit)


def _surest(labels: list[AutoLabel], limit: int) -> list[AutoLabel]:
    return sorted(labels, key=lambda label: (-label.confidence, label.item_id))[:limit]


def auto_accept_round(
    store: Store,
    project: Project,
    adapter: TaskAdapter,
    trained: TrainedModel | None,
    X: Any,
    item_ids: np.ndarray[Any, Any],
    pool: np.ndarray[Any, Any],
    candidates: list[QueueCandidate],
) -> tuple[list[QueueCandidate], list[AutoLabel]]:
    """The round's queue without the items the model labels (now or before),
    and the model's labels to write; nothing when ``auto_accept`` is off, no
    model was trained, or the model has not learned every class yet.

    ``pool`` holds the positions (rows of ``X`` and ``item_ids``) of the
    items without a training label.
    """
    threshold = project.settings.auto_accept
    if threshold is None or trained is None or trained.metrics.get("unlearned"):
        # A model that never rightly predicts some class is sure of the
        # others on items of that class too: it labels nothing until it has.
        return candidates, []
    with store.session() as session:
        labeled_before = model_labeled_ids(session, project.id)
        blocked = not_auto_labelable(session, project.id)
    open_rows = pool[~np.isin(item_ids[pool], np.fromiter(blocked, dtype=np.int64))]
    labels = pick_confident(
        adapter,
        trained.classes,
        lambda rows: calibrated_proba(trained, X[rows]),
        positions=open_rows,
        item_ids=item_ids,
        threshold=threshold,
        limit=project.settings.auto_accept_max,
    )
    taken = labeled_before | {label.item_id for label in labels}
    return [c for c in candidates if c.item_id not in taken], labels
