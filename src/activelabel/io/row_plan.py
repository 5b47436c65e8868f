"""How the rows of one file become items: columns, labels, sizes, media, ids.

The first batch of a file settles a :class:`RowPlan` (which column is the text,
the id, the label, the features, the media path); every row then goes through
:func:`prepare_rows`, which validates it and serializes its fields once.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from activelabel.exceptions import (
    ColumnNotFoundError,
    ConfigError,
    FieldTooLargeError,
    ImportFormatError,
    MediaError,
)
from activelabel.io.item_writer import PreparedRow
from activelabel.io.label_cells import LabelCells
from activelabel.io.media import describe_media, resolve_inside
from activelabel.io.readers import READERS, Batch, check_reads
from activelabel.io.span_rows import SpanRowCheck, labels_spans
from activelabel.store.models import Project
from activelabel.tasks import Modality, adapter_for

__all__ = [
    "RowPlan",
    "check_label_source",
    "content_hash",
    "default_label_column",
    "parse_label",
    "prepare_rows",
    "serialize_fields",
    "settle_plan",
]

_encode_json = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=str
).encode


def _fields_bytes(data: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(data)
    except (orjson.JSONEncodeError, TypeError):
        # Integers beyond 64 bits or odd types: the standard encoder copes.
        return _encode_json(data).encode()


def serialize_fields(data: dict[str, Any]) -> str:
    """An item's fields as compact JSON text, in the order the source gave them."""
    return _fields_bytes(data).decode()


def content_hash(data_json: str) -> str:
    """Hash of an item's serialized fields: the same row content gives the same hash.

    Fields are hashed in source order (not sorted), which is stable for every row of
    one file and saves a second serialization per row.
    """
    return _hash_bytes(data_json.encode())


def _hash_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _suggest(name: str, columns: Iterable[str]) -> str:
    columns = list(columns)
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return f"{hint} The columns are: {', '.join(columns)}."


def _check_columns(
    path: Path, wanted: dict[str, str | None], columns: dict[str, None]
) -> None:
    for option, name in wanted.items():
        if name is not None and name not in columns:
            raise ColumnNotFoundError(
                f"{path} has no column {name!r} (given with {option})."
                + _suggest(name, columns)
            )


@dataclass
class RowPlan:
    """How the rows of one file become items; settled from the first batch."""

    text_column: str | None
    id_column: str | None
    label_column: str | None
    feature_columns: list[str] | None
    media_column: str | None
    media_root: Path | None
    #: The column holding another model's prediction of each row (Label Studio's).
    prediction_column: str | None = None
    #: The labels become predictions of this model, not annotations (``None``: not).
    as_predictions: bool = False
    #: The reader checked the spans of its label column (CoNLL builds them
    #: from checked tags on its own tokens): they are taken as they are.
    spans_checked: bool = False


def parse_label(project: Project, raw: Any, where: str) -> Any:
    """A label cell of an imported row as the project's task reads it (``None``: none)."""
    return adapter_for(project.task).parse_cell(project.labels, raw, where=where)


def _longest(row: dict[str, Any]) -> int:
    """Length of the longest value of a row: a cheap filter before the byte count."""
    try:
        # Rows of CSV and TSV are all strings: one pass in C, not a loop per field.
        return max(map(len, row.values()), default=0)
    except TypeError:  # numbers, booleans or nulls from JSON and Parquet
        return max(
            (len(v) for v in row.values() if isinstance(v, str)),
            default=0,
        )


def _check_size(row: dict[str, Any], limit: int, where: str) -> None:
    for key, value in row.items():
        if isinstance(value, str) and len(value) * 4 > limit:
            size = len(value.encode())
            if size > limit:
                raise FieldTooLargeError(
                    f"{where}: the field {key!r} is {size:,} bytes, over the limit of "
                    f"{limit:,} bytes (ACTIVELABEL_MAX_FIELD_BYTES)."
                )


def settle_plan(
    project: Project,
    path: Path,
    first: Batch,
    *,
    text_column: str | None,
    id_column: str | None,
    label_column: str | None,
    feature_columns: list[str] | None,
    media_column: str | None,
    media_root: Path | None,
    default_label_column: str | None = None,
    prediction_column: str | None = None,
    as_predictions: bool = False,
    default_id_column: str | None = None,
    spans_checked: bool = False,
) -> RowPlan:
    """How the rows of ``path`` become items, settled from its first batch.

    ``default_label_column`` is where the format (or the task, for JSON Lines
    spans) puts labels: taken when no ``--label-column`` is given and the rows
    have it; ``default_id_column`` likewise for ids. ``prediction_column``
    holds a model's predictions of a row.
    """
    # The columns of the first batch in order of appearance. A dict, not a list:
    # "key not in list" per key of every row made a 10,000-column file take
    # seconds per row (rows x columns^2).
    columns: dict[str, None] = {}
    for row in first.rows:
        columns.update(dict.fromkeys(row))
    if label_column is None and default_label_column in columns:
        label_column = default_label_column
    spans_checked = spans_checked and label_column == default_label_column
    if id_column is None and default_id_column in columns:
        id_column = default_id_column
    if prediction_column not in columns:
        prediction_column = None
    _check_columns(
        path,
        {
            "--text-column": text_column,
            "--id-column": id_column,
            "--label-column": label_column,
            "--media-column": media_column,
        },
        columns,
    )
    for name in feature_columns or []:
        _check_columns(path, {"--feature-columns": name}, columns)
    settings = project.settings
    modality = Modality(project.modality)
    reserved = {c for c in (id_column, label_column, prediction_column) if c}
    if modality == Modality.TEXT and text_column is None:
        text_column = settings.text_column
        if text_column is None:
            candidates = [c for c in columns if c not in reserved]
            if "text" in candidates:
                text_column = "text"
            elif len(candidates) == 1:
                text_column = candidates[0]
            else:
                raise ConfigError(
                    f"Project {project.name!r} labels texts: say which column of {path} "
                    f"holds the text with --text-column. The columns are: {', '.join(columns)}."
                )
        elif text_column not in columns:
            raise ColumnNotFoundError(
                f"{path} has no column {text_column!r}, the text column of project "
                f"{project.name!r}." + _suggest(text_column, columns)
            )
    if modality == Modality.TABULAR and feature_columns is None:
        feature_columns = settings.feature_columns or [
            c for c in columns if c not in reserved
        ]
    if modality in (Modality.IMAGE, Modality.AUDIO) and media_column is None:
        media_column = settings.media_column
        if media_column is None:
            raise ConfigError(
                f"Project {project.name!r} labels {modality.value} files: import a folder, "
                f"or name the column of {path} that holds file paths with --media-column."
            )
    if media_column is not None and media_root is None:
        # Paths in a file are read from the file's own folder, like links in a
        # page; each import records its root (see io.media_roots).
        media_root = path.parent.resolve()
    return RowPlan(
        text_column,
        id_column,
        label_column,
        feature_columns,
        media_column,
        media_root,
        prediction_column,
        as_predictions,
        spans_checked,
    )


def prepare_rows(
    project: Project,
    plan: RowPlan,
    batch: Batch,
    source: str,
    limit: int,
    cells: LabelCells | None = None,
) -> Iterator[PreparedRow]:
    """Each row of ``batch`` checked and ready to write; ``cells`` reads the
    label cells (the import's own, so its counts span every batch)."""
    # This loop runs once per row of the file: keep per-row work small and build
    # the "file, row N" strings only when something is wrong.
    label_column, id_column, media_column, text_column = (
        plan.label_column,
        plan.id_column,
        plan.media_column,
        plan.text_column,
    )
    quick_limit = limit // 4  # a str of n chars has at most 4n UTF-8 bytes
    # Cells the task accepts as they are (plain classification labels) are
    # checked against a set; anything else (and every error message) is parsed.
    cells = cells or LabelCells(project)
    labels = project.labels
    valid = cells.quick
    spans = (
        SpanRowCheck(project.task, labels, project.settings)
        if labels_spans(project.task)
        else None
    )
    for offset, data in enumerate(batch.rows):
        row_no = batch.first_row + offset
        if _longest(data) > quick_limit:
            _check_size(data, limit, f"{source}, {batch.place(offset)}")
        if text_column is not None and isinstance(data.get(text_column), dict | list):
            raise ImportFormatError(
                _not_text(
                    data[text_column], text_column, f"{source}, {batch.place(offset)}"
                )
            )
        label: Any = None
        predictions: list[tuple[str | None, Any, float | None]] = []
        raw_prediction = (
            data.pop(plan.prediction_column, None) if plan.prediction_column else None
        )
        if spans is not None:
            where = f"{source}, {batch.place(offset)}"
            text = spans.text(data, text_column, where)
            if label_column is not None:
                raw_label = data.pop(label_column, None)
                label = (
                    raw_label
                    if plan.spans_checked
                    else spans.spans(data, text, raw_label, where)
                )
            if isinstance(raw_prediction, dict):
                value = spans.spans(
                    data, text, raw_prediction.get("value"), f"{where}, prediction"
                )
                predictions.append(
                    (
                        raw_prediction.get("model_name"),
                        value or [],
                        raw_prediction.get("score"),
                    )
                )
        elif label_column is not None:
            raw_label = data.pop(label_column, None)
            if isinstance(raw_label, str) and raw_label in valid:
                label = raw_label
            else:
                label = cells.read(raw_label, f"{source}, {batch.place(offset)}")
        if plan.as_predictions and label is not None:
            predictions.append((None, label, None))
            label = None
        media_path = None
        if media_column is not None:
            media_path = _check_media(
                plan, data.get(media_column), f"{source}, {batch.place(offset)}"
            )
        encoded = _fields_bytes(data)
        digest = _hash_bytes(encoded)
        data_json = encoded.decode()
        if id_column is not None:
            ext = data.get(id_column)
            if ext is None or (isinstance(ext, str) and not ext.strip()):
                raise ImportFormatError(
                    f"{source}, {batch.place(offset)}: the id column {id_column!r} "
                    "is empty."
                )
            external_id = str(ext)
            if len(external_id) > 512:
                raise FieldTooLargeError(
                    f"{source}, {batch.place(offset)}: the id is longer than 512 "
                    "characters."
                )
        else:
            external_id = digest
        yield PreparedRow(
            row_no,
            external_id,
            digest,
            data_json,
            media_path,
            label,
            predictions=predictions,
        )


def _not_text(value: dict[str, Any] | list[Any], column: str, where: str) -> str:
    # Taking str() of a nested object as the text would show annotators a
    # Python repr and train the model on it; the person importing decides.
    kind = "a JSON object" if isinstance(value, dict) else "a JSON array"
    return (
        f"{where}: the text column {column!r} holds {kind}, not text. Choose a "
        "column that holds text with --text-column, or flatten the file first so "
        "the text is a field of its own."
    )


def _check_media(plan: RowPlan, value: Any, where: str) -> str:
    """Check one media path of a row; return it relative to the media root."""
    assert plan.media_root is not None
    if not value:
        raise MediaError(f"{where}: the media column {plan.media_column!r} is empty.")
    resolved = resolve_inside(plan.media_root, str(value))
    describe_media(resolved, shown_as=str(value))
    return resolved.relative_to(plan.media_root.resolve()).as_posix()


def default_label_column(project: Project, fmt: str) -> str | None:
    """Where the rows keep their labels when no ``--label-column`` says: the
    format's own column, or ``spans`` in a row table a span project reads."""
    reader = READERS[fmt]
    if reader.label_column is not None:
        return reader.label_column
    if labels_spans(project.task) and fmt in adapter_for(project.task).reads:
        return "spans"
    return None


def check_label_source(project: Project, path: Path, fmt: str, plan: RowPlan) -> None:
    """Refuse labels the task does not read from ``fmt``, and ``--as-predictions``
    for a file that carries no labels."""
    if plan.label_column is not None:
        check_reads(project.task, fmt)
    if plan.as_predictions and plan.label_column is None:
        raise ConfigError(
            f"--as-predictions imports a file's labels as predictions, but {path} has "
            "no labels to import (name their column with --label-column)."
        )
