"""Opening a project's database, and the check before reusing a project."""

from __future__ import annotations

import os
from collections.abc import Sequence

from activelabel.config import resolve_db_url
from activelabel.exceptions import ProjectExistsError
from activelabel.store.engine import Store, open_store
from activelabel.store.models import Project as ProjectRow
from activelabel.tasks import Modality, TaskKind, parse_labels

__all__ = ["Database", "check_same", "open_store_for"]

#: A database: a URL (``sqlite:///labels.db``, ``postgresql+psycopg://...``), a
#: path to a SQLite file, or a store opened already (left open by ``close``).
Database = str | os.PathLike[str] | Store


def open_store_for(db: Database) -> tuple[Store, bool]:
    """The store for ``db`` and whether the caller opened it (and closes it)."""
    if isinstance(db, Store):
        return db, False
    return open_store(resolve_db_url(os.fspath(db))), True


def check_same(
    row: ProjectRow,
    *,
    task: TaskKind | str,
    labels: str | Sequence[str],
    modality: Modality | str,
) -> None:
    """Refuse to reuse a project whose task, modality or labels differ."""
    asked = {
        "task": TaskKind.parse(str(task)).value,
        "modality": Modality.parse(str(modality)).value,
        "labels": parse_labels(labels),
    }
    stored = {"task": row.task, "modality": row.modality, "labels": list(row.labels)}
    for what, value in asked.items():
        if stored[what] != value:
            raise ProjectExistsError(
                f"A project named {row.name!r} exists already with {what} "
                f"{stored[what]!r}, not {value!r}; open it with Project.open or "
                "pick another name."
            )
