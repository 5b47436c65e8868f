"""Every strategy ranks a pool memory-mapped read-only from the feature cache
as it ranks the same pool in memory: none writes into the matrix it scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from activelabel.al import make_strategy
from activelabel.choices import STRATEGY_NAMES
from activelabel.ml.feature_cache import FeatureCache, is_memory_mapped
from activelabel.ml.training import fit_quietly, make_estimator


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_every_strategy_ranks_a_read_only_mapped_pool_as_one_in_memory(
    pool: tuple[Any, Any, Any], tmp_path: Path, name: str, sparse: bool
) -> None:
    X, y_pool, _ = pool
    X = sp.csr_matrix(X.astype(np.float32)) if sparse else X.astype(np.float32)
    cache = FeatureCache(tmp_path)
    cache.save("pool", X)
    mapped = cache.load("pool")
    assert is_memory_mapped(mapped)
    labeled = np.flatnonzero([v == v for v in y_pool])
    model = fit_quietly(make_estimator(), mapped[labeled], y_pool[labeled].astype(int))

    expected = make_strategy(name, random_state=0).query(
        X, y_pool, estimator=model, batch_size=8, return_scores=True
    )
    got = make_strategy(name, random_state=0).query(
        mapped, y_pool, estimator=model, batch_size=8, return_scores=True
    )

    np.testing.assert_array_equal(np.asarray(got[0]), np.asarray(expected[0]))
    np.testing.assert_allclose(got[1], expected[1], equal_nan=True)
