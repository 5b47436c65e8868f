"""A worker's PoolMemo: later rounds read only new items and reuse the matrix
(a cached one opened again from its file each round)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sqlalchemy import insert

from activelabel import extras
from activelabel.loop.pool_memo import PoolMemo
from activelabel.loop.round import compute_round
from activelabel.ml.feature_cache import FeatureCache, is_memory_mapped
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project

TEXT = {"text_column": "text"}


def _texts(start: int, n: int) -> list[dict[str, Any]]:
    words = ("win cash prize now", "see you at lunch")
    return [{"text": f"{words[i % 2]} {i}"} for i in range(start, start + n)]


def _add_items(store: Store, project_id: int, datas: list[dict[str, Any]]) -> None:
    with store.session() as session:
        session.execute(
            insert(Item),
            [
                {
                    "project_id": project_id,
                    "external_id": f"late-{d['text']}",
                    "content_hash": hashlib.sha256(
                        json.dumps(d, sort_keys=True).encode()
                    ).hexdigest(),
                    "data": d,
                }
                for d in datas
            ],
        )


def _label_some(store: Store, project_id: int, n: int) -> None:
    with store.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        for item in sorted(project.items, key=lambda i: i.id)[:n]:
            spam = item.data["text"].startswith("win")
            add_annotation(
                session,
                project=project,
                item_id=item.id,
                value="spam" if spam else "ham",
            )


def _labeled_project(store: Store, project_factory: Any, start: int, n: int) -> int:
    """A text project of ``n`` items whose first ten are labeled; its id."""
    project = project_factory(items=_texts(start, n), config=TEXT)
    _label_some(store, project.id, 10)
    return int(project.id)


def _queue(
    store: Store, project_id: int, cache: Path, memo: PoolMemo | None
) -> list[Any]:
    computed = compute_round(
        store, project_id, queue_size=20, cache_dir=cache, memo=memo
    )
    return [(c.item_id, c.suggestion) for c in computed.candidates]


def test_a_second_round_with_a_memo_reads_only_the_items_added_since(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    pid = _labeled_project(store, project_factory, 0, 60)
    memo = PoolMemo()

    first = _queue(store, pid, tmp_path / "c", memo)
    assert memo.rows_read == 60
    assert first == _queue(store, pid, tmp_path / "c", None)

    again = _queue(store, pid, tmp_path / "c", memo)
    assert memo.rows_read == 0
    assert again == first

    _add_items(store, pid, _texts(60, 15))
    grown = _queue(store, pid, tmp_path / "c", memo)
    assert memo.rows_read == 15
    assert len(memo.rows) == 75
    # The same queue as a round that reads everything from scratch.
    assert grown == _queue(store, pid, tmp_path / "fresh", None)


def test_a_memo_whose_rows_are_not_a_prefix_of_the_pool_reads_it_all_again(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    pid = _labeled_project(store, project_factory, 0, 40)
    memo = PoolMemo()
    _queue(store, pid, tmp_path / "c", memo)
    # As if an item had committed after a later id was read.
    del memo.rows[5]

    queue = _queue(store, pid, tmp_path / "c", memo)

    assert memo.rows_read == 40
    assert [r[0] for r in memo.rows] == sorted(r[0] for r in memo.rows)
    assert len(memo.rows) == 40
    assert queue == _queue(store, pid, tmp_path / "c", None)


def test_a_memo_starts_afresh_for_another_project(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    one = _labeled_project(store, project_factory, 0, 30)
    two = _labeled_project(store, project_factory, 100, 50)
    memo = PoolMemo()
    _queue(store, one, tmp_path / "c", memo)

    queue = _queue(store, two, tmp_path / "c", memo)

    assert memo.rows_read == 50
    assert memo.source is not None and memo.source[1] == two
    assert queue == _queue(store, two, tmp_path / "c", None)


def test_a_memo_keeps_a_cached_matrix_by_its_key_not_its_pages(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    pid = _labeled_project(store, project_factory, 0, 60)
    memo = PoolMemo()

    first = _queue(store, pid, tmp_path / "c", memo)

    # Between rounds: the key and the fitted featurizer, no matrix.
    assert memo.matrix is None and memo.featurizer is not None
    assert memo.matrix_file is not None
    cache, key = memo.matrix_file
    assert isinstance(cache, FeatureCache) and (tmp_path / "c" / f"{key}.csr").exists()
    assert memo.matrix_for is not None
    reopened = memo.kept_matrix(*memo.matrix_for)
    assert reopened is not None and is_memory_mapped(reopened[0])
    del reopened
    # The next round opens the file again and queues as before.
    assert _queue(store, pid, tmp_path / "c", memo) == first
    assert memo.matrix is None and memo.matrix_file == (cache, key)


def test_a_memo_whose_cached_file_is_gone_computes_the_matrix_again(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    pid = _labeled_project(store, project_factory, 0, 60)
    memo = PoolMemo()
    first = _queue(store, pid, tmp_path / "c", memo)
    for path in (tmp_path / "c").glob("*.csr"):
        path.unlink()

    assert _queue(store, pid, tmp_path / "c", memo) == first
    assert memo.matrix is None and memo.matrix_file is not None


def test_a_memo_keeps_a_matrix_that_is_not_a_cached_file_itself() -> None:
    from activelabel.ml import TextFeaturizer

    memo = PoolMemo()
    featurizer = TextFeaturizer()
    matrix = sp.csr_matrix(np.eye(3, dtype=np.float32))

    memo.keep_matrix("f", 3, matrix, featurizer)

    assert memo.matrix is matrix and memo.matrix_file is None
    assert memo.kept_matrix("f", 3) == (matrix, featurizer)
    assert memo.kept_matrix("f", 4) is None and memo.kept_key("f", 3) is None
    assert memo.kept_featurizer("f", 3) is featurizer


def test_the_combined_features_of_both_are_cached_and_kept_by_key(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    if not extras.embeddings_installed():
        pytest.skip("the embeddings extra is not installed")
    project = project_factory(
        items=_texts(0, 40), config={**TEXT, "featurizer": "both"}
    )
    _label_some(store, project.id, 10)
    memo = PoolMemo()

    first = _queue(store, project.id, tmp_path / "c", memo)

    assert memo.matrix_for is not None and memo.matrix_for[0].startswith("both[")
    assert memo.matrix is None and memo.matrix_file is not None
    assert _queue(store, project.id, tmp_path / "c", memo) == first
    assert first == _queue(store, project.id, tmp_path / "fresh", None)
