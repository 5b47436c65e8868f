"""Items where the label model and a person disagree: possible mislabels or rule bugs.

Made With ML's labeling lesson uses its rules "to look for false positives
and negatives to identify potentially mislabeled samples": an item the
functions confidently call ``spam`` that a person labeled ``ham`` is either a
slip of the person or a function that fires where it should not. Listed most
confident first, each with the functions that voted and what they voted, so
both readings can be checked at a glance.

Pure: values in, values out (the loop reads them from the store).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from activelabel.weak.label_matrix import LabelMatrix

__all__ = ["Disagreement", "find_disagreements", "same_value"]


@dataclass(frozen=True)
class Disagreement:
    """An item whose person's label the label model contradicts."""

    item_id: int
    #: The person's label (a label, or a list of labels).
    human: Any
    #: The label model's label and its confidence.
    weak: Any
    confidence: float
    #: Each function that voted on the item and the labels it voted.
    votes: dict[str, list[str]] = field(default_factory=dict)
    #: The item's id in its source file (filled by the caller that knows it).
    external_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return asdict(self)


def same_value(a: Any, b: Any) -> bool:
    """Whether two values name the same labels (a list's order does not count)."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def find_disagreements(
    matrix: LabelMatrix,
    weak_values: Sequence[Any],
    confidences: Sequence[float],
    human: Mapping[int, Any],
    *,
    limit: int | None = 100,
) -> list[Disagreement]:
    """The matrix's items whose ``weak_values`` (one per row) differ from a
    person's label in ``human`` (by item id), most confident first.

    The total found is ``len`` of the list when ``limit`` is None.
    """
    found: list[tuple[float, int]] = []
    for row, item_id in enumerate(matrix.item_ids.tolist()):
        person = human.get(item_id)
        if person is None or same_value(person, weak_values[row]):
            continue
        found.append((float(confidences[row]), row))
    # Most confident first; equal confidence: lowest item id first.
    found.sort(key=lambda pair: (-pair[0], pair[1]))
    if limit is not None:
        found = found[:limit]
    rows = np.array([row for _, row in found], dtype=np.int64)
    votes_of: dict[int, dict[str, list[str]]] = {int(r): {} for r in rows}
    for vote in np.flatnonzero(np.isin(matrix.rows, rows)):
        votes = votes_of[int(matrix.rows[vote])]
        name = matrix.functions[int(matrix.columns[vote])]
        votes.setdefault(name, []).append(matrix.labels[int(matrix.values[vote])])
    return [
        Disagreement(
            item_id=int(matrix.item_ids[row]),
            human=human[int(matrix.item_ids[row])],
            weak=weak_values[row],
            confidence=confidence,
            votes=votes_of[row],
        )
        for confidence, row in found
    ]
