"""Imported predictions in a classification or label-set round.

Another model's predictions of stored items (``import --as-predictions``,
:mod:`activelabel.io.prediction_rows`) serve the round while the project has
no model of its own, that is until the adapter's ``can_train`` says the
labels allow one:

* **suggestions**: a queued item without a suggestion of the round's model is
  suggested the newest imported prediction, with source
  ``prediction:<model name>`` (the page shows ``X: spam · 90%``). They come
  before the labeling functions' (``rules``) suggestions, which only fill
  what is left: a model that saw the data beats keyword votes. Once the
  project trains its own model, its suggestions replace them.
* **order**: the unlabeled items with a scored prediction are queued first,
  most uncertain first under the project's uncertainty measure (``margin``
  unless the project chose ``least_confidence`` or ``entropy``), each
  prediction read as a row of probabilities (:func:`probability_rows`); the
  round's cold-start picks follow. The query session's strategy says so
  (``predictions:margin``).

A trained model's round ignores imported predictions: its own probabilities
are calibrated on the project's labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np

from activelabel.al.scores import UNCERTAINTY_METHODS, uncertainty_scores
from activelabel.store.engine import Store
from activelabel.store.predictions import (
    PREDICTION_SOURCE,
    ImportedPrediction,
    newest_predictions,
)
from activelabel.store.queue import QueueCandidate
from activelabel.tasks import TaskAdapter

__all__ = [
    "ImportedOrder",
    "order_by_imported_predictions",
    "probability_rows",
    "uncertainty_of_rows",
]


def _one_of_labels(
    labels: Sequence[str], prediction: ImportedPrediction
) -> np.ndarray[Any, Any] | None:
    """One label of several: the given scores, the rest of the mass shared."""
    n = len(labels)
    row = np.zeros(n)
    if prediction.label_scores:
        given = np.array([label in prediction.label_scores for label in labels])
        for j, label in enumerate(labels):
            row[j] = prediction.label_scores.get(label, 0.0)
        left = max(0.0, 1.0 - float(row.sum()))
        if (~given).any():
            row[~given] = left / int((~given).sum())
    elif prediction.score is not None and prediction.value in labels:
        row[:] = (1.0 - prediction.score) / max(n - 1, 1)
        row[list(labels).index(prediction.value)] = prediction.score
    else:
        return None
    total = float(row.sum())
    return row / total if total > 0 else None


def _each_label(
    labels: Sequence[str], prediction: ImportedPrediction
) -> np.ndarray[Any, Any] | None:
    """A label set: each label's yes probability (given, else the set's score
    for a label in it and its complement for one outside)."""
    chosen = set(prediction.value or [])
    scores = prediction.label_scores or {}
    if not scores and prediction.score is None:
        return None
    sure = 1.0 if prediction.score is None else prediction.score
    return np.array(
        [scores.get(label, sure if label in chosen else 1.0 - sure) for label in labels]
    )


#: How a prediction becomes a probability row, by model family (never by
#: task kind): one label of several, or a yes/no per label.
_ROWS: Final[
    dict[
        str,
        Callable[[Sequence[str], ImportedPrediction], np.ndarray[Any, Any] | None],
    ]
] = {"single_label": _one_of_labels, "one_vs_rest": _each_label}


def probability_rows(
    family: str, labels: Sequence[str], predictions: Sequence[ImportedPrediction]
) -> tuple[list[int], np.ndarray[Any, Any]]:
    """The positions of ``predictions`` that give probabilities, and their rows.

    One label of several: the predicted label gets its ``score`` and the other
    labels share ``1 - score`` (per-label scores, when given, are taken as
    they are and the labels they leave out share the rest). A label set: each
    label in the set gets ``score``, each outside ``1 - score`` (per-label
    scores win). A prediction without any score gives no row.
    """
    build = _ROWS.get(family)
    if build is None:
        return [], np.zeros((0, len(labels)))
    if family == "single_label":
        return _one_of_labels_at_once(labels, predictions)
    kept: list[int] = []
    rows: list[np.ndarray[Any, Any]] = []
    for position, prediction in enumerate(predictions):
        row = build(labels, prediction)
        if row is not None:
            kept.append(position)
            rows.append(row)
    return kept, (np.vstack(rows) if rows else np.zeros((0, len(labels))))


def _one_of_labels_at_once(
    labels: Sequence[str], predictions: Sequence[ImportedPrediction]
) -> tuple[list[int], np.ndarray[Any, Any]]:
    """:func:`_one_of_labels` over many predictions: the common rows (a label
    and its score) filled as arrays, a row of per-label scores one by one (a
    pool of 100,000 cost 2 s row by row)."""
    index = {label: j for j, label in enumerate(labels)}
    n = len(labels)
    kept: list[int] = []
    columns: list[int] = []
    scores: list[float] = []
    own: dict[int, np.ndarray[Any, Any]] = {}
    for position, prediction in enumerate(predictions):
        if prediction.label_scores:
            row = _one_of_labels(labels, prediction)
            if row is not None:
                own[len(kept)] = row
                kept.append(position)
                columns.append(0)
                scores.append(0.0)
        elif prediction.score is not None and prediction.value in index:
            kept.append(position)
            columns.append(index[prediction.value])
            scores.append(prediction.score)
    given = np.asarray(scores)
    proba = np.repeat(((1.0 - given) / max(n - 1, 1))[:, None], n, axis=1)
    proba[np.arange(len(kept)), np.asarray(columns, dtype=np.intp)] = given
    for at, row in own.items():
        proba[at] = row
    return kept, proba


def uncertainty_of_rows(
    family: str, proba: np.ndarray[Any, Any], method: str
) -> np.ndarray[Any, Any]:
    """``method`` over each row: of the row itself for one label of several,
    of the least sure yes/no decision for a label set."""
    if not len(proba):
        return np.zeros(0)
    if family == "one_vs_rest":
        # Each label a two-class row [p, 1 - p]; the item is as uncertain as
        # its least sure label.
        binary = np.stack([proba.ravel(), 1.0 - proba.ravel()], axis=1)
        per_label = uncertainty_scores(binary, method=method)
        most: np.ndarray[Any, Any] = np.asarray(per_label).reshape(proba.shape)
        return most.max(axis=1)  # type: ignore[no-any-return]
    return np.asarray(uncertainty_scores(proba, method=method))


@dataclass(frozen=True)
class ImportedOrder:
    """A round's queue once imported predictions had their say."""

    candidates: list[QueueCandidate]
    #: The query session's strategy (``predictions:margin`` when they ordered it).
    strategy: str
    #: Queued items given an imported prediction as their suggestion.
    suggested: int = 0


def order_by_imported_predictions(
    store: Store,
    project_id: int,
    adapter: TaskAdapter,
    labels: Sequence[str],
    candidates: list[QueueCandidate],
    pool_ids: Sequence[int],
    *,
    strategy: str,
    chosen: str | None,
    queue_size: int,
) -> ImportedOrder:
    """``candidates`` of a round without a model of its own, ordered and
    suggested by the imported predictions of the unlabeled ``pool_ids``.

    ``strategy`` is the round's (cold start), ``chosen`` the project's
    strategy setting (its uncertainty measure is used when it names one).
    Unchanged when the pool has no imported prediction.
    """
    with store.session() as session:
        stored = newest_predictions(session, project_id)
    pool = [i for i in pool_ids if i in stored]
    if not pool:
        return ImportedOrder(candidates, strategy)
    family = adapter.model_family or ""
    method = chosen if chosen in UNCERTAINTY_METHODS else "margin"
    kept, proba = probability_rows(family, labels, [stored[i] for i in pool])
    head: list[tuple[int, float]] = []
    if kept:
        uncertainty = uncertainty_of_rows(family, proba, method)
        order = np.argsort(-uncertainty, kind="stable")[:queue_size]
        head = [(pool[kept[int(k)]], float(uncertainty[int(k)])) for k in order]
    in_head = {item_id for item_id, _ in head}
    rest = [c for c in candidates if c.item_id not in in_head]
    queued = [
        QueueCandidate(item_id=item_id, priority=0.0, score=score)
        for item_id, score in head
    ]
    queued.extend(rest[: max(queue_size - len(queued), 0)])
    n = len(queued)
    suggested = 0
    ordered: list[QueueCandidate] = []
    for rank, candidate in enumerate(queued):
        prediction = stored.get(candidate.item_id)
        change: dict[str, Any] = {"priority": float(n - rank)}
        if candidate.suggestion is None and prediction is not None:
            change.update(
                suggestion=prediction.value,
                confidence=prediction.score,
                suggestion_source=PREDICTION_SOURCE + prediction.model_name,
            )
            suggested += 1
        ordered.append(replace(candidate, **change))
    return ImportedOrder(
        ordered,
        f"predictions:{method}" if head else strategy,
        suggested,
    )
