"""Read a project's label matrix from the store for a label model.

The votes of the project's enabled labeling functions
(:mod:`activelabel.store.lf_outputs`) become a
:class:`~activelabel.weak.label_matrix.LabelMatrix`, read in chunks of rows
that are turned into arrays at once (a few million votes stay a few arrays).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.store.labeling_functions import list_labeling_functions
from activelabel.store.lf_outputs import read_lf_outputs
from activelabel.store.models import Project
from activelabel.weak.label_matrix import LabelMatrix

__all__ = ["read_label_matrix"]


def read_label_matrix(session: Session, project_id: int) -> LabelMatrix:
    """The votes of the project's enabled functions, over items with a vote.

    Columns are the enabled functions in the order they were added; a vote
    for a label the project no longer has is left out.
    """
    labels = tuple(
        session.scalar(select(Project.labels).where(Project.id == project_id)) or ()
    )
    functions = list_labeling_functions(session, project_id, enabled_only=True)
    column_of = {function.id: i for i, function in enumerate(functions)}
    label_index = {label: i for i, label in enumerate(labels)}
    items: list[np.ndarray] = []
    columns: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for chunk in read_lf_outputs(session, project_id, column_of):
        kept = [
            (item_id, column_of[lf_id], label_index[label])
            for lf_id, item_id, label in chunk
            if label in label_index
        ]
        if kept:
            array = np.asarray(kept, dtype=np.int64)
            items.append(array[:, 0])
            columns.append(array[:, 1])
            values.append(array[:, 2])
    empty = np.zeros(0, dtype=np.int64)
    return LabelMatrix.from_votes(
        np.concatenate(items) if items else empty,
        np.concatenate(columns) if columns else empty,
        np.concatenate(values) if values else empty,
        functions=tuple(function.name for function in functions),
        labels=labels,
    )
