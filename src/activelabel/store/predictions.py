"""Predictions imported with items: write them in batches, read the newest per item.

A prediction is another model's label for an item (``import --as-predictions``).
It is not an annotation: nothing trains on it and it never counts as labeled.
The loop's span round composes it into the suggestion of each sentence it
queues (:func:`latest_predictions`), so the page shows it from the first round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import (
    Connection,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from activelabel.store.models import Prediction, utcnow

__all__ = [
    "PREDICTION_SOURCE",
    "ImportedPrediction",
    "PredictionRow",
    "StoredPrediction",
    "count_predictions",
    "latest_predictions",
    "newest_predictions",
    "write_predictions",
]

_predictions = cast(Table, Prediction.__table__)

#: ``queue.suggestion_source`` of a suggestion taken from an imported
#: prediction: this, then the model's name (``prediction:yolo``).
PREDICTION_SOURCE = "prediction:"

#: Rows deleted or inserted per statement: well under SQLite's 32,766 bound
#: parameters and PostgreSQL's 65,535 with five columns a row.
_CHUNK = 2_000


class PredictionRow(NamedTuple):
    """One prediction to write: the item, the model's name, its value and score."""

    item_id: int
    model_name: str
    value: Any
    score: float | None = None
    #: A label-set prediction's score per label (``{"spam": 0.9}``), if given.
    label_scores: dict[str, float] | None = None


class ImportedPrediction(NamedTuple):
    """An item's newest prediction with everything stored about it."""

    model_name: str
    value: Any
    score: float | None
    label_scores: dict[str, float] | None


class StoredPrediction(NamedTuple):
    """The newest prediction of an item: which model, its value and its score."""

    model_name: str
    value: Any
    score: float | None


def write_predictions(
    connection: Connection | Session,
    project_id: int,
    rows: Sequence[PredictionRow],
    *,
    now: dt.datetime | None = None,
) -> int:
    """Store ``rows``, replacing an item's earlier prediction by the same model.

    Runs inside the caller's transaction (an import's), in statements of a
    bounded size. Returns how many predictions were written.
    """
    if not rows:
        return 0
    created = now or utcnow()
    # The last row wins when a batch names one (item, model) twice.
    unique = {(row.item_id, row.model_name): row for row in rows}
    by_model: dict[str, list[int]] = {}
    for item_id, model_name in unique:
        by_model.setdefault(model_name, []).append(item_id)
    # One model per statement (an import has one): a plain IN list on the
    # (item, model) index, where PostgreSQL plans a list of pairs poorly.
    for model_name, item_ids in by_model.items():
        for start in range(0, len(item_ids), _CHUNK):
            connection.execute(
                delete(_predictions).where(
                    _predictions.c.model_name == model_name,
                    _predictions.c.item_id.in_(item_ids[start : start + _CHUNK]),
                )
            )
    values = [
        {
            "project_id": project_id,
            "item_id": row.item_id,
            "model_name": row.model_name,
            "value": row.value,
            "score": row.score,
            "label_scores": row.label_scores,
            "created_at": created,
        }
        for row in unique.values()
    ]
    for start in range(0, len(values), _CHUNK):
        connection.execute(insert(_predictions), values[start : start + _CHUNK])
    return len(values)


def latest_predictions(
    session: Session | Connection, project_id: int, item_ids: Iterable[int]
) -> dict[int, StoredPrediction]:
    """Each item's newest prediction (by import time, then id), for the given items.

    Items without a prediction are absent from the result. The loop reads this
    for the items it queues; the page for the task it serves.
    """
    wanted = list(dict.fromkeys(item_ids))
    found: dict[int, tuple[dt.datetime, int, StoredPrediction]] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(
                _predictions.c.item_id,
                _predictions.c.id,
                _predictions.c.created_at,
                _predictions.c.model_name,
                _predictions.c.value,
                _predictions.c.score,
            ).where(
                _predictions.c.project_id == project_id,
                _predictions.c.item_id.in_(chunk),
            )
        )
        for item_id, row_id, created, model_name, value, score in rows:
            known = found.get(item_id)
            if known is None or (created, row_id) > known[:2]:
                found[item_id] = (
                    created,
                    row_id,
                    StoredPrediction(model_name, value, score),
                )
    return {item_id: entry[2] for item_id, entry in found.items()}


def newest_predictions(
    session: Session | Connection,
    project_id: int,
    item_ids: Iterable[int] | None = None,
) -> dict[int, ImportedPrediction]:
    """Each item's newest prediction (by import time, then id) with its label
    scores: of the given items, or of every item of the project (``None``).

    A round reads every one to order a pool no model of its own scores yet;
    the export reads a page of items at a time.
    """
    # The JSON columns come as text and are decoded with orjson: a round
    # reads every prediction of the pool, and the standard decoder took most
    # of the time (100,000 rows: 2.9 s of 4.4). PostgreSQL's driver decodes
    # JSONB itself.
    columns = (
        _predictions.c.item_id,
        _predictions.c.model_name,
        type_coerce(_predictions.c.value, Text),
        _predictions.c.score,
        type_coerce(_predictions.c.label_scores, Text),
    )
    # Oldest first: a newer row of the same item overwrites an older one.
    order = (_predictions.c.created_at, _predictions.c.id)
    found: dict[int, ImportedPrediction] = {}
    bind = session.get_bind() if isinstance(session, Session) else session
    as_text = bind.dialect.name == "sqlite"
    if item_ids is None:
        statements = [
            select(*columns)
            .where(_predictions.c.project_id == project_id)
            .order_by(*order)
        ]
    else:
        wanted = list(dict.fromkeys(item_ids))
        statements = [
            select(*columns)
            .where(
                _predictions.c.project_id == project_id,
                _predictions.c.item_id.in_(wanted[start : start + _CHUNK]),
            )
            .order_by(*order)
            for start in range(0, len(wanted), _CHUNK)
        ]
    for statement in statements:
        for item_id, model_name, value, score, label_scores in session.execute(
            statement
        ):
            if as_text:
                value, label_scores = _decoded(value), _decoded(label_scores)
            found[item_id] = ImportedPrediction(model_name, value, score, label_scores)
    return found


def _decoded(raw: str | None) -> Any:
    """A JSON column's value from the text SQLite keeps (``None``: NULL)."""
    return None if raw is None else orjson.loads(raw)


def count_predictions(session: Session | Connection, project_id: int) -> int:
    """How many predictions a project holds (every model's)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(_predictions)
            .where(_predictions.c.project_id == project_id)
        )
        or 0
    )
