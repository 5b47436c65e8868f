"""What an import did (:class:`ImportReport`), and the project it imports into."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from activelabel.io.item_writer import ItemWriter
from activelabel.io.label_cells import LabelCellCounts
from activelabel.store.models import Project
from activelabel.store.projects import get_project

__all__ = ["ImportReport", "copy_counts", "load_project"]


@dataclass
class ImportReport:
    """What an import did."""

    source: str
    rows_read: int = 0
    items_added: int = 0
    items_existing: int = 0
    duplicates_skipped: int = 0
    labels_added: int = 0
    labels_unchanged: int = 0
    #: Labels stored as another model's predictions (``as_predictions``, or a
    #: Label Studio export's predictions).
    predictions_added: int = 0
    #: Known answers of gold items stored (``--gold``).
    gold_added: int = 0
    #: Rows the taxonomy and ``--unknown-labels`` touched (row files).
    label_cells: LabelCellCounts = field(default_factory=LabelCellCounts)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of wall time."""
        return self.rows_read / self.seconds if self.seconds else 0.0


def load_project(connection: Connection, name: str) -> Project:
    """The project named ``name``, read in the import's transaction and detached."""
    with Session(bind=connection) as session:
        project = get_project(session, name)
        session.expunge(project)
        return project


def copy_counts(report: ImportReport, writer: ItemWriter) -> None:
    """Put the writer's counts in the report, with notes on skipped duplicates."""
    counts = writer.counts
    report.items_added = counts.items_added
    report.items_existing = counts.items_existing
    report.duplicates_skipped = counts.duplicates_skipped
    report.labels_added = counts.labels_added
    report.labels_unchanged = counts.labels_unchanged
    report.predictions_added = counts.predictions_added
    report.gold_added = counts.gold_added
    if counts.duplicates_skipped:
        report.notes.append(
            f"{counts.duplicates_skipped} rows repeat the content of an earlier row "
            f"(first at {', '.join(counts.duplicate_examples)}) and were skipped; "
            "give an --id-column to keep them as separate items."
        )
    if counts.content_already_stored:
        report.notes.append(
            f"{counts.content_already_stored:,} new items have the same content as items "
            f"already stored under another id (first: {', '.join(counts.content_examples)})"
            "; the project now holds both. Import with the id column used before to "
            "match them instead."
        )
