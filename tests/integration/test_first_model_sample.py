"""Before its first model, a large pool's round reads a sample; after, the whole pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spam_ham import label_first, spam_ham_items
from sqlalchemy import select

from activelabel.loop import first_model_sample, run_round
from activelabel.loop.first_model_sample import rows_before_first_model
from activelabel.store.engine import Store
from activelabel.store.models import QuerySession, QueueEntry

WORDS = ("win cash prize now £100!", "see you at lunch then")


@pytest.fixture
def large_pool(
    store: Store, project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> Any:
    # Sixty items stand for a large pool: the thresholds are lowered, not the data raised.
    monkeypatch.setattr(first_model_sample, "SAMPLED_POOL", 30)
    monkeypatch.setattr(first_model_sample, "FIRST_MODEL_SAMPLE", 20)
    project = project_factory(
        items=spam_ham_items(60, WORDS), config={"text_column": "text"}
    )
    label_first(store, project.id, 10)
    return project


def _sessions(store: Store, project_id: int) -> list[QuerySession]:
    with store.session() as session:
        return list(
            session.scalars(
                select(QuerySession)
                .where(QuerySession.project_id == project_id)
                .order_by(QuerySession.id)
            )
        )


def test_a_large_pools_first_model_is_trained_on_a_sample_it_queues_from(
    store: Store, large_pool: Any, tmp_path: Path
) -> None:
    report = run_round(store, large_pool.id, queue_size=15, cache_dir=tmp_path / "c")

    assert report.model_version is not None
    assert report.note is not None and "20 others drawn at random" in report.note
    # The strategy chose among the sample's 20 unlabeled items, not the 50.
    assert _sessions(store, large_pool.id)[-1].pool_size == 20
    assert report.queued == 15


def test_once_a_model_exists_rounds_score_the_whole_pool(
    store: Store, large_pool: Any, tmp_path: Path
) -> None:
    run_round(store, large_pool.id, queue_size=15, cache_dir=tmp_path / "c")
    report = run_round(store, large_pool.id, queue_size=45, cache_dir=tmp_path / "c")

    assert report.note is None
    assert _sessions(store, large_pool.id)[-1].pool_size == 50
    with store.session() as session:
        queued = session.scalars(
            select(QueueEntry.item_id).where(QueueEntry.project_id == large_pool.id)
        ).all()
    assert len(queued) == 45


def test_the_sample_keeps_every_labeled_row_in_id_order_and_small_pools_whole(
    store: Store, large_pool: Any
) -> None:
    rows = [(i, f"hash{i}", None) for i in range(1, 61)]
    labeled = {3, 17, 58}

    sampled, note = rows_before_first_model(store, large_pool.id, rows, labeled)
    again, _ = rows_before_first_model(store, large_pool.id, rows, labeled)

    ids = [r[0] for r in sampled]
    assert note is not None and len(ids) == 23 and labeled <= set(ids)
    assert ids == sorted(ids) and sampled == again
    assert rows_before_first_model(store, large_pool.id, rows[:30], labeled) == (
        rows[:30],
        None,
    )
