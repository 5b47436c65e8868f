"""Import a file of rows or a folder of media files into a project.

An import is one transaction: a bad row anywhere in the file rolls back every row
before it, so the database is exactly as it was. Files are read in batches, so
memory stays flat however large the file is.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, update
from sqlalchemy.orm import Session

from activelabel.config import Settings
from activelabel.exceptions import (
    ColumnNotFoundError,
    ConfigError,
    FieldTooLargeError,
    ImportFormatError,
    InvalidLabelError,
    MediaError,
)
from activelabel.io.item_writer import ItemWriter, PreparedRow
from activelabel.io.media import (
    describe_media,
    file_digest,
    iter_media_files,
    resolve_inside,
)
from activelabel.io.readers import Batch, detect_format, read_batches
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.store.projects import get_project
from activelabel.tasks import Modality, TaskKind, validate_value

__all__ = ["ImportReport", "content_hash", "import_path", "serialize_fields"]

#: ``progress(done, total)``; units are bytes for files and files for folders.
ProgressCallback = Callable[[int, int], None]


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
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of wall time."""
        return self.rows_read / self.seconds if self.seconds else 0.0


def serialize_fields(data: dict[str, Any]) -> str:
    """An item's fields as compact JSON text, in the order the source gave them."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def content_hash(data_json: str) -> str:
    """Hash of an item's serialized fields: the same row content gives the same hash.

    Fields are hashed in source order (not sorted), which is stable for every row of
    one file and saves a second serialization per row.
    """
    return hashlib.blake2b(data_json.encode(), digest_size=16).hexdigest()


def _suggest(name: str, columns: Iterable[str]) -> str:
    columns = list(columns)
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return f"{hint} The columns are: {', '.join(columns)}."


def _check_columns(
    path: Path, wanted: dict[str, str | None], columns: list[str]
) -> None:
    for option, name in wanted.items():
        if name is not None and name not in columns:
            raise ColumnNotFoundError(
                f"{path} has no column {name!r} (given with {option})."
                + _suggest(name, columns)
            )


@dataclass
class _Plan:
    """How the rows of one file become items; settled from the first batch."""

    text_column: str | None
    id_column: str | None
    label_column: str | None
    feature_columns: list[str] | None
    media_column: str | None
    media_root: Path | None


def _project(connection: Connection, name: str) -> Project:
    with Session(bind=connection) as session:
        project = get_project(session, name)
        session.expunge(project)
        return project


def _save_config(
    connection: Connection, project: Project, updates: dict[str, Any]
) -> None:
    config = dict(project.config or {})
    changed = False
    for key, value in updates.items():
        if value is None:
            continue
        if (
            key in config
            and config[key] != value
            and key in ("text_column", "media_column")
        ):
            raise ConfigError(
                f"Project {project.name!r} uses {key.replace('_', ' ')} {config[key]!r}; "
                f"this import asks for {value!r}. Import with the same column or make "
                "another project."
            )
        if config.get(key) != value:
            config[key] = value
            changed = True
    if changed:
        table = cast(Table, Project.__table__)
        connection.execute(
            update(table).where(table.c.id == project.id).values(config=config)
        )
        project.config = config


def _parse_label(project: Project, raw: Any, where: str) -> Any:
    if project.task == TaskKind.CLASSIFICATION and raw in project.labels:
        return raw  # the common case, already valid
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        raw = raw.strip()
        if project.task in (TaskKind.NER, TaskKind.DETECTION) or raw.startswith("["):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                if project.task in (TaskKind.NER, TaskKind.DETECTION):
                    raise InvalidLabelError(
                        f"{where}: a {project.task} label must be JSON, got {raw[:80]!r}."
                    ) from None
    elif (
        project.task == TaskKind.CLASSIFICATION
        and isinstance(raw, int | float)
        and not isinstance(raw, bool)
    ):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    try:
        return validate_value(project.task, project.labels, raw, where=where)
    except InvalidLabelError as exc:
        if isinstance(raw, str):
            close = difflib.get_close_matches(raw, project.labels, n=1)
            if close:
                raise InvalidLabelError(
                    f"{exc.message} Did you mean {close[0]!r}?"
                ) from None
        raise


def _check_size(row: dict[str, Any], limit: int, where: str) -> None:
    for key, value in row.items():
        if isinstance(value, str) and len(value) * 4 > limit:
            size = len(value.encode())
            if size > limit:
                raise FieldTooLargeError(
                    f"{where}: the field {key!r} is {size:,} bytes, over the limit of "
                    f"{limit:,} bytes (ACTIVELABEL_MAX_FIELD_BYTES)."
                )


def _settle_plan(
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
) -> _Plan:
    columns: list[str] = []
    for row in first.rows:
        for key in row:
            if key not in columns:
                columns.append(key)
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
    config = project.config or {}
    modality = Modality(project.modality)
    reserved = {c for c in (id_column, label_column) if c}
    if modality == Modality.TEXT and text_column is None:
        text_column = config.get("text_column")
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
        feature_columns = config.get("feature_columns") or [
            c for c in columns if c not in reserved
        ]
    if modality in (Modality.IMAGE, Modality.AUDIO) and media_column is None:
        media_column = config.get("media_column")
        if media_column is None:
            raise ConfigError(
                f"Project {project.name!r} labels {modality.value} files: import a folder, "
                f"or name the column of {path} that holds file paths with --media-column."
            )
    if media_column is not None and media_root is None:
        root = config.get("media_root")
        media_root = Path(root) if root else path.parent.resolve()
    return _Plan(
        text_column, id_column, label_column, feature_columns, media_column, media_root
    )


def _prepare_rows(
    project: Project, plan: _Plan, batch: Batch, source: str, limit: int
) -> Iterator[PreparedRow]:
    # This loop runs once per row of the file: keep per-row work small and build
    # the "file, row N" strings only when something is wrong.
    label_column, id_column, media_column = (
        plan.label_column,
        plan.id_column,
        plan.media_column,
    )
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    blake2b = hashlib.blake2b
    quick_limit = limit // 4  # a str of n chars has at most 4n UTF-8 bytes
    for offset, data in enumerate(batch.rows):
        row_no = batch.first_row + offset
        for value in data.values():
            if isinstance(value, str) and len(value) > quick_limit:
                _check_size(data, limit, f"{source}, row {row_no}")
                break
        label = None
        if label_column is not None:
            label = _parse_label(
                project, data.pop(label_column, None), f"{source}, row {row_no}"
            )
        media_path = None
        if media_column is not None:
            media_path = _check_media(
                plan, data.get(media_column), f"{source}, row {row_no}"
            )
        data_json = dumps(data)
        digest = blake2b(data_json.encode(), digest_size=16).hexdigest()
        if id_column is not None:
            ext = data.get(id_column)
            if ext is None or (isinstance(ext, str) and not ext.strip()):
                raise ImportFormatError(
                    f"{source}, row {row_no}: the id column {id_column!r} is empty."
                )
            external_id = str(ext)
            if len(external_id) > 512:
                raise FieldTooLargeError(
                    f"{source}, row {row_no}: the id is longer than 512 characters."
                )
        else:
            external_id = digest
        yield PreparedRow(row_no, external_id, digest, data_json, media_path, label)


def _check_media(plan: _Plan, value: Any, where: str) -> str:
    """Check one media path of a row; return it relative to the media root."""
    assert plan.media_root is not None
    if not value:
        raise MediaError(f"{where}: the media column {plan.media_column!r} is empty.")
    resolved = resolve_inside(plan.media_root, str(value))
    describe_media(resolved, shown_as=str(value))
    return resolved.relative_to(plan.media_root.resolve()).as_posix()


def _import_rows(
    store: Store,
    project_name: str,
    path: Path,
    *,
    settings: Settings,
    progress: ProgressCallback | None,
    read_options: dict[str, Any],
    plan_options: dict[str, Any],
) -> ImportReport:
    report = ImportReport(source=str(path))
    total = path.stat().st_size
    started = time.perf_counter()
    with store.engine.begin() as connection:
        project = _project(connection, project_name)
        writer: ItemWriter | None = None
        plan: _Plan | None = None
        for batch in read_batches(
            path, batch_size=settings.import_batch_size, **read_options
        ):
            if plan is None:
                plan = _settle_plan(project, path, batch, **plan_options)
                _save_config(
                    connection,
                    project,
                    {
                        "text_column": plan.text_column,
                        "feature_columns": plan.feature_columns,
                        "media_column": plan.media_column,
                        "media_root": str(plan.media_root) if plan.media_root else None,
                    },
                )
                writer = ItemWriter(
                    connection,
                    project_id=project.id,
                    source_name=str(path),
                    ids_are_given=plan.id_column is not None,
                )
            assert writer is not None
            writer.write(
                list(
                    _prepare_rows(
                        project, plan, batch, str(path), settings.max_field_bytes
                    )
                )
            )
            report.rows_read += len(batch.rows)
            if progress:
                progress(batch.position, total)
        if writer is None:
            raise ImportFormatError(f"{path} has no rows to import.")
        _copy_counts(report, writer)
    report.seconds = time.perf_counter() - started
    return report


def _copy_counts(report: ImportReport, writer: ItemWriter) -> None:
    counts = writer.counts
    report.items_added = counts.items_added
    report.items_existing = counts.items_existing
    report.duplicates_skipped = counts.duplicates_skipped
    report.labels_added = counts.labels_added
    report.labels_unchanged = counts.labels_unchanged
    if counts.duplicates_skipped:
        report.notes.append(
            f"{counts.duplicates_skipped} rows repeat the content of an earlier row "
            f"(first at {', '.join(counts.duplicate_examples)}) and were skipped; "
            "give an --id-column to keep them as separate items."
        )


def _import_folder(
    store: Store,
    project_name: str,
    folder: Path,
    *,
    settings: Settings,
    media_root: Path | None,
    label_from_folder: bool,
    progress: ProgressCallback | None,
) -> ImportReport:
    report = ImportReport(source=str(folder))
    started = time.perf_counter()
    with store.engine.begin() as connection:
        project = _project(connection, project_name)
        modality = Modality(project.modality)
        if modality not in (Modality.IMAGE, Modality.AUDIO):
            raise ConfigError(
                f"Project {project_name!r} labels {modality.value}, not media files; "
                "make a project with --modality image or --modality audio for a folder."
            )
        configured = (project.config or {}).get("media_root")
        root = (media_root or (Path(configured) if configured else folder)).resolve()
        resolve_inside(root, folder.resolve())
        _save_config(connection, project, {"media_root": str(root)})
        paths = list(iter_media_files(folder, kinds=frozenset({modality.value})))
        if not paths:
            raise ImportFormatError(
                f"{folder} holds no {modality.value} files (looked recursively for "
                f"{'png, jpg, webp, gif, bmp' if modality == Modality.IMAGE else 'wav, flac, ogg, mp3'})."
            )
        writer = ItemWriter(
            connection,
            project_id=project.id,
            source_name=str(folder),
            ids_are_given=True,
        )
        batch: list[PreparedRow] = []
        for done, path in enumerate(paths, start=1):
            resolved = resolve_inside(root, path)
            relative = resolved.relative_to(root).as_posix()
            data_json = serialize_fields(
                {"path": relative, **describe_media(resolved, shown_as=relative)}
            )
            label = None
            if label_from_folder:
                label = _parse_label(project, path.parent.name, f"{relative}")
            batch.append(
                PreparedRow(
                    done, relative, file_digest(resolved), data_json, relative, label
                )
            )
            if len(batch) >= settings.import_batch_size:
                writer.write(batch)
                batch = []
            if progress and (done % 50 == 0 or done == len(paths)):
                progress(done, len(paths))
        writer.write(batch)
        report.rows_read = len(paths)
        _copy_counts(report, writer)
    report.seconds = time.perf_counter() - started
    return report


def _check_names(columns: list[str] | None) -> list[str] | None:
    if columns is None:
        return None
    names = [c.strip() for c in columns]
    if len(set(names)) != len(names) or not all(names):
        raise ConfigError(
            f"--columns {','.join(columns)!r} has a blank or repeated name."
        )
    return names


def import_path(
    store: Store,
    project_name: str,
    source: str | Path,
    *,
    fmt: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    header: bool = True,
    columns: list[str] | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    label_column: str | None = None,
    feature_columns: list[str] | None = None,
    media_column: str | None = None,
    media_root: str | Path | None = None,
    label_from_folder: bool = False,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a file (CSV, TSV, JSONL, JSON array, Parquet) or a folder of media.

    Returns an :class:`ImportReport`. Raises an :class:`ImportFormatError` subclass
    naming the file and row for bad input; the database is then unchanged.
    """
    settings = settings or Settings()
    path = Path(source).expanduser()
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist.")
    root = Path(media_root).expanduser() if media_root is not None else None
    if path.is_dir():
        return _import_folder(
            store,
            project_name,
            path,
            settings=settings,
            media_root=root,
            label_from_folder=label_from_folder,
            progress=progress,
        )
    read_options: dict[str, Any] = {
        "fmt": detect_format(path, fmt),
        "encoding": encoding,
        "delimiter": delimiter,
        "header": header and columns is None,
        "names": _check_names(columns),
    }
    plan_options: dict[str, Any] = {
        "text_column": text_column,
        "id_column": id_column,
        "label_column": label_column,
        "feature_columns": feature_columns,
        "media_column": media_column,
        "media_root": root,
    }
    return _import_rows(
        store,
        project_name,
        path,
        settings=settings,
        progress=progress,
        read_options=read_options,
        plan_options=plan_options,
    )
