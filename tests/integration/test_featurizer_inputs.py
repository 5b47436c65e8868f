"""A round reads the pool's data a chunk at a time, each in a short transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert

from activelabel.loop import inputs
from activelabel.loop.inputs import featurizer_inputs
from activelabel.loop.pool_memo import read_pool_rows
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project


def _texts(n: int) -> list[dict[str, Any]]:
    return [{"text": f"text number {i}"} for i in range(n)]


def _pool(store: Store, project_id: int) -> list[tuple[int, str, str | None]]:
    with store.session() as session:
        return read_pool_rows(session, project_id)


def test_no_transaction_stays_open_while_the_round_works_on_a_chunk(
    store: Store, project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A round worker on a busy machine may take minutes between two reads; an
    # open transaction all that time kept PostgreSQL from cleaning up leases.
    monkeypatch.setattr(inputs, "_CHUNK", 4)
    project = project_factory(items=_texts(10), config={"text_column": "text"})
    rows = _pool(store, project.id)

    checked_out = []
    for _data in inputs._item_data(store, project.id, rows):
        checked_out.append(store.engine.pool.checkedout())  # type: ignore[attr-defined]

    assert len(checked_out) == 10
    assert checked_out == [0] * 10


def test_the_texts_come_in_the_rows_order_across_chunks(
    store: Store, project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "_CHUNK", 3)
    project = project_factory(items=_texts(10), config={"text_column": "text"})
    rows = _pool(store, project.id)
    with store.session() as session:
        row = session.get_one(Project, project.id)
        session.expunge(row)

    texts = featurizer_inputs(store, row, rows)

    assert texts == [f"text number {i}" for i in range(10)]


def test_items_the_rows_do_not_name_are_left_out_though_in_their_range(
    store: Store, project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "_CHUNK", 4)
    project = project_factory(items=_texts(8), config={"text_column": "text"})
    rows = _pool(store, project.id)
    # Rows of the pool with a gap: the item between them arrives later (as
    # PostgreSQL may commit an id handed out earlier after a later one).
    kept = rows[:3] + rows[4:]
    with store.session() as session:
        row = session.get_one(Project, project.id)
        session.expunge(row)
    with store.session(write=True) as session:
        session.execute(
            insert(Item),
            [
                {
                    "project_id": project.id,
                    "external_id": "late",
                    "content_hash": "late",
                    "data": {"text": "late"},
                }
            ],
        )

    texts = featurizer_inputs(store, row, kept)

    assert texts == [f"text number {i}" for i in (0, 1, 2, 4, 5, 6, 7)]


def test_a_sample_of_the_pool_is_read_by_its_ids(
    store: Store, project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "_CHUNK", 2)
    project = project_factory(items=_texts(30), config={"text_column": "text"})
    rows = _pool(store, project.id)
    sample = [rows[i] for i in (0, 9, 17, 29)]
    with store.session() as session:
        row = session.get_one(Project, project.id)
        session.expunge(row)

    texts = featurizer_inputs(store, row, sample)

    assert texts == [f"text number {i}" for i in (0, 9, 17, 29)]
