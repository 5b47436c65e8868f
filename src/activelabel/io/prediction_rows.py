"""A predictions file for stored items: another model's label and score per item.

``activelabel import NAME preds.jsonl --as-predictions --model-name X`` reads
such a file when its rows carry no item content (no text column of the
project, none of its feature columns, no media column: :func:`names_no_items`);
a file that does carry it still creates items whose labels are predictions
(:mod:`activelabel.io.importer`). Each row names a stored item and what the
model said of it (docs/predictions.md):

* the item's id as it was imported: ``--id-column``, else ``id``, else
  ``external_id`` (the export's column);
* the label: ``--label-column``, else ``prediction`` (the export's column),
  else ``label`` (one label) or ``labels`` (a label set: a JSON list or
  ``a, b``); read by the task's adapter, so a label outside the schema is
  refused naming the row and the closest labels;
* ``score`` (or ``prediction_score``): how sure the model was, in [0, 1];
  optional;
* ``scores`` (or ``prediction_scores``): each label's score, a JSON object
  such as ``{"spam": 0.9, "promo": 0.2}``; optional; with it a row needs no
  label (a label set is then every label scored 0.5 or more, one label the
  best scored);
* the model: ``--model-name``, else the row's ``prediction_model``, else the
  file's name.

The file is all or nothing: one transaction, and any bad row (a missing id,
an unknown label, a score outside [0, 1], an id given twice) or any id that
matches no stored item (counted, the first few named) rolls it all back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from activelabel.config import Settings
from activelabel.exceptions import ColumnNotFoundError, ConfigError, ImportFormatError
from activelabel.io.import_report import ImportReport, load_project
from activelabel.io.prediction_cells import (
    CONFIDENCE_FROM_SCORES,
    VALUE_FROM_SCORES,
    read_label_scores,
    read_score,
)
from activelabel.io.readers import detect_format, read_batches
from activelabel.store.engine import Store
from activelabel.store.item_ids import item_ids_by_external_id
from activelabel.store.models import Project
from activelabel.store.predictions import PredictionRow, write_predictions
from activelabel.tasks import Modality, adapter_for

__all__ = [
    "EXPORT_PREDICTION_COLUMN",
    "PREDICTION_FAMILIES",
    "import_predictions_file",
    "is_predictions_file",
    "names_no_items",
]

#: Model families whose items take a whole-item prediction with a score (one
#: label of several, a label set); a span or box project imports its
#: predictions with its texts or images.
PREDICTION_FAMILIES: Final = frozenset({"single_label", "one_vs_rest"})

#: The column an export with predictions writes them in
#: (:mod:`activelabel.io.export_predictions`).
EXPORT_PREDICTION_COLUMN: Final = "prediction"

#: Unknown ids named in the refusal (the rest are counted).
_NAMED: Final = 5

#: Columns read when no option names one, first present wins.
#: ``external_id`` first: a file with both is an export, whose ``id`` would
#: be one of the item's own fields.
_ID_COLUMNS: Final = ("external_id", "id")
_LABEL_COLUMNS: Final = ("prediction", "label", "labels")
_SCORE_COLUMNS: Final = ("score", "prediction_score")
_SCORES_COLUMNS: Final = ("scores", "prediction_scores")
_MODEL_COLUMN: Final = "prediction_model"


def names_no_items(
    project: Project,
    columns: Mapping[str, Any],
    *,
    text_column: str | None,
    media_column: str | None,
    feature_columns: list[str] | None,
) -> bool:
    """Whether rows with ``columns`` hold predictions for stored items only:
    none of the columns an item of ``project`` is made from is among them."""
    settings = project.settings
    modality = Modality(project.modality)
    if modality == Modality.TEXT:
        content = [text_column or settings.text_column]
    elif modality == Modality.TABULAR:
        content = list(feature_columns or settings.feature_columns or [])
    else:
        # Media items come from a folder or a path column: a file without
        # that column cannot make one.
        return (
            EXPORT_PREDICTION_COLUMN in columns
            or (media_column or settings.media_column) not in columns
        )
    named = [c for c in content if c]
    # An export written with --include-predictions has its items' fields
    # too: its prediction column says what it is.
    return EXPORT_PREDICTION_COLUMN in columns or (
        bool(named) and not any(c in columns for c in named)
    )


def is_predictions_file(
    store: Store,
    project_name: str,
    path: Path,
    *,
    fmt: str | None,
    encoding: str,
    delimiter: str | None,
    header: bool,
    names: list[str] | None,
    text_column: str | None,
    media_column: str | None,
    feature_columns: list[str] | None,
) -> bool:
    """Whether ``--as-predictions`` reads ``path`` as predictions for stored
    items: its first rows hold none of the columns items are made from
    (:func:`names_no_items`). Reads the first rows only."""
    with store.engine.connect() as connection:
        project = load_project(connection, project_name)
    chosen = detect_format(path, fmt, task=project.task, encoding=encoding)
    for batch in read_batches(
        path,
        fmt=chosen,
        encoding=encoding,
        delimiter=delimiter,
        header=header and names is None,
        names=names,
        batch_size=100,
    ):
        columns: dict[str, None] = {}
        for row in batch.rows:
            columns.update(dict.fromkeys(row))
        return names_no_items(
            project,
            columns,
            text_column=text_column,
            media_column=media_column,
            feature_columns=feature_columns,
        )
    return False


@dataclass
class _Columns:
    """Which column of the file holds what."""

    id: str
    label: str | None
    score: str | None
    scores: str | None
    model: str | None


def _settle_columns(
    path: Path,
    columns: Mapping[str, Any],
    *,
    id_column: str | None,
    label_column: str | None,
) -> _Columns:
    def first(names: tuple[str, ...]) -> str | None:
        return next((n for n in names if n in columns), None)

    listed = ", ".join(columns)
    chosen_id = id_column or first(_ID_COLUMNS)
    if chosen_id is None or chosen_id not in columns:
        raise ColumnNotFoundError(
            f"{path} has no id column {chosen_id or 'id'!r}: a predictions file "
            "names each stored item by the id it was imported with (name the "
            f"column with --id-column). The columns are: {listed}."
        )
    if label_column is not None and label_column not in columns:
        raise ColumnNotFoundError(
            f"{path} has no column {label_column!r} (given with --label-column). "
            f"The columns are: {listed}."
        )
    label = label_column or first(_LABEL_COLUMNS)
    scores = first(_SCORES_COLUMNS)
    if label is None and scores is None:
        raise ColumnNotFoundError(
            f"{path} has no label column: a predictions file gives each item a "
            "'label' (or 'labels', or per-label 'scores'). "
            f"The columns are: {listed}."
        )
    return _Columns(
        chosen_id,
        label,
        first(_SCORE_COLUMNS),
        scores,
        _MODEL_COLUMN if _MODEL_COLUMN in columns else None,
    )


@dataclass
class _Matching:
    """Ids seen so far, and those no stored item has."""

    seen: dict[str, str] = field(default_factory=dict)
    unknown: int = 0
    unknown_named: list[str] = field(default_factory=list)

    def refusal(self, path: Path, project: Project) -> str:
        more = (
            f" and {self.unknown - len(self.unknown_named):,} more"
            if self.unknown > len(self.unknown_named)
            else ""
        )
        return (
            f"{path}: {self.unknown:,} rows name items project {project.name!r} "
            f"does not hold ({', '.join(map(repr, self.unknown_named))}{more}); "
            "nothing was stored. Predictions are for items already imported: "
            "use the ids they were imported with (--id-column)."
        )


def import_predictions_file(
    store: Store,
    project_name: str,
    path: Path,
    *,
    fmt: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    header: bool = True,
    names: list[str] | None = None,
    id_column: str | None = None,
    label_column: str | None = None,
    model_name: str | None = None,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Store another model's predictions of stored items from ``path``, in one
    transaction (the file's format is described in the module's docstring).

    Returns the report (``predictions_added``, ``items_existing``: the items
    matched). Raises an :class:`ImportFormatError` naming the file and row
    for a bad row, and one counting the ids no stored item has; nothing is
    stored then.
    """
    settings = settings or Settings()
    report = ImportReport(source=str(path))
    started = time.perf_counter()
    total = path.stat().st_size
    matching = _Matching()
    blank = 0
    with store.engine.begin() as connection:
        project = load_project(connection, project_name)
        adapter = adapter_for(project.task)
        if adapter.model_family not in PREDICTION_FAMILIES:
            raise ConfigError(
                f"{path} has no item content, so it would give predictions to "
                f"stored items; project {project_name!r} labels "
                f"{adapter.kind.value}, whose predictions are imported with "
                "their items (the file's text or image beside each prediction)."
            )
        labels = list(project.labels)
        chosen = detect_format(path, fmt, task=project.task, encoding=encoding)
        plan: _Columns | None = None
        for batch in read_batches(
            path,
            fmt=chosen,
            encoding=encoding,
            delimiter=delimiter,
            header=header and names is None,
            names=names,
            batch_size=settings.import_batch_size,
            max_field_bytes=settings.max_field_bytes,
            notes=report.notes,
        ):
            if plan is None:
                columns: dict[str, None] = {}
                for row in batch.rows:
                    columns.update(dict.fromkeys(row))
                plan = _settle_columns(
                    path, columns, id_column=id_column, label_column=label_column
                )
            parsed: list[tuple[str, str, Any, float | None, Any]] = []
            for offset, row in enumerate(batch.rows):
                where = f"{path}, {batch.place(offset)}"
                one = _parse_row(
                    row, plan, adapter, labels, where, matching, model_name, path
                )
                if one is None:
                    blank += 1
                else:
                    parsed.append(one)
            known = item_ids_by_external_id(
                connection, project.id, [p[0] for p in parsed]
            )
            rows: list[PredictionRow] = []
            for external_id, model, value, score, label_scores in parsed:
                item_id = known.get(external_id)
                if item_id is None:
                    matching.unknown += 1
                    if len(matching.unknown_named) < _NAMED:
                        matching.unknown_named.append(external_id)
                    continue
                rows.append(PredictionRow(item_id, model, value, score, label_scores))
            if not matching.unknown:
                report.predictions_added += write_predictions(
                    connection, project.id, rows
                )
                report.items_existing += len(rows)
            report.rows_read += len(batch.rows)
            if progress is not None:
                progress(batch.position, total)
        if plan is None:
            raise ImportFormatError(f"{path} has no rows to import.")
        if matching.unknown:
            # Raising inside the transaction rolls back every batch written.
            raise ImportFormatError(matching.refusal(path, project))
        if blank:
            report.notes.append(
                f"{blank:,} rows predict nothing (their label cells are blank) "
                "and were left out."
            )
    report.seconds = time.perf_counter() - started
    return report


def _parse_row(
    row: dict[str, Any],
    plan: _Columns,
    adapter: Any,
    labels: list[str],
    where: str,
    matching: _Matching,
    model_name: str | None,
    path: Path,
) -> tuple[str, str, Any, float | None, dict[str, float] | None] | None:
    """One row as (external id, model name, value, score, label scores);
    ``None`` for a row that predicts nothing (its label cells are blank)."""
    raw_id = row.get(plan.id)
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        raise ImportFormatError(f"{where}: the id column {plan.id!r} is empty.")
    external_id = str(raw_id)
    earlier = matching.seen.get(external_id)
    if earlier is not None:
        raise ImportFormatError(
            f"{where}: the id {external_id!r} was given already ({earlier}); an "
            "item has one prediction per model."
        )
    matching.seen[external_id] = where.rsplit(", ", 1)[-1]
    scores = (
        read_label_scores(row.get(plan.scores), labels, where, plan.scores)
        if plan.scores
        else None
    )
    value = (
        adapter.parse_cell(labels, row.get(plan.label), where=where)
        if plan.label
        else None
    )
    if value is None and scores is not None:
        value = VALUE_FROM_SCORES[adapter.model_family](labels, scores)
    if value is None:
        # An item without a prediction (an export's unpredicted items).
        return None
    score = read_score(row.get(plan.score), where, plan.score) if plan.score else None
    if score is None and scores is not None:
        score = CONFIDENCE_FROM_SCORES[adapter.model_family](value, scores)
    model = model_name or (
        str(row[plan.model]) if plan.model and row.get(plan.model) else path.name
    )
    return external_id, model, value, score, scores
