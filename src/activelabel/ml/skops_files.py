"""skops, the safe model-file format, imported without importing torch.

skops builds its list of trusted types when ``skops.io`` is first imported, with
scikit-learn's ``all_estimators()``. That walks every scikit-learn package with
``pkgutil.walk_packages``, which imports each package it finds, and one of them,
``sklearn.externals.array_api_compat.torch``, imports torch whenever it is
installed (as the ``embeddings`` extra installs it). No estimator lives there,
yet it cost every process that saves or loads a model about 200 MiB of memory
and 2 s: the round worker, ``activelabel train`` and ``simulate``.

While ``skops.io`` is imported here, torch is made unimportable (unless something
imported it already, e.g. the sentence-embedding featurizer): that package's
import then fails, which ``walk_packages`` skips, and the list of trusted types
is the same. torch imports normally afterwards.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["import_skops_io"]


class _RefuseTorch(importlib.abc.MetaPathFinder):
    """An import hook that fails every import of torch while it is installed."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "torch" or fullname.startswith("torch."):
            raise ImportError(f"{fullname} is not imported while skops.io loads")
        return None


def import_skops_io() -> ModuleType:
    """``skops.io``, imported (the first time) without importing torch."""
    if "skops.io" in sys.modules or "torch" in sys.modules:
        return importlib.import_module("skops.io")
    hook = _RefuseTorch()
    sys.meta_path.insert(0, hook)
    try:
        return importlib.import_module("skops.io")
    finally:
        # A module whose import failed on torch is not left in sys.modules: a
        # later import of it (sklearn's array API support for torch) starts afresh.
        sys.meta_path.remove(hook)
