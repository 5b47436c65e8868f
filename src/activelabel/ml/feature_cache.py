"""Featurize once, keep the matrix on disk, reuse it in every round.

Matrices are keyed by the featurizer id and a hash of the items' content
hashes (in order), so the same items through the same featurizer hit the
cache, and any change in either misses it. Both kinds are opened
**memory-mapped**, read-only: a pool larger than RAM still scores in chunks,
and a process that drops the matrix gives its pages back at once (they stay
in the system's file cache, so opening it again costs microseconds).

- Dense matrices are ``.npy`` files.
- Sparse ones are CSR matrices in a ``.csr`` file of their own: a 4 KiB
  header (a magic line, then JSON naming the shape and each array's dtype,
  length and offset), then the ``data``, ``indices`` and ``indptr`` arrays
  uncompressed, each at a 64-byte aligned offset, so that they map as aligned
  NumPy arrays that SciPy takes without a copy. Index arrays are stored as
  int32 when they fit (as SciPy would choose; other widths would be converted,
  a copy of the whole matrix) and in canonical form (sorted, no duplicate
  entries), so nothing ever sorts a read-only matrix in place. Compressing the
  features of 100,000 texts took 27 s, longer than computing them.
- A sparse cache of earlier versions (an uncompressed ``.npz``, which SciPy
  reads wholly into memory) is read once and rewritten as ``.csr``.

The fitted featurizer is stored beside the matrix with skops, so new items
can be transformed the same way later. Writes go to a temporary file first
and are renamed into place, so a crash never leaves half a matrix behind; a
file found truncated or damaged anyway (a full disk, a copy cut short) counts
as missing, and the matrix is computed and written again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from activelabel.exceptions import ConfigError
from activelabel.ml.featurizer import Featurizer
from activelabel.ml.training import load_model_bytes, save_model_bytes

__all__ = ["FeatureCache", "is_memory_mapped"]

_log = logging.getLogger(__name__)

#: First line of a ``.csr`` file; the version is the last digit.
_CSR_MAGIC = b"activelabel-csr1\n"
#: Bytes before the first array: the magic line and the JSON header, padded.
_CSR_HEADER = 4096
#: Arrays start at multiples of this (aligned for any dtype, and cache lines).
_CSR_ALIGN = 64
_CSR_ARRAYS = ("data", "indices", "indptr")
_INT32_MAX = np.iinfo(np.int32).max


class _Damaged(Exception):
    """A cache file that cannot be what it claims to be."""


def is_memory_mapped(matrix: Any) -> bool:
    """Whether ``matrix`` (dense, or every array of a sparse one) is a view
    of a file mapped into memory, rather than memory of its own."""
    arrays = (
        [matrix.data, matrix.indices, matrix.indptr]
        if sp.issparse(matrix)
        else [matrix]
    )
    return all(_mapped(a) for a in arrays)


def _mapped(array: Any) -> bool:
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        # A NumPy view's base; an array over a buffer has a memoryview there,
        # whose obj is the buffer's owner.
        array = array.obj if isinstance(array, memoryview) else array.base
    return False


def _canonical_csr(matrix: Any, *, in_place: bool = False) -> sp.csr_matrix:
    """``matrix`` as CSR with sorted indices and no duplicates, its index
    arrays in the width SciPy picks for it (int32 when they fit). Sorted in
    place when ``in_place`` (a matrix nobody else holds: no copy), else in a
    copy if it needs sorting."""
    csr = sp.csr_matrix(matrix)
    if not csr.has_canonical_format:
        if not in_place:
            csr = csr.copy()
        csr.sum_duplicates()
    wide = csr.nnz > _INT32_MAX or max(csr.shape) > _INT32_MAX
    index = np.int64 if wide else np.int32
    if csr.indices.dtype != index or csr.indptr.dtype != index:
        csr = sp.csr_matrix(
            (
                csr.data,
                csr.indices.astype(index, copy=False),
                csr.indptr.astype(index, copy=False),
            ),
            shape=csr.shape,
            copy=False,
        )
    return csr


def _write_csr(path: str, matrix: Any, *, in_place: bool = False) -> None:
    csr = _canonical_csr(matrix, in_place=in_place)
    arrays = {name: np.ascontiguousarray(getattr(csr, name)) for name in _CSR_ARRAYS}
    layout: dict[str, dict[str, Any]] = {}
    offset = _CSR_HEADER
    for name, array in arrays.items():
        layout[name] = {
            "dtype": array.dtype.str,
            "length": int(array.shape[0]),
            "offset": offset,
        }
        offset += -(-array.nbytes // _CSR_ALIGN) * _CSR_ALIGN
    header = _CSR_MAGIC + json.dumps(
        {"shape": list(csr.shape), "arrays": layout, "size": offset}
    ).encode("ascii")
    if len(header) > _CSR_HEADER:  # pragma: no cover - three arrays never fill it
        raise ConfigError("The sparse matrix header does not fit its 4 KiB.")
    with open(path, "wb") as fh:
        fh.write(header.ljust(_CSR_HEADER, b" "))
        for name, array in arrays.items():
            fh.seek(layout[name]["offset"])
            array.tofile(fh)
        fh.truncate(offset)


def _read_csr(path: Path) -> sp.csr_matrix:
    """The matrix of a ``.csr`` file, its arrays read-only views of one map."""
    with open(path, "rb") as fh:
        head = fh.read(_CSR_HEADER)
        if not head.startswith(_CSR_MAGIC) or len(head) < _CSR_HEADER:
            raise _Damaged("it does not start with a sparse matrix header")
        try:
            meta = json.loads(head[len(_CSR_MAGIC) :])
            rows, cols = (int(n) for n in meta["shape"])
            layout = {name: meta["arrays"][name] for name in _CSR_ARRAYS}
            size = int(meta["size"])
        except (ValueError, KeyError, TypeError) as exc:
            raise _Damaged(f"its header is unreadable ({exc})") from None
        actual = os.fstat(fh.fileno()).st_size
        if actual < size:
            raise _Damaged(f"it holds {actual:,} bytes of the {size:,} it should")
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    arrays = {}
    for name, spec in layout.items():
        dtype, length, offset = np.dtype(spec["dtype"]), spec["length"], spec["offset"]
        if offset % _CSR_ALIGN or offset + dtype.itemsize * length > size:
            raise _Damaged(f"its {name} array lies outside the file")
        arrays[name] = np.frombuffer(mapped, dtype=dtype, count=length, offset=offset)
    if (
        arrays["indptr"].shape[0] != rows + 1
        or arrays["data"].shape != arrays["indices"].shape
    ):
        raise _Damaged("its arrays do not describe a matrix of its shape")
    matrix = sp.csr_matrix(
        (arrays["data"], arrays["indices"], arrays["indptr"]),
        shape=(rows, cols),
        copy=False,
    )
    # Written canonical: nothing needs to sort (in place, which a read-only
    # map refuses) or scan the rows to find out.
    matrix.has_canonical_format = True
    return matrix


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
            base.with_suffix(".csr"),
            self.directory / f"{key}.featurizer.skops",
        )

    def _old_sparse(self, key: str) -> Path:
        """Where earlier versions kept a sparse matrix (``.npz``)."""
        return (self.directory / key).with_suffix(".npz")

    def load(self, key: str) -> Any:
        """The cached matrix for ``key``, memory-mapped read-only, or None.

        None also for a file that is damaged (the caller computes the matrix
        again, and :meth:`save` replaces the file).
        """
        dense, sparse, _ = self._paths(key)
        path = dense
        try:
            if dense.exists():
                return np.load(dense, mmap_mode="r")
            path = sparse
            if sparse.exists():
                return _read_csr(sparse)
            path = self._old_sparse(key)
            if path.exists():
                return self._upgrade(key, path)
        except (_Damaged, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            _log.warning(
                "The cached features %s are damaged and will be computed again: %s.",
                path,
                exc,
            )
        return None

    def _upgrade(self, key: str, old: Path) -> Any:
        """An ``.npz`` of an earlier version, rewritten as ``.csr`` and mapped."""
        matrix = sp.load_npz(old).tocsr()
        try:
            self.save(key, matrix)
        except OSError:  # a cache we may read but not write: in memory, then
            return matrix
        del matrix
        return _read_csr(self._paths(key)[1])

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
        return self._save(key, matrix, in_place=False)

    def _save(self, key: str, matrix: Any, *, in_place: bool) -> Path:
        """:meth:`save`; a sparse matrix sorted in place if ``in_place``."""
        dense, sparse, _ = self._paths(key)
        if sp.issparse(matrix):
            self._atomic_write(
                sparse, lambda p: _write_csr(p, matrix, in_place=in_place)
            )
            old = self._old_sparse(key)
            if old.exists():
                old.unlink(missing_ok=True)
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
        *,
        key: str | None = None,
    ) -> tuple[Any, Featurizer]:
        """Return ``(matrix, fitted featurizer)`` for ``items``, computing once.

        ``content_hashes`` are the items' hashes in the same order as
        ``items``. On a hit nothing is featurized; on a miss the featurizer is
        fitted on ``items`` and both are stored. Either way the matrix is the
        stored one, memory-mapped (the computed one is freed). ``items`` may be
        a function that returns them, so that on a hit they are never even
        loaded. ``key``, when the caller already has it, is :meth:`key` of
        the featurizer's id and ``content_hashes`` (hashing a million of them
        takes a while).
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
        if key is None:
            key = self.key(featurizer.featurizer_id, content_hashes)
        matrix = self.load(key)
        if matrix is not None:
            fitted = self._stored_featurizer(key)
            if fitted is not None or not featurizer.persistable:
                return matrix, fitted if fitted is not None else featurizer
        del matrix
        items = check(items() if callable(items) else items)
        computed = featurizer.fit_transform(items)
        # Computed here and dropped after: sorted in place, not copied.
        self._save(key, computed, in_place=True)
        self.save_featurizer(key, featurizer)
        del computed
        stored = self.load(key)
        if stored is None:  # pragma: no cover - written just above
            raise ConfigError(f"The feature cache could not read back {key!r}.")
        return stored, featurizer

    def _stored_featurizer(self, key: str) -> Featurizer | None:
        """The stored fitted featurizer, or None (a damaged file is refitted)."""
        try:
            return self.load_featurizer(key)
        except ConfigError as exc:
            _log.warning(
                "The cached featurizer of %s cannot be loaded and will be fitted "
                "again: %s",
                key,
                exc,
            )
            return None
