"""A worker's PoolMemo: later rounds read only new items and reuse the matrix."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from activelabel.loop.pool_memo import PoolMemo
from activelabel.loop.round import compute_round
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
