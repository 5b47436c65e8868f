"""Write items and imported labels in batches inside one transaction.

Re-importing adds nothing: items are inserted with ``ON CONFLICT DO NOTHING`` on
``(project_id, external_id)``. Duplicates *inside* one file are told apart from
items that existed before by their row id: anything with an id above the largest
id seen before the import was written by this import. That keeps memory flat —
no set of every id in the file is held.

An item added under a new id whose content equals an item stored before is
counted (``content_already_stored``): re-importing a file with another id
column, or none, adds every row again, and the import says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select, update

from activelabel.exceptions import DuplicateIdError, ImportFormatError
from activelabel.io.item_sinks import make_sink
from activelabel.store.gold import store_gold_answers
from activelabel.store.models import Annotation, Item, utcnow
from activelabel.store.predictions import PredictionRow, write_predictions
from activelabel.tasks.adapter import value_key

__all__ = ["ItemWriter", "PreparedRow", "WriteCounts"]

_items = cast(Table, Item.__table__)
_annotations = cast(Table, Annotation.__table__)


@dataclass(slots=True)
class PreparedRow:
    """One row ready to be written: the item and, maybe, its imported label."""

    row: int
    external_id: str
    content_hash: str
    #: The original fields as JSON text (serialized once, hashed and stored as is).
    data_json: str
    media_path: str | None = None
    #: A validated label value, or None when the row carries no label.
    label: Any = None
    #: The media root ``media_path`` is relative to.
    media_root_id: int | None = None
    #: Other models' labels for the item: ``(model name or None, value, score)``;
    #: a ``None`` name is the import's (see :class:`ItemWriter`).
    predictions: list[tuple[str | None, Any, float | None]] = field(
        default_factory=list
    )


@dataclass
class WriteCounts:
    """What a write did, row by row."""

    items_added: int = 0
    items_existing: int = 0
    duplicates_skipped: int = 0
    labels_added: int = 0
    labels_unchanged: int = 0
    predictions_added: int = 0
    #: Known answers of gold items stored (``--gold``).
    gold_added: int = 0
    duplicate_examples: list[str] = field(default_factory=list)
    #: New items whose content equals an item stored before the import.
    content_already_stored: int = 0
    content_examples: list[str] = field(default_factory=list)


class ItemWriter:
    """Inserts prepared rows for one project over one connection (one transaction)."""

    def __init__(
        self,
        connection: Connection,
        *,
        project_id: int,
        source_name: str,
        ids_are_given: bool,
        model_name: str | None = None,
        gold: bool = False,
    ) -> None:
        self.connection = connection
        self.project_id = project_id
        self.source_name = source_name
        self.ids_are_given = ids_are_given
        #: The name every prediction of the import is stored under (``--model-name``).
        self.model_name = model_name
        #: The name of predictions the file does not name: the file's.
        self.default_model_name = Path(source_name).name
        #: The labels are gold items' known answers (``--gold``), not annotations.
        self.gold = gold
        self.counts = WriteCounts()
        self._sink = make_sink(connection, project_id)
        self._max_before = (
            connection.scalar(select(func.coalesce(func.max(_items.c.id), 0))) or 0
        )
        # A project empty before the import cannot repeat stored content: its
        # first (and largest) import pays nothing for the check.
        self._had_items = (
            connection.scalar(
                select(_items.c.id).where(_items.c.project_id == project_id).limit(1)
            )
            is not None
        )

    def write(self, rows: Sequence[PreparedRow]) -> None:
        """Insert one batch; raise :class:`DuplicateIdError` for an id given twice."""
        unique: dict[str, PreparedRow] = {}
        for row in rows:
            if row.external_id in unique:
                self._duplicate(row, unique[row.external_id].row)
                continue
            unique[row.external_id] = row
        if not unique:
            return
        now = utcnow()
        inserted = self._sink.insert_items(
            [
                (
                    r.external_id,
                    r.content_hash,
                    r.data_json,
                    r.media_root_id,
                    r.media_path,
                )
                for r in unique.values()
            ],
            now,
        )
        self.counts.items_added += len(inserted)
        if inserted and self._had_items:
            self._count_stored_content([unique[ext] for ext in inserted])
        conflicts = [ext for ext in unique if ext not in inserted]
        existing_ids: dict[str, int] = {}
        if conflicts:
            existing_ids = self._resolve_conflicts(conflicts, unique)
        labeled = [row for row in unique.values() if row.label is not None]
        if self.gold:
            self._write_gold(unique.values(), inserted, existing_ids)
        elif labeled:
            self._write_labels(labeled, inserted, existing_ids)
        predicted = [row for row in unique.values() if row.predictions]
        if predicted:
            self._write_predictions(predicted, inserted, existing_ids)

    def _write_predictions(
        self,
        rows: list[PreparedRow],
        inserted: dict[str, int],
        existing: dict[str, int],
    ) -> None:
        found: list[PredictionRow] = []
        for row in rows:
            item_id = inserted.get(row.external_id) or existing.get(row.external_id)
            if item_id is None:
                continue  # a skipped in-file duplicate
            found.extend(
                PredictionRow(
                    item_id,
                    self.model_name or name or self.default_model_name,
                    value,
                    score,
                )
                for name, value, score in row.predictions
            )
        self.counts.predictions_added += write_predictions(
            self.connection, self.project_id, found
        )

    def _write_gold(
        self,
        rows: Iterable[PreparedRow],
        inserted: dict[str, int],
        existing: dict[str, int],
    ) -> None:
        """Store each row's known answer for its (new or matched) item."""
        answers: list[tuple[int, str]] = []
        for row in rows:
            if row.label is None:
                raise ImportFormatError(
                    f"{self.source_name}, row {row.row}: a gold item needs its known "
                    "answer, and this row's label is blank. Nothing was imported."
                )
            item_id = inserted.get(row.external_id) or existing.get(row.external_id)
            if item_id is not None:
                answers.append((item_id, json.dumps(row.label, ensure_ascii=False)))
        self.counts.gold_added += store_gold_answers(
            self.connection, self.project_id, answers
        )

    def _duplicate(self, row: PreparedRow, first_row: int | None) -> None:
        if self.ids_are_given:
            where = (
                f"rows {first_row} and {row.row}"
                if first_row
                else f"row {row.row} and an earlier row"
            )
            raise DuplicateIdError(
                f"The id {row.external_id!r} appears twice in {self.source_name} "
                f"({where}); ids must be unique within a file. Nothing was imported."
            )
        self.counts.duplicates_skipped += 1
        if len(self.counts.duplicate_examples) < 5:
            self.counts.duplicate_examples.append(f"row {row.row}")

    def _count_stored_content(self, added: list[PreparedRow]) -> None:
        """Count new items whose content an item stored before the import has."""
        by_hash: dict[str, PreparedRow] = {row.content_hash: row for row in added}
        stored = set(
            self.connection.scalars(
                select(_items.c.content_hash)
                .where(
                    _items.c.project_id == self.project_id,
                    _items.c.content_hash.in_(list(by_hash)),
                    _items.c.id <= self._max_before,
                )
                .distinct()
            )
        )
        if not stored:
            return
        repeats = [row for row in added if row.content_hash in stored]
        self.counts.content_already_stored += len(repeats)
        for row in repeats[: 5 - len(self.counts.content_examples)]:
            self.counts.content_examples.append(row.media_path or f"row {row.row}")

    def _resolve_conflicts(
        self, conflicts: list[str], unique: dict[str, PreparedRow]
    ) -> dict[str, int]:
        """Split conflicting ids into earlier rows of this file and pre-existing items."""
        found = self.connection.execute(
            select(_items.c.id, _items.c.external_id).where(
                _items.c.project_id == self.project_id,
                _items.c.external_id.in_(conflicts),
            )
        ).all()
        existing: dict[str, int] = {}
        for item_id, ext in found:
            if item_id > self._max_before:
                self._duplicate(unique[ext], None)
            else:
                existing[ext] = item_id
        self.counts.items_existing += len(existing)
        return existing

    def _write_labels(
        self,
        labeled: list[PreparedRow],
        inserted: dict[str, int],
        existing: dict[str, int],
    ) -> None:
        # Items that existed before may already carry an imported label: keep it when
        # equal, supersede it when the file now says something else.
        previous: dict[int, list[tuple[int, Any]]] = {}
        old_ids = [
            existing[row.external_id] for row in labeled if row.external_id in existing
        ]
        if old_ids:
            for ann_id, item_id, value in self.connection.execute(
                select(
                    _annotations.c.id, _annotations.c.item_id, _annotations.c.value
                ).where(
                    _annotations.c.item_id.in_(old_ids),
                    _annotations.c.source == "import",
                    _annotations.c.status == "active",
                )
            ):
                previous.setdefault(item_id, []).append((ann_id, value))
        now = utcnow()
        new_rows: list[tuple[int, str]] = []
        encoded: dict[str, str] = {}  # classification labels repeat: encode each once
        superseded: list[int] = []
        for row in labeled:
            item_id = inserted.get(row.external_id) or existing.get(row.external_id)
            if item_id is None:
                continue  # a skipped in-file duplicate
            olds = previous.get(item_id, [])
            if any(value_key(value) == value_key(row.label) for _, value in olds):
                self.counts.labels_unchanged += 1
                continue
            superseded.extend(ann_id for ann_id, _ in olds)
            label_json = encoded.get(row.label) if isinstance(row.label, str) else None
            if label_json is None:
                label_json = json.dumps(row.label, ensure_ascii=False)
                if isinstance(row.label, str):
                    encoded[row.label] = label_json
            new_rows.append((item_id, label_json))
        if superseded:
            self.connection.execute(
                update(_annotations)
                .where(_annotations.c.id.in_(superseded))
                .values(status="superseded", updated_at=now)
            )
        if new_rows:
            self._sink.insert_labels(new_rows, now)
            self.counts.labels_added += len(new_rows)
