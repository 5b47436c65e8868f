"""Imported predictions in the labels dataset, in columns of their own.

``export --include-predictions`` adds :data:`PREDICTION_COLUMNS` after the
label's: each item's newest imported prediction (``prediction``), the model
that made it (``prediction_model``), its score (``prediction_score``) and a
label set's per-label scores as JSON (``prediction_scores``). A prediction is
never a label: ``label``, ``label_source`` and ``status`` stay what people
(and, with ``--include-weak``, rules) gave. The file imports back with
``import --as-predictions`` (:mod:`activelabel.io.prediction_rows` reads
these columns), storing the same predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy.orm import Session

from activelabel.io.writers import Column, Kind
from activelabel.store.item_ids import item_ids_by_external_id
from activelabel.store.models import Project
from activelabel.store.predictions import newest_predictions

__all__ = ["PREDICTION_COLUMNS", "prediction_cells"]

#: The columns ``--include-predictions`` adds after the label's.
PREDICTION_COLUMNS: Final = (
    Column("prediction"),
    Column("prediction_model"),
    Column("prediction_score", Kind.FLOAT),
    Column("prediction_scores"),
)


def prediction_cells(
    session: Session, project: Project, external_ids: Sequence[str]
) -> list[list[Any]]:
    """The prediction columns of each item in ``external_ids``, in their order
    (``None`` cells for an item without a prediction)."""
    ids = item_ids_by_external_id(session, project.id, external_ids)
    found = newest_predictions(session, project.id, ids.values())
    cells: list[list[Any]] = []
    for external_id in external_ids:
        prediction = found.get(ids.get(external_id, -1))
        if prediction is None:
            cells.append([None, None, None, None])
        else:
            cells.append(
                [
                    prediction.value,
                    prediction.model_name,
                    prediction.score,
                    prediction.label_scores,
                ]
            )
    return cells
