"""Downloads: the export files and items' media."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from activelabel.exceptions import ConfigError, ItemNotFoundError, MediaError
from activelabel.io.media import resolve_inside
from activelabel.io.writers import WRITERS
from activelabel.server.deps import ProjectDep, SessionDep, StoreDep
from activelabel.server.export_process import export_file
from activelabel.server.roles import CanManage, CanRead
from activelabel.server.schemas import IdPath
from activelabel.store.models import Item, MediaRoot

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["files"])


@router.get("/export")
def export(
    _: CanManage,
    request: Request,
    project: ProjectDep,
    store: StoreDep,
    format: str = "csv",
    dataset: str = "labels",
    escape_formulas: bool = True,
    strategy: str = "margin",
    top: Annotated[int | None, Query(ge=1)] = None,
) -> FileResponse:
    """The labels dataset (one row per item), the annotations metadata, or the
    queries dataset, as a file.

    ``dataset=queries`` scores every unlabeled item with the newest model, as
    `activelabel query NAME -o queries.csv --strategy S --top N` does:
    ``strategy`` is one or several comma-separated strategies (margin,
    entropy, least_confidence; the first orders the file) and ``top`` keeps
    the best N items. The download is recorded as a query session.

    ``escape_formulas`` (CSV): text a spreadsheet would run as a formula gets a
    leading ``'``. Data fields named like one of the export's own columns are
    written as ``data_<name>``; the ``X-Renamed-Fields`` header lists them as a
    JSON object (original name to column name).

    Written by a child process (see :mod:`activelabel.server.export_process`),
    so a large export neither slows the annotators' requests nor stays in
    this process's memory.
    """
    writer = WRITERS.get(format)
    if writer is None:
        raise ConfigError(
            f"Unknown export format {format!r}; use one of: {', '.join(WRITERS)}."
        )
    folder = Path(tempfile.mkdtemp(prefix="activelabel-export-"))
    target = folder / f"{project.name}-{dataset}.{format}"
    try:
        renamed = export_file(
            store,
            request.app.state.database_url,
            project.name,
            target,
            fmt=format,
            dataset=dataset,
            escape_formulas=escape_formulas,
            strategies=strategy.split(","),
            top=top,
        )
    except BaseException:
        # A child stopped mid-write can leave its temporary file behind.
        shutil.rmtree(folder, ignore_errors=True)
        raise

    def cleanup() -> None:
        target.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(
        target,
        media_type=writer.media_type,
        filename=target.name,
        # ASCII JSON: a header cannot carry other characters.
        headers={"X-Renamed-Fields": json.dumps(renamed)} if renamed else None,
        background=BackgroundTask(cleanup),
    )


@router.get("/items/{item_id}/media")
def media(
    _: CanRead, item_id: IdPath, project: ProjectDep, session: SessionDep
) -> FileResponse:
    """An item's media file; only files inside the item's own media root are served."""
    item = session.get(Item, item_id)
    if item is None or item.project_id != project.id or not item.media_path:
        raise ItemNotFoundError(
            f"Project {project.name!r} has no media item {item_id}."
        )
    root = session.get(MediaRoot, item.media_root_id) if item.media_root_id else None
    if root is None:
        raise MediaError(f"Item {item_id} of {project.name!r} has no media root.")
    try:
        path = resolve_inside(Path(root.path), item.media_path)
    except MediaError:
        # Said without the server's folders: the client only needs to know.
        raise ItemNotFoundError(
            f"The media file of item {item_id} is outside its media root."
        ) from None
    if not path.is_file():
        raise ItemNotFoundError(
            f"The media file of item {item_id} is missing: {item.media_path}."
        )
    return FileResponse(path)
