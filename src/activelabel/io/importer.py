"""Import a file of rows or a folder of media files into a project.

An import is one transaction: a bad row anywhere in the file rolls back every row
before it, so the database is exactly as it was. Files are read in batches, so
memory stays flat however large the file is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, text, update

from activelabel.config import Settings
from activelabel.exceptions import (
    ConfigError,
    ImportFormatError,
)
from activelabel.io.box_import import box_format, import_boxes
from activelabel.io.import_report import ImportReport, copy_counts, load_project
from activelabel.io.item_writer import ItemWriter, PreparedRow
from activelabel.io.label_cells import LabelCells
from activelabel.io.media import (
    describe_media,
    file_digest,
    iter_media_files,
    resolve_inside,
)
from activelabel.io.media_roots import RootRegistry
from activelabel.io.prediction_rows import (
    import_predictions_file,
    is_predictions_file,
)
from activelabel.io.readers import READERS, check_reads, detect_format, read_batches
from activelabel.io.row_plan import (
    RowPlan,
    check_label_source,
    default_label_column,
    parse_label,
    prepare_rows,
    serialize_fields,
    settle_plan,
)
from activelabel.io.span_rows import labels_spans
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.tasks import Modality

__all__ = ["ImportReport", "import_path", "settle_after_import"]

#: ``progress(done, total)``; units are bytes for files and files for folders.
ProgressCallback = Callable[[int, int], None]


def _save_config(
    connection: Connection, project: Project, updates: dict[str, Any]
) -> None:
    settings = project.settings
    changes: dict[str, Any] = {}
    for key, value in updates.items():
        current = getattr(settings, key)
        if value is None or current == value:
            continue
        if current is not None and key in ("text_column", "media_column"):
            raise ConfigError(
                f"Project {project.name!r} uses {key.replace('_', ' ')} {current!r}; "
                f"this import asks for {value!r}. Import with the same column or make "
                "another project."
            )
        changes[key] = value
    if changes:
        # The project is a detached copy: change it, then write its settings.
        stored = project.update_settings(**changes).to_json()
        table = cast(Table, Project.__table__)
        connection.execute(
            update(table).where(table.c.id == project.id).values(config=stored)
        )


def _import_rows(
    store: Store,
    project_name: str,
    path: Path,
    *,
    settings: Settings,
    progress: ProgressCallback | None,
    read_options: dict[str, Any],
    plan_options: dict[str, Any],
    unknown_labels: str,
) -> ImportReport:
    report = ImportReport(source=str(path))
    total = path.stat().st_size
    started = time.perf_counter()
    with store.engine.begin() as connection:
        project = load_project(connection, project_name)
        cells = LabelCells(project, unknown_labels)
        had_text_column = project.settings.text_column is not None
        fmt = read_options["fmt"] = detect_format(
            path,
            read_options["fmt"],
            task=project.task,
            encoding=read_options["encoding"],
        )
        if plan_options["label_column"] is not None:
            check_reads(project.task, fmt)
        reader = READERS[fmt]
        model_name = plan_options.pop("model_name")
        gold = plan_options.pop("gold")
        writer: ItemWriter | None = None
        plan: RowPlan | None = None
        roots: RootRegistry | None = None
        for batch in read_batches(
            path,
            batch_size=settings.import_batch_size,
            max_field_bytes=settings.max_field_bytes,
            labels=tuple(project.labels),
            notes=report.notes,
            **read_options,
        ):
            if plan is None:
                plan = settle_plan(
                    project,
                    path,
                    batch,
                    default_label_column=default_label_column(project, fmt),
                    prediction_column=reader.prediction_column,
                    default_id_column=reader.id_column,
                    spans_checked=reader.spans_checked,
                    **plan_options,
                )
                check_label_source(project, path, fmt, plan)
                if gold and plan.label_column is None:
                    raise ConfigError(
                        f"--gold stores each row's known answer, but {path} has no "
                        "label column; name it with --label-column."
                    )
                if unknown_labels != "refuse" and labels_spans(project.task):
                    raise ConfigError(
                        f"--unknown-labels {unknown_labels} reads the label cells of "
                        f"row files; project {project_name!r} labels spans, whose "
                        "labels the span checks read (rename them in the file)."
                    )
                _save_config(
                    connection,
                    project,
                    {
                        "text_column": plan.text_column,
                        "feature_columns": plan.feature_columns,
                        "media_column": plan.media_column,
                    },
                )
                if plan.media_root is not None:
                    roots = RootRegistry(connection, project.id, plan.media_root)
                writer = ItemWriter(
                    connection,
                    project_id=project.id,
                    source_name=str(path),
                    ids_are_given=plan.id_column is not None,
                    model_name=model_name,
                    gold=gold,
                )
            assert writer is not None
            rows = list(
                prepare_rows(
                    project, plan, batch, str(path), settings.max_field_bytes, cells
                )
            )
            if roots is not None:
                _place_media_rows(rows, roots, ids_are_given=plan.id_column is not None)
            writer.write(rows)
            report.rows_read += len(batch.rows)
            if progress:
                progress(batch.position, total)
        if writer is None:
            raise ImportFormatError(f"{path} has no rows to import.")
        copy_counts(report, writer)
        cells.settle(connection, project, had_text_column=had_text_column)
        report.label_cells = cells.counts
        report.notes.extend(cells.counts.notes())
    report.seconds = time.perf_counter() - started
    return report


def _place_media_rows(
    rows: list[PreparedRow], roots: RootRegistry, *, ids_are_given: bool
) -> None:
    """Give each row with a media file its root; keep rows of two roots apart.

    The content hash of such a row is its file's, so the same path in two
    folders is never taken for the same file (features are cached by it).
    """
    for row in rows:
        if row.media_path is None:
            continue
        placed = roots.place(row.media_path)
        row.media_root_id = placed.root_id
        row.media_path = placed.relative
        row.content_hash = file_digest(placed.file)
        if not ids_are_given:
            row.external_id = placed.item_id(row.external_id)


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
        project = load_project(connection, project_name)
        modality = Modality(project.modality)
        if modality not in (Modality.IMAGE, Modality.AUDIO):
            raise ConfigError(
                f"Project {project_name!r} labels {modality.value}, not media files; "
                "make a project with --modality image or --modality audio for a folder."
            )
        shown, folder = folder, folder.resolve()
        root = media_root or folder
        resolve_inside(root, folder)
        roots = RootRegistry(connection, project.id, root)
        paths = list(iter_media_files(folder, kinds=frozenset({modality.value})))
        if not paths:
            raise ImportFormatError(
                f"{shown} holds no {modality.value} files (looked recursively for "
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
            placed = roots.place(resolved.relative_to(root).as_posix())
            relative = placed.relative
            data_json = serialize_fields(
                {"path": relative, **describe_media(resolved, shown_as=relative)}
            )
            label = None
            if label_from_folder:
                label = parse_label(project, path.parent.name, f"{relative}")
            batch.append(
                PreparedRow(
                    done,
                    placed.item_id(relative),
                    file_digest(resolved),
                    data_json,
                    relative,
                    label,
                    media_root_id=placed.root_id,
                )
            )
            if len(batch) >= settings.import_batch_size:
                writer.write(batch)
                batch = []
            if progress and (done % 50 == 0 or done == len(paths)):
                progress(done, len(paths))
        writer.write(batch)
        report.rows_read = len(paths)
        copy_counts(report, writer)
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
    scheme: str | None = None,
    as_predictions: bool = False,
    model_name: str | None = None,
    classes: list[str] | None = None,
    unknown_labels: str = "refuse",
    gold: bool = False,
) -> ImportReport:
    """Import a file (CSV, TSV, JSONL, JSON array, Parquet, CoNLL, Label Studio
    JSON, plain lines), a folder of media, or images with boxes (a YOLO or VOC
    folder, a COCO JSON or Label Studio export: :mod:`activelabel.io.box_import`).

    ``scheme`` is the tag scheme of a CoNLL or token file (``iob1``, ``iob2``,
    ``bioes``; detected when ``None``). With ``as_predictions`` the file's
    labels are stored as predictions of the model ``model_name`` (default: the
    file's name), shown as suggestions, rather than as annotations.
    ``classes`` names the class ids of a YOLO folder (else its ``classes.txt``).
    With ``gold`` the labels are the known answers of gold items
    (:mod:`activelabel.store.gold`), not annotations: every row needs one.
    Label cells of a row file are read through the project's taxonomy
    (aliases folded, parents added: :mod:`activelabel.io.label_cells`);
    ``unknown_labels`` says what a label the project lacks does: ``refuse``
    (the default: the import stops naming it, its row and the closest
    labels), ``drop`` (left out) or ``add`` (added to the project's labels).

    Returns an :class:`ImportReport`. Raises an :class:`ImportFormatError` subclass
    naming the file and row for bad input; the database is then unchanged.
    """
    settings = settings or Settings()
    path = Path(source).expanduser()
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist.")
    # Relative folders are taken from the working directory now and stored
    # absolute, so the server finds the files from wherever it runs.
    root = Path(media_root).expanduser().resolve() if media_root is not None else None
    boxes_in = box_format(store, project_name, path, fmt, encoding=encoding)
    if gold and (as_predictions or boxes_in is not None or path.is_dir()):
        raise ConfigError(
            f"--gold reads a file of rows with their known answers; {path} is "
            + (
                "imported as predictions (--as-predictions)."
                if as_predictions
                else f"read as {boxes_in or 'a folder of media files'}."
            )
        )
    if classes is not None and boxes_in != "yolo":
        raise ConfigError(
            f"--classes names the class ids of a YOLO folder, not {path}."
        )
    if label_from_folder and boxes_in is not None:
        raise ConfigError(
            f"{path} is read as {boxes_in}, whose boxes carry their labels; "
            "--label-from-folder labels whole images by their folder."
        )
    # How a predictions file is read: first to tell it apart, then to import it.
    predictions_read: dict[str, Any] = {
        "fmt": fmt,
        "encoding": encoding,
        "delimiter": delimiter,
        "header": header,
        "names": _check_names(columns),
    }
    if boxes_in is not None:
        report = import_boxes(
            store,
            project_name,
            path,
            fmt=boxes_in,
            settings=settings,
            media_root=root,
            classes=tuple(classes) if classes else None,
            as_predictions=as_predictions,
            model_name=model_name,
            encoding=encoding,
            progress=progress,
        )
    elif (
        as_predictions
        and not path.is_dir()
        and is_predictions_file(
            store,
            project_name,
            path,
            **predictions_read,
            text_column=text_column,
            media_column=media_column,
            feature_columns=feature_columns,
        )
    ):
        # Rows without item content: another model's predictions of the
        # items already stored (io/prediction_rows.py).
        report = import_predictions_file(
            store,
            project_name,
            path,
            **predictions_read,
            id_column=id_column,
            label_column=label_column,
            model_name=model_name,
            settings=settings,
            progress=progress,
        )
    elif path.is_dir():
        report = _import_folder(
            store,
            project_name,
            path,
            settings=settings,
            media_root=root,
            label_from_folder=label_from_folder,
            progress=progress,
        )
    else:
        read_options: dict[str, Any] = {
            "fmt": fmt,
            "scheme": scheme,
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
            "as_predictions": as_predictions,
            "model_name": model_name,
            "gold": gold,
        }
        report = _import_rows(
            store,
            project_name,
            path,
            settings=settings,
            progress=progress,
            read_options=read_options,
            plan_options=plan_options,
            unknown_labels=unknown_labels,
        )
    settle_after_import(store)
    return report


def settle_after_import(store: Store) -> None:
    """On PostgreSQL, vacuum and analyze the tables an import filled.

    PostgreSQL's advice after a bulk load: without statistics the planner
    guesses at the new rows, and left alone autovacuum does this work later,
    in the background of the first labeling session, and the first reads of
    each new row write hint bits back to disk. A million items take about a
    second here. SQLite needs neither.
    """
    if store.dialect != "postgresql":
        return
    with store.engine.connect().execution_options(
        isolation_level="AUTOCOMMIT"
    ) as connection:
        connection.execute(text("VACUUM (ANALYZE) items, annotations, predictions"))
