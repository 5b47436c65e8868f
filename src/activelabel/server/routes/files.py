"""Downloads: the export files and items' media."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from activelabel.exceptions import ConfigError, ItemNotFoundError, MediaError
from activelabel.io.media import resolve_inside
from activelabel.server.deps import CurrentUser, ProjectDep, SessionDep, StoreDep
from activelabel.server.export_process import export_file
from activelabel.store.models import Item

router = APIRouter(prefix="/api/v1/projects/{name}", tags=["files"])

_MEDIA_TYPES = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


@router.get("/export")
def export(
    request: Request,
    project: ProjectDep,
    store: StoreDep,
    _: CurrentUser,
    format: str = "csv",
    dataset: str = "labels",
) -> FileResponse:
    """The labels dataset (one row per item) or the annotations metadata, as a file.

    Written by a child process (see :mod:`activelabel.server.export_process`),
    so a large export neither slows the annotators' requests nor stays in
    this process's memory.
    """
    if format not in _MEDIA_TYPES:
        raise ConfigError(
            f"Unknown export format {format!r}; use csv, jsonl or parquet."
        )
    folder = Path(tempfile.mkdtemp(prefix="activelabel-export-"))
    target = folder / f"{project.name}-{dataset}.{format}"
    try:
        export_file(
            store,
            request.app.state.database_url,
            project.name,
            target,
            fmt=format,
            dataset=dataset,
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
        media_type=_MEDIA_TYPES[format],
        filename=target.name,
        background=BackgroundTask(cleanup),
    )


@router.get("/items/{item_id}/media")
def media(
    item_id: int, project: ProjectDep, session: SessionDep, _: CurrentUser
) -> FileResponse:
    """An item's media file; only files inside the project's media root are served."""
    item = session.get(Item, item_id)
    if item is None or item.project_id != project.id or not item.media_path:
        raise ItemNotFoundError(
            f"Project {project.name!r} has no media item {item_id}."
        )
    root = (project.config or {}).get("media_root")
    if not root:
        raise MediaError(f"Project {project.name!r} has no media root.")
    path = resolve_inside(Path(root), item.media_path)
    if not path.is_file():
        raise ItemNotFoundError(
            f"The media file of item {item_id} is missing: {item.media_path}."
        )
    return FileResponse(path)
