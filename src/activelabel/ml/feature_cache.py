"""Featurize once, keep the matrix on disk, reuse it in every round.

Matrices are keyed by the featurizer id and a hash of the items' content
hashes (in order), so the same items through the same featurizer hit the
cache, and any change in either misses it. Dense matrices are stored as
``.npy`` and opened memory-mapped (a pool larger than RAM still scores in
chunks); sparse ones as uncompressed ``.npz`` (compressing the features of
100,000 texts took 27 s, longer than computing them). The fitted featurizer
is stored beside the
matrix with skops, so new items can be transformed the same way later.
Writes go to a temporary file first and are renamed into place, so a crash
never leaves half a matrix behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from activelabel.exceptions import ConfigError
from activelabel.ml.featurizer import Featurizer
from activelabel.ml.training import load_model_bytes, save_model_bytes

__all__ = ["FeatureCache"]


class FeatureCache:
    """A directory of cached feature matrices (the server uses one beside the DB).

    Parameters
    ----------
    directory : str or Path
        Created if missing.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"Cannot create the feature cache directory {str(self.directory)!r}: "
                f"{exc.strerror}."
            ) from exc

    @staticmethod
    def key(featurizer_id: str, content_hashes: Sequence[str]) -> str:
        """Cache key: the featurizer id plus a digest of the ordered hashes."""
        digest = hashlib.sha256()
        for h in content_hashes:
            digest.update(h.encode("ascii", "replace"))
            digest.update(b"\n")
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", featurizer_id)
        return f"{safe}-{len(content_hashes)}-{digest.hexdigest()[:24]}"

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        base = self.directory / key
        return (
            base.with_suffix(".npy"),
            base.with_suffix(".npz"),
            self.directory / f"{key}.featurizer.skops",
        )

    def load(self, key: str) -> Any:
        """The cached matrix for ``key`` (dense memory-mapped, or sparse), or None."""
        dense, sparse, _ = self._paths(key)
        if dense.exists():
            return np.load(dense, mmap_mode="r")
        if sparse.exists():
            return sp.load_npz(sparse).tocsr()
        return None

    def _atomic_write(self, target: Path, write: Any) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=target.suffix)
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def save(self, key: str, matrix: Any) -> Path:
        """Store ``matrix`` under ``key`` and return its path."""
        dense, sparse, _ = self._paths(key)
        if sp.issparse(matrix):
            self._atomic_write(
                sparse,
                lambda p: sp.save_npz(p, sp.csr_matrix(matrix), compressed=False),
            )
            return sparse

        def write_npy(path: str) -> None:
            with open(path, "wb") as fh:
                np.save(fh, np.asarray(matrix))

        self._atomic_write(dense, write_npy)
        return dense

    def load_featurizer(self, key: str) -> Featurizer | None:
        """The fitted featurizer stored with ``key``, or None."""
        path = self._paths(key)[2]
        if not path.exists():
            return None
        loaded: Featurizer = load_model_bytes(path.read_bytes())
        return loaded

    def save_featurizer(self, key: str, featurizer: Featurizer) -> Path | None:
        """Store a fitted featurizer with skops, unless it holds a user callable
        or a type a model file may not hold (a featurizer class of the caller's
        own): such a one could not be loaded back, so it is refitted instead."""
        if not featurizer.persistable:
            return None
        path = self._paths(key)[2]
        try:
            data = save_model_bytes(featurizer)
        except ConfigError:
            return None
        self._atomic_write(path, lambda p: Path(p).write_bytes(data))
        return path

    def get_or_compute(
        self,
        featurizer: Featurizer,
        items: Any,
        content_hashes: Sequence[str],
    ) -> tuple[Any, Featurizer]:
        """Return ``(matrix, fitted featurizer)`` for ``items``, computing once.

        ``content_hashes`` are the items' hashes in the same order as
        ``items``. On a hit nothing is featurized; on a miss the featurizer is
        fitted on ``items`` and both are stored. ``items`` may be a function
        that returns them, so that on a hit they are never even loaded.
        """

        def check(loaded: Any) -> Any:
            if len(content_hashes) != len(loaded):
                raise ConfigError(
                    f"Got {len(loaded)} items but {len(content_hashes)} content "
                    "hashes; give one hash per item."
                )
            return loaded

        if not callable(items):
            check(items)
        key = self.key(featurizer.featurizer_id, content_hashes)
        matrix = self.load(key)
        if matrix is not None:
            fitted = self.load_featurizer(key)
            if fitted is not None or not featurizer.persistable:
                return matrix, fitted if fitted is not None else featurizer
        items = check(items() if callable(items) else items)
        matrix = featurizer.fit_transform(items)
        self.save(key, matrix)
        self.save_featurizer(key, featurizer)
        if sp.issparse(matrix):
            # Already in memory as it would load: not read back.
            return sp.csr_matrix(matrix), featurizer
        # Dense: the stored copy, memory-mapped, rather than the one computed.
        return self.load(key), featurizer
