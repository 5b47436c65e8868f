"""Where an export writes: a checked target, written whole or not at all.

The export is written under a temporary name beside the target and renamed
into place at the end, so a failed export leaves neither a half-written file
(or folder) nor a damaged earlier export.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from activelabel.exceptions import ConfigError

__all__ = ["atomic_target", "check_target", "destination_of", "temporary_for"]


def check_target(path: Path, *, folder: bool = False) -> None:
    """Refuse a target the export cannot replace, with a sentence naming it.

    A file target must not be a folder; a ``folder`` target must not be a file
    nor a folder that holds anything (the export replaces the folder whole, and
    files someone put there would be lost). Either needs its parent folder.
    """
    if folder:
        if path.is_file():
            raise ConfigError(
                f"Cannot export to {path}: it is a file, and this format writes "
                "a folder; give a new folder's name."
            )
        if path.is_dir() and any(path.iterdir()):
            raise ConfigError(
                f"Cannot export to {path}: the folder is not empty; give a new "
                "folder's name or empty it first."
            )
    elif path.is_dir():
        raise ConfigError(
            f"Cannot export to {path}: it is a directory; give a file name."
        )
    if not path.parent.is_dir():
        raise ConfigError(
            f"Cannot export to {path}: the directory {path.parent} does not exist."
        )


def _remove(temporary: Path) -> None:
    if temporary.is_dir() and not temporary.is_symlink():
        shutil.rmtree(temporary, ignore_errors=True)
    else:
        temporary.unlink(missing_ok=True)


def temporary_for(path: Path) -> Path:
    """The temporary name an export to ``path`` is written under, beside it."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")


def destination_of(temporary: Path) -> Path:
    """The path a temporary export name (:func:`temporary_for`) is renamed to;
    any other path is its own destination.

    A folder format that names its own folder inside a file (YOLO's
    ``data.yaml``) writes where the folder ends up, not its temporary name.
    """
    name = temporary.name
    if name.startswith(".") and name.endswith(".part"):
        stem, _, token = name[1 : -len(".part")].rpartition(".")
        if stem and len(token) == 8:
            return temporary.with_name(stem)
    return temporary


@contextlib.contextmanager
def atomic_target(path: Path, *, folder: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only if the block succeeds.

    For a ``folder`` target the temporary folder is created, empty; a file
    target's temporary path does not exist yet. An empty folder at ``path`` is
    replaced by the rename (:func:`check_target` refuses a folder with files).
    """
    temporary = temporary_for(path)
    try:
        if folder:
            temporary.mkdir()
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise ConfigError(
            f"Cannot write the export to {path}: {exc.strerror or exc}."
        ) from exc
    except BaseException:
        _remove(temporary)
        raise
