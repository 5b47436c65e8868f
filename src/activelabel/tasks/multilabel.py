"""Multilabel: any number of labels per item (``["sports", "politics"]``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from activelabel.choices import STRATEGY_NAMES
from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.adapter import (
    ModelFamily,
    WholeItem,
    check_label,
    distinct_values,
    text_cell,
)
from activelabel.tasks.classification import (
    ROW_FORMATS,
    ROW_TABLES_OUT,
    with_close_match,
)
from activelabel.tasks.kinds import TaskKind

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Multilabel"]


class Multilabel(WholeItem):
    """A set of labels per item, kept in schema order; one yes/no model per label."""

    kind: TaskKind = TaskKind.MULTILABEL
    editor: str = "multilabel"
    model_family: ModelFamily | None = "one_vs_rest"
    score_metric: str = "subset_accuracy"
    # Kappa compares one prediction per item; a set of labels has none yet.
    stopping_signal: bool = False
    strategies: tuple[str, ...] = STRATEGY_NAMES
    reads: tuple[str, ...] = ROW_FORMATS
    writes: tuple[str, ...] = ROW_TABLES_OUT

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """A list of distinct labels (or ``"a, b"``), returned in schema order."""
        if isinstance(value, str):
            value = [v for v in (part.strip() for part in value.split(",")) if v]
        if not isinstance(value, list | tuple):
            raise InvalidLabelError(
                f"{where}: a multilabel value must be a list of labels, got {value!r}."
            )
        checked = [check_label(v, labels, where) for v in value]
        if len(set(checked)) != len(checked):
            raise InvalidLabelError(
                f"{where}: the label list {checked!r} repeats a label."
            )
        # Keep schema order so equal sets compare equal as JSON.
        return [label for label in labels if label in checked]

    def parse_cell(self, labels: Sequence[str], raw: Any, *, where: str) -> Any | None:
        """A cell holding ``a, b`` or a JSON list; blank for none."""
        raw = text_cell(raw)
        if raw is None:
            return None
        return with_close_match(self, labels, raw, where)

    def quick_labels(self, labels: Sequence[str]) -> frozenset[str]:
        """None: every cell is parsed (it may hold several labels)."""
        return frozenset()

    def can_train(self, values: Sequence[Any]) -> bool:
        """Two different label sets are enough for a first model."""
        return distinct_values(values) >= 2

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """Every label with p >= 0.5; the confidence of the least sure decision."""
        import numpy as np  # here: importing a task kind stays free of numpy

        proba = np.asarray(proba)
        suggestions = [
            [str(classes[int(j)]) for j in np.flatnonzero(row >= 0.5)] for row in proba
        ]
        confidences = [float(np.min(np.maximum(row, 1 - row))) for row in proba]
        return suggestions, confidences
