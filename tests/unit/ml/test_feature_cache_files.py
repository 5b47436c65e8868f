"""The feature cache's files: sparse matrices memory-mapped, old caches still
read, damaged files computed again."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from activelabel.ml import FeatureCache, TabularFeaturizer, TextFeaturizer, content_hash
from activelabel.ml.feature_cache import is_memory_mapped

TEXTS = ["Free entry! Win cash now", "are we meeting at lunch", "WIN a prize, call now"]
HASHES = [content_hash(t) for t in TEXTS]


def _sparse(rows: int = 40, cols: int = 25) -> sp.csr_matrix:
    return sp.random(
        rows, cols, density=0.3, format="csr", dtype=np.float32, random_state=0
    )


def _same(a: Any, b: Any) -> bool:
    return a.shape == b.shape and (sp.csr_matrix(a) != sp.csr_matrix(b)).nnz == 0


def _shares_file_map(matrix: sp.csr_matrix) -> bool:
    """Every array of ``matrix`` is the cache file's map itself (no copy)."""
    return is_memory_mapped(matrix) and all(
        not a.flags.writeable for a in (matrix.data, matrix.indices, matrix.indptr)
    )


def test_a_sparse_matrix_comes_back_memory_mapped_read_only_and_equal(
    tmp_path: Path,
) -> None:
    cache = FeatureCache(tmp_path)
    matrix = _sparse()

    path = cache.save("k", matrix)
    loaded = cache.load("k")

    assert path.suffix == ".csr"
    assert isinstance(loaded, sp.csr_matrix) and _same(loaded, matrix)
    assert loaded.dtype == np.float32
    assert _shares_file_map(loaded)
    # The index arrays are stored in the width SciPy keeps, so it copies none.
    assert loaded.indices.dtype == loaded.indptr.dtype == np.int32


def test_a_sparse_matrix_with_wide_unsorted_duplicate_indices_is_stored_canonical(
    tmp_path: Path,
) -> None:
    cache = FeatureCache(tmp_path)
    # Row 0 lists column 3 twice and its columns out of order.
    matrix = sp.csr_matrix(
        (
            np.array([1.0, 2.0, 0.5, 4.0], dtype=np.float32),
            np.array([3, 1, 3, 0], dtype=np.int64),
            np.array([0, 3, 4], dtype=np.int64),
        ),
        shape=(2, 5),
    )
    expected = matrix.toarray()

    cache.save("k", matrix)
    loaded = cache.load("k")

    np.testing.assert_array_equal(loaded.toarray(), expected)
    assert loaded.has_canonical_format and _shares_file_map(loaded)
    assert loaded.indices.dtype == np.int32
    # Summing or sorting in place would fail on a read-only map: not needed.
    loaded.sum_duplicates()
    loaded.sort_indices()
    # The caller's matrix is left as it was.
    assert matrix.indices.tolist() == [3, 1, 3, 0]


@pytest.mark.parametrize("shape", [(0, 4), (3, 4)], ids=["no rows", "no entries"])
def test_an_empty_sparse_matrix_round_trips(tmp_path: Path, shape: Any) -> None:
    cache = FeatureCache(tmp_path)
    cache.save("k", sp.csr_matrix(shape, dtype=np.float32))

    loaded = cache.load("k")

    assert loaded.shape == shape and loaded.nnz == 0


def test_a_miss_returns_the_stored_memory_mapped_copy(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)

    computed, _ = cache.get_or_compute(TextFeaturizer(), TEXTS, HASHES)
    again, _ = cache.get_or_compute(TextFeaturizer(), TEXTS, HASHES)

    assert _shares_file_map(computed) and _shares_file_map(again)
    assert _same(computed, TextFeaturizer().fit_transform(TEXTS))
    assert _same(computed, again)


def test_a_miss_with_the_key_given_stores_under_that_key(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    key = cache.key(TextFeaturizer().featurizer_id, HASHES)

    cache.get_or_compute(TextFeaturizer(), TEXTS, HASHES, key=key)

    assert (tmp_path / f"{key}.csr").exists()


def test_a_dense_miss_returns_the_stored_memory_mapped_copy(tmp_path: Path) -> None:
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.5, 0.0, 1.5]})
    computed, _ = FeatureCache(tmp_path).get_or_compute(
        TabularFeaturizer(), table, ["x", "y", "z"]
    )

    assert isinstance(computed, np.memmap) and not computed.flags.writeable


@pytest.mark.parametrize("compressed", [False, True], ids=["stored", "zipped"])
def test_a_sparse_cache_of_an_earlier_version_still_loads(
    tmp_path: Path, compressed: bool
) -> None:
    cache = FeatureCache(tmp_path)
    matrix = _sparse()
    sp.save_npz(tmp_path / "k.npz", matrix, compressed=compressed)

    loaded = cache.load("k")

    assert _same(loaded, matrix)
    # Rewritten once in the new layout, and memory-mapped from it.
    assert _shares_file_map(loaded)
    assert not (tmp_path / "k.npz").exists() and (tmp_path / "k.csr").exists()
    assert _same(cache.load("k"), matrix)


def test_an_earlier_cache_in_a_read_only_directory_loads_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FeatureCache(tmp_path)
    matrix = _sparse()
    sp.save_npz(tmp_path / "k.npz", matrix, compressed=False)

    def refuse(*args: Any, **kwargs: Any) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache, "save", refuse)
    loaded = cache.load("k")

    assert _same(loaded, matrix) and not is_memory_mapped(loaded)


def _cut(path: Path, keep: int) -> None:
    path.write_bytes(path.read_bytes()[:keep])


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda p: _cut(p, 5000), "holds 5,000 bytes of the"),
        (lambda p: _cut(p, 100), "does not start with a sparse matrix header"),
        (lambda p: p.write_bytes(b"not a matrix at all"), "does not start"),
        (
            lambda p: p.write_bytes(
                p.read_bytes()[:17] + b"{oops" + p.read_bytes()[22:]
            ),
            "header is unreadable",
        ),
    ],
    ids=["truncated", "header cut", "garbage", "bad header"],
)
def test_a_damaged_sparse_cache_is_computed_again_with_a_sentence(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Any, said: str
) -> None:
    cache = FeatureCache(tmp_path)
    first, _ = cache.get_or_compute(TextFeaturizer(), TEXTS, HASHES)
    expected = first.toarray()
    del first
    (path,) = tmp_path.glob("*.csr")
    damage(path)

    with caplog.at_level(logging.WARNING, logger="activelabel.ml.feature_cache"):
        assert cache.load(path.stem) is None
        again, _ = cache.get_or_compute(TextFeaturizer(), TEXTS, HASHES)

    np.testing.assert_array_equal(again.toarray(), expected)
    assert said in caplog.text and "computed again" in caplog.text
    # The damaged file was replaced: the next load is a hit, quietly.
    caplog.clear()
    assert cache.load(path.stem) is not None and not caplog.text


def test_a_truncated_dense_cache_counts_as_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = FeatureCache(tmp_path)
    cache.save("k", np.ones((50, 8), dtype=np.float32))
    _cut(tmp_path / "k.npy", 300)

    with caplog.at_level(logging.WARNING, logger="activelabel.ml.feature_cache"):
        assert cache.load("k") is None
    assert "k.npy are damaged" in caplog.text


def test_a_damaged_earlier_cache_counts_as_missing(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    sp.save_npz(tmp_path / "k.npz", _sparse(), compressed=False)
    _cut(tmp_path / "k.npz", 200)

    assert cache.load("k") is None


def test_a_damaged_featurizer_file_is_fitted_again(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    cache.get_or_compute(TextFeaturizer(), TEXTS, HASHES)
    (path,) = tmp_path.glob("*.featurizer.skops")
    path.write_bytes(b"not a skops file")

    matrix, fitted = cache.get_or_compute(TextFeaturizer(), TEXTS, HASHES)

    assert _same(matrix, fitted.transform(TEXTS))
    assert cache.load_featurizer(path.name.removesuffix(".featurizer.skops"))


def test_memory_mapped_tells_a_file_map_from_memory(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    matrix = _sparse()
    cache.save("s", matrix)
    cache.save("d", matrix.toarray())

    assert is_memory_mapped(cache.load("s")) and is_memory_mapped(cache.load("d"))
    assert not is_memory_mapped(matrix) and not is_memory_mapped(matrix.toarray())
    # Rows taken by position are copies.
    assert not is_memory_mapped(cache.load("s")[[0, 2]])
