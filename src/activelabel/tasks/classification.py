"""Classification: one label per item (``"spam"``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from activelabel.choices import STRATEGY_NAMES
from activelabel.tasks.adapter import (
    ModelFamily,
    WholeItem,
    check_label,
    distinct_values,
    text_cell,
)
from activelabel.tasks.kinds import TaskKind

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ROW_FORMATS", "ROW_TABLES_OUT", "Classification"]

#: The row-table formats read: a label is one cell of an item's row.
ROW_FORMATS = ("csv", "tsv", "jsonl", "json", "parquet")

#: The row-table formats written (a .json export would be one huge array).
ROW_TABLES_OUT = ("csv", "jsonl", "parquet")


class Classification(WholeItem):
    """One label from the schema per item; a single-label model learns it."""

    kind: TaskKind = TaskKind.CLASSIFICATION
    editor: str = "classification"
    model_family: ModelFamily | None = "single_label"
    score_metric: str = "accuracy"
    stopping_signal: bool = True
    strategies: tuple[str, ...] = STRATEGY_NAMES
    reads: tuple[str, ...] = ROW_FORMATS
    writes: tuple[str, ...] = ROW_TABLES_OUT
    agreement: str = "single_label"

    def validate(self, labels: Sequence[str], value: Any, *, where: str) -> Any:
        """A label of the schema."""
        return check_label(value, labels, where)

    def parse_cell(self, labels: Sequence[str], raw: Any, *, where: str) -> Any | None:
        """A label cell: a label, a number read as its label, blank for none."""
        if raw in labels:
            return raw
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = str(int(raw)) if float(raw).is_integer() else str(raw)
        # A list in a single-label column is decoded, so the sentence says a
        # list is not a label rather than quoting its text.
        raw = text_cell(raw)
        if raw is None:
            return None
        # check_label names the closest labels ("Did you mean").
        return self.validate(labels, raw, where=where)

    def quick_labels(self, labels: Sequence[str]) -> frozenset[str]:
        """Every label of the schema is a valid cell as it is."""
        return frozenset(labels)

    def read_cell(self, raw: Any) -> Any | None:
        """The cell's text (a number as its text), a decoded list left as it is."""
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = str(int(raw)) if float(raw).is_integer() else str(raw)
        return text_cell(raw)

    def value_labels(self, value: Any) -> list[str]:
        """The one label (none for a value that is not text)."""
        return [value] if isinstance(value, str) else []

    def relabel(self, value: Any, rename: Callable[[str], str | None]) -> Any | None:
        """The label renamed, ``None`` when it is dropped."""
        return rename(value) if isinstance(value, str) else value

    def parents_to_add(
        self, labels: Sequence[str], value: Any, parents: Mapping[str, Sequence[str]]
    ) -> list[str]:
        """None: an item has one label, so a parent would replace it, not join
        it; a taxonomy's parents only group the labels here."""
        return []

    def with_labels(
        self, labels: Sequence[str], value: Any, added: Sequence[str]
    ) -> Any:
        """The value as it is (nothing is ever added to one label)."""
        return value

    def can_train(self, values: Sequence[Any]) -> bool:
        """Two different labels are enough for a first model."""
        return distinct_values(values) >= 2

    def suggest(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any]
    ) -> tuple[list[Any], list[float]]:
        """The most probable label and its probability."""
        best = proba.argmax(axis=1)
        return [str(classes[b]) for b in best], [float(p) for p in proba.max(axis=1)]

    def suggest_learned(
        self,
        proba: np.ndarray[Any, Any],
        classes: Sequence[Any],
        unlearned: Collection[str],
    ) -> tuple[list[Any], list[float | None]]:
        """The best label, except where it is a class the model has not learned;
        nothing at all while it has learned fewer than two classes.

        A model that learned one class of two answers that class for every item
        (the first SMS model answered "ham" to every spam), so its answer says
        nothing about the item in front of the person: no suggestion is better
        than a wrong one accepted with Enter.
        """
        values, sure = self.suggest(proba, classes)
        missing = {str(c) for c in unlearned}
        if sum(str(c) not in missing for c in classes) < 2:
            return [None] * len(values), [None] * len(values)
        kept = [v not in missing for v in values]
        return (
            [v if k else None for v, k in zip(values, kept, strict=True)],
            [p if k else None for p, k in zip(sure, kept, strict=True)],
        )

    def confident_values(
        self, proba: np.ndarray[Any, Any], classes: Sequence[Any], threshold: float
    ) -> tuple[list[int], list[Any], list[float]]:
        """Rows whose most probable label has a probability of at least
        ``threshold``: that label."""
        import numpy as np  # here: importing a task kind stays free of numpy

        proba = np.asarray(proba)
        top = proba.max(axis=1)
        rows = np.flatnonzero(top >= threshold)
        best = proba[rows].argmax(axis=1)
        return (
            [int(r) for r in rows],
            [str(classes[b]) for b in best],
            [float(top[r]) for r in rows],
        )
