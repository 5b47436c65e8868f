"""The label cells of an import read through the project's taxonomy.

An alias in a cell folds into its label (``ProjectConfig.aliases``); a label
the project lacks is refused, dropped or added to the project's labels, as
``--unknown-labels`` says; a child label brings its parents
(``ProjectConfig.parents``, transitively) where the task kind adds them
(multilabel). What each choice touched is counted in
:class:`LabelCellCounts`, per row. The task's adapter reads, renames and
completes the values: nothing here knows a task kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from activelabel.exceptions import ConfigError, InvalidLabelError
from activelabel.store.models import Project
from activelabel.store.projects import get_project
from activelabel.store.taxonomy import add_project_labels, replace_alias_functions
from activelabel.tasks import adapter_for
from activelabel.tasks.adapter import label_choices

__all__ = ["UNKNOWN_LABEL_CHOICES", "LabelCellCounts", "LabelCells"]

#: What ``--unknown-labels`` may say of a label the project lacks.
UNKNOWN_LABEL_CHOICES: Final = ("refuse", "drop", "add")


@dataclass
class LabelCellCounts:
    """Rows each choice touched while reading an import's label cells."""

    #: Rows where an alias was folded into its label.
    rows_folded: int = 0
    #: Rows that lost labels the project lacks (``drop``).
    rows_dropped: int = 0
    #: Of those, rows left with no label at all (imported unlabeled).
    rows_emptied: int = 0
    #: Rows holding a label the import added to the project (``add``).
    rows_adding: int = 0
    #: Labels added to the project's labels (``add``), in the order met.
    labels_added: list[str] = field(default_factory=list)
    #: Rows given the parents of their labels.
    rows_with_parents: int = 0

    def notes(self) -> list[str]:
        """What an import says of these counts (nothing when none is above 0)."""
        said = []
        if self.rows_folded:
            said.append(f"aliases folded into their label in {self.rows_folded:,} rows")
        if self.rows_dropped:
            said.append(
                f"labels the project lacks dropped from {self.rows_dropped:,} rows "
                f"({self.rows_emptied:,} of them left unlabeled)"
            )
        if self.labels_added:
            shown = ", ".join(self.labels_added[:10])
            more = (
                f" and {len(self.labels_added) - 10:,} more"
                if len(self.labels_added) > 10
                else ""
            )
            said.append(
                f"{len(self.labels_added):,} labels added to the project from "
                f"{self.rows_adding:,} rows ({shown}{more})"
            )
        if self.rows_with_parents:
            said.append(f"parents added in {self.rows_with_parents:,} rows")
        return [s[0].upper() + s[1:] + "." for s in said]


class LabelCells:
    """Reads an import's label cells for one project (one per import)."""

    def __init__(self, project: Project, unknown_labels: str = "refuse") -> None:
        if unknown_labels not in UNKNOWN_LABEL_CHOICES:
            raise ConfigError(
                f"--unknown-labels is one of {', '.join(UNKNOWN_LABEL_CHOICES)}, "
                f"not {unknown_labels!r}."
            )
        settings = project.settings
        self.adapter = adapter_for(project.task)
        self.unknown_labels = unknown_labels
        #: The project's labels, with those this import adds (``add``).
        self.labels: list[str] = list(project.labels)
        #: The project's labels before the import (what is unknown is judged
        #: against them, so every row holding a new label counts), and the
        #: labels it adds.
        self._schema = frozenset(self.labels)
        self._added: set[str] = set()
        self._aliases = settings.aliases
        self._parents = settings.parents
        # Without a taxonomy or a choice, a cell is parsed as it always was;
        # only a refused cell is read again to say which label and what to do.
        self._plain = not self._aliases and not self._parents
        self._plain = self._plain and unknown_labels == "refuse"
        self.counts = LabelCellCounts()

    @property
    def quick(self) -> frozenset[str]:
        """Cells accepted as they are (an alias is never a label, nor is a
        parent added to a value the kind keeps whole)."""
        return self.adapter.quick_labels(self.labels)

    def read(self, raw: Any, where: str) -> Any | None:
        """The value of a label cell (``None``: unlabeled); ``where`` names its row."""
        if self._plain:
            try:
                return self.adapter.parse_cell(self.labels, raw, where=where)
            except InvalidLabelError:
                self._read(raw, where)  # raises with the unknown label named
                raise
        return self._read(raw, where)

    def _read(self, raw: Any, where: str) -> Any | None:
        adapter, counts = self.adapter, self.counts
        value = adapter.read_cell(raw)
        if value is None:
            return None
        if self._aliases:
            aliases = self._aliases
            folded = adapter.relabel(value, lambda label: aliases.get(label, label))
            if folded != value:
                counts.rows_folded += 1
                value = folded
        unknown = [v for v in adapter.value_labels(value) if v not in self._schema]
        if unknown:
            value = self._unknown(value, unknown, where)
            if value is None:
                return None
        if self._parents:
            added = adapter.parents_to_add(self.labels, value, self._parents)
            if added:
                counts.rows_with_parents += 1
                value = adapter.with_labels(self.labels, value, added)
        return adapter.parse_cell(self.labels, value, where=where)

    def _unknown(self, value: Any, unknown: Sequence[str], where: str) -> Any | None:
        counts = self.counts
        if self.unknown_labels == "refuse":
            raise InvalidLabelError(
                f"{where}: {unknown[0]!r} is not a label of this project; "
                f"{label_choices(unknown[0], self.labels)} Import with "
                "--unknown-labels drop to leave such labels out, or "
                "--unknown-labels add to add them to the project's labels."
            )
        if self.unknown_labels == "drop":
            known = self._schema
            counts.rows_dropped += 1
            kept = self.adapter.relabel(
                value, lambda label: label if label in known else None
            )
            if kept is None:
                counts.rows_emptied += 1
            return kept
        counts.rows_adding += 1
        for label in dict.fromkeys(unknown):
            if label not in self._added:
                self._added.add(label)
                self.labels.append(label)
                counts.labels_added.append(label)
        return value

    def settle(
        self, connection: Connection, project: Project, *, had_text_column: bool
    ) -> None:
        """In the import's transaction, store the labels it added (``add``),
        and make the alias functions of a taxonomy loaded before the project
        had texts (they read the text column this import set)."""
        added = self.counts.labels_added
        if not added and not (self._aliases and not had_text_column):
            return
        with Session(bind=connection) as session:
            stored = get_project(session, project.name)
            if added:
                add_project_labels(session, stored, added)
            if self._aliases and not had_text_column:
                replace_alias_functions(session, stored)
            session.flush()
