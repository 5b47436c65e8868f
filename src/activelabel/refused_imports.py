"""An import hook that refuses one package: for libraries a process must not load.

Some installed packages get imported by others only because they are there:
pandas imports pyarrow, skops imports torch. Where a process needs neither,
putting :class:`RefusedImport` first on ``sys.meta_path`` makes those imports
fail as if the package were absent, so the importing library takes its
fallback path.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
from collections.abc import Sequence
from types import ModuleType

__all__ = ["RefusedImport"]


class RefusedImport(importlib.abc.MetaPathFinder):
    """Fails every import of ``package`` (and its submodules), saying ``why``."""

    def __init__(self, package: str, why: str) -> None:
        self.package = package
        self.why = why

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == self.package or fullname.startswith(self.package + "."):
            raise ImportError(f"{fullname} {self.why}")
        return None
