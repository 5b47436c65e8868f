"""The folders a project's media files live in, and which one each file belongs to.

Every import records the folder its media paths are relative to as a media
root; an item stores its root and its path inside it. A file belongs to the
oldest root of the project that contains it, so importing a folder again, a
subfolder of it, or a parent folder of it, finds the same items instead of
adding them twice; only files under no root yet belong to the new import's
root. Roots are only ever added, so a file's root never changes.

Item ids of folder imports are the path inside the root. Two roots can hold
the same relative path, so the ids of every root but a project's first carry
the root's number in the project: ``2:cat/0000.jpg``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from activelabel.io.media import resolve_inside
from activelabel.store.models import MediaRoot, utcnow

__all__ = ["MediaPlacement", "RootRegistry", "media_file", "root_paths"]

_roots = cast(Table, MediaRoot.__table__)


class MediaPlacement:
    """Where one file lives: its root's id, its number in the project, its path."""

    __slots__ = ("file", "number", "relative", "root_id")

    def __init__(self, root_id: int, number: int, relative: str, file: Path) -> None:
        self.root_id = root_id
        self.number = number
        #: The path inside the root, as stored in ``items.media_path``.
        self.relative = relative
        #: The file, resolved.
        self.file = file

    def item_id(self, local: str) -> str:
        """``local`` as an item id, marked with the root's number past the first."""
        return local if self.number == 1 else f"{self.number}:{local}"


class RootRegistry:
    """A project's media roots during one import (inside its transaction).

    ``import_root`` is the folder this import's paths are relative to; it is
    recorded only when some file lies under no root the project already has.
    """

    def __init__(
        self, connection: Connection, project_id: int, import_root: Path
    ) -> None:
        self.connection = connection
        self.project_id = project_id
        self.import_root = import_root.resolve()
        self.roots: list[tuple[int, Path]] = [
            (root_id, Path(path))
            for root_id, path in connection.execute(
                select(_roots.c.id, _roots.c.path)
                .where(_roots.c.project_id == project_id)
                .order_by(_roots.c.id)
            )
        ]

    def place(self, relative: str) -> MediaPlacement:
        """Place a file given relative to the import root (already checked inside it)."""
        return self.place_resolved(relative, (self.import_root / relative).resolve())

    def place_resolved(self, relative: str, resolved: Path) -> MediaPlacement:
        """:meth:`place` for a file already resolved (symbolic links followed):
        ``resolved`` is ``relative`` under the import root."""
        for number, (root_id, root) in enumerate(self.roots, start=1):
            if resolved.is_relative_to(root):
                return MediaPlacement(
                    root_id, number, resolved.relative_to(root).as_posix(), resolved
                )
        root_id = self._record(self.import_root)
        return MediaPlacement(root_id, len(self.roots), relative, resolved)

    def _record(self, root: Path) -> int:
        root_id = self.connection.execute(
            insert(_roots)
            .values(project_id=self.project_id, path=str(root), created_at=utcnow())
            .returning(_roots.c.id)
        ).scalar_one()
        self.roots.append((root_id, root))
        return int(root_id)


def root_paths(session: Session, root_ids: Iterable[int | None]) -> dict[int, Path]:
    """The folders of the given media roots, by id."""
    wanted = {r for r in root_ids if r is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(MediaRoot.id, MediaRoot.path).where(MediaRoot.id.in_(wanted))
    )
    return {root_id: Path(path) for root_id, path in rows}


def media_file(root: Path, media_path: str) -> Path:
    """The file of an item, refused (:class:`MediaError`) if it escapes its root."""
    return resolve_inside(root, media_path)
