"""Import images with their boxes (YOLO, COCO, Pascal VOC, Label Studio).

One transaction, like every import: a bad box, an image that does not decode
or a malformed file anywhere leaves the database as it was. The format's box
reader yields one row per image (:mod:`activelabel.io.readers.box_sources`);
:class:`~activelabel.io.box_rows.BoxRowCheck` makes each an item described as
a folder import describes it, with its boxes as an imported label or, with
``as_predictions``, as a model's predictions (their scores kept).

Paths are relative to the media root: ``--media-root``, else the folder read
(YOLO, VOC) or the folder of the file (COCO, Label Studio). An image outside
the root is refused with a sentence saying to pass a wider ``--media-root``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from activelabel.config import Settings
from activelabel.exceptions import ConfigError, ImportFormatError
from activelabel.io.box_rows import BoxRowCheck
from activelabel.io.import_report import ImportReport, copy_counts, load_project
from activelabel.io.item_writer import ItemWriter
from activelabel.io.media import iter_media_files
from activelabel.io.media_roots import RootRegistry
from activelabel.io.readers import (
    READERS,
    check_reads,
    detect_folder_format,
    detect_format,
    read_batches,
)
from activelabel.io.readers.box_sources import labels_boxes
from activelabel.store.engine import Store
from activelabel.store.projects import get_project
from activelabel.tasks import Modality

__all__ = ["box_format", "import_boxes"]


def import_boxes(
    store: Store,
    project_name: str,
    path: Path,
    *,
    fmt: str,
    settings: Settings,
    media_root: Path | None = None,
    classes: tuple[str, ...] | None = None,
    as_predictions: bool = False,
    model_name: str | None = None,
    encoding: str = "utf-8",
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the images of ``path`` (read as ``fmt``) and their boxes.

    Images without boxes are imported unlabeled; label files and annotation
    files without an image are named in the report's notes.
    """
    report = ImportReport(source=str(path))
    started = time.perf_counter()
    root = (media_root or (path if path.is_dir() else path.parent)).resolve()
    total = (
        sum(1 for _ in iter_media_files(path, kinds=frozenset({"image"})))
        if path.is_dir()
        else path.stat().st_size
    )
    with store.engine.begin() as connection:
        project = load_project(connection, project_name)
        if Modality(project.modality) != Modality.IMAGE:
            raise ConfigError(
                f"{path} holds boxes on images ({fmt}); project {project_name!r} "
                f"labels {project.modality}. Make a project with --modality image."
            )
        check_reads(project.task, fmt)
        check = BoxRowCheck(
            project.task,
            project.labels,
            RootRegistry(connection, project.id, root),
            root,
            as_predictions=as_predictions,
        )
        writer = ItemWriter(
            connection,
            project_id=project.id,
            source_name=str(path),
            ids_are_given=True,
            model_name=model_name,
        )
        for batch in read_batches(
            path,
            fmt=fmt,
            encoding=encoding,
            batch_size=settings.import_batch_size,
            max_field_bytes=settings.max_field_bytes,
            labels=tuple(project.labels),
            notes=report.notes,
            boxes=True,
            media_root=media_root.resolve() if media_root else None,
            classes=classes,
        ):
            writer.write(
                [
                    check.prepare(
                        row, batch.first_row + offset, f"{path}, {batch.place(offset)}"
                    )
                    for offset, row in enumerate(batch.rows)
                ]
            )
            report.rows_read += len(batch.rows)
            if progress:
                progress(batch.position, max(total, batch.position))
        if not report.rows_read:
            raise ImportFormatError(f"{path} has no images to import.")
        copy_counts(report, writer)
        report.notes.extend(check.notes(str(path)))
    report.seconds = time.perf_counter() - started
    return report


def box_format(
    store: Store,
    project_name: str,
    path: Path,
    fmt: str | None,
    *,
    encoding: str = "utf-8",
) -> str | None:
    """The box format ``path`` is imported with (``None``: not a box import).

    A folder named with a folder format (``--format yolo``), or one a box
    project recognises (``classes.txt`` or ``labels/``: YOLO; XML files: VOC);
    a file whose format (given or detected) has a box reader, imported into a
    box project (a Label Studio export of images, a COCO JSON).
    """
    with store.session() as session:
        task = get_project(session, project_name).task
    if path.is_dir():
        return detect_folder_format(path, task, fmt)
    if not labels_boxes(task):
        return None
    found = detect_format(path, fmt, task=task, encoding=encoding)
    return found if READERS[found].boxes is not None else None
