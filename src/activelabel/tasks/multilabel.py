"""Multilabel: any number of labels per item (``["sports", "politics"]``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from activelabel.choices import STRATEGY_NAMES
from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.adapter import (
    ModelFamily,
    WholeItem,
    ancestors,
    check_label,
    distinct_values,
    text_cell,
)
from activelabel.tasks.classification import ROW_FORMATS, ROW_TABLES_OUT
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
    agreement: str = "label_set"

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
        return self.validate(labels, raw, where=where)

    def quick_labels(self, labels: Sequence[str]) -> frozenset[str]:
        """None: every cell is parsed (it may hold several labels)."""
        return frozenset()

    def read_cell(self, raw: Any) -> Any | None:
        """The cell's labels: ``a, b`` split, a JSON list decoded."""
        raw = text_cell(raw)
        if isinstance(raw, str):
            return [v for v in (part.strip() for part in raw.split(",")) if v]
        return raw

    def value_labels(self, value: Any) -> list[str]:
        """The labels of the list (``a, b`` split)."""
        if isinstance(value, str):
            value = self.read_cell(value)
        if not isinstance(value, list | tuple):
            return []
        return [v for v in value if isinstance(v, str)]

    def relabel(self, value: Any, rename: Callable[[str], str | None]) -> Any | None:
        """Each label renamed, dropped ones left out, a repeat kept once;
        ``None`` when no label is left (the item is then unlabeled)."""
        if isinstance(value, str):
            value = self.read_cell(value)
        if not isinstance(value, list | tuple):
            return value
        renamed = [rename(v) if isinstance(v, str) else v for v in value]
        kept = list(dict.fromkeys(v for v in renamed if v is not None))
        return kept or None

    def parents_to_add(
        self, labels: Sequence[str], value: Any, parents: Mapping[str, Sequence[str]]
    ) -> list[str]:
        """Every ancestor of the value's labels it does not hold, in schema order."""
        if not parents:
            return []
        held = self.value_labels(value)
        missing = set(ancestors(parents, held)).difference(held)
        return [label for label in labels if label in missing]

    def with_labels(
        self, labels: Sequence[str], value: Any, added: Sequence[str]
    ) -> Any:
        """The union, in schema order (a label outside the schema kept last)."""
        if not added:
            return value
        union = set(self.value_labels(value)).union(added)
        ordered = [label for label in labels if label in union]
        return ordered + [v for v in self.value_labels(value) if v not in labels]

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

    def suggest_learned(
        self,
        proba: np.ndarray[Any, Any],
        classes: Sequence[Any],
        unlearned: Collection[str],
    ) -> tuple[list[Any], list[float | None]]:
        """:meth:`suggest` over the labels the model has learned: an unlearned
        label is never suggested nor counted in the confidence; no suggestion
        when it has learned none."""
        import numpy as np  # here: importing a task kind stays free of numpy

        missing = {str(c) for c in unlearned}
        keep = [j for j, c in enumerate(classes) if str(c) not in missing]
        proba = np.asarray(proba)
        if not keep:
            return [None] * len(proba), [None] * len(proba)
        values, sure = self.suggest(proba[:, keep], [classes[j] for j in keep])
        return values, list(sure)

    def confident_values(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any], threshold: float
    ) -> tuple[list[int], list[Any], list[float]]:
        """Rows where every label's yes or no is at least ``threshold`` sure
        (the least sure decision clears it): the labels said yes to, possibly
        none."""
        import numpy as np  # here: importing a task kind stays free of numpy

        proba = np.asarray(proba)
        sure = np.maximum(proba, 1 - proba).min(axis=1)
        rows = np.flatnonzero(sure >= threshold)
        return (
            [int(r) for r in rows],
            [
                [str(classes[int(j)]) for j in np.flatnonzero(proba[r] >= 0.5)]
                for r in rows
            ],
            [float(sure[r]) for r in rows],
        )
