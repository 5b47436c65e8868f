"""A server keeps PostgreSQL's figures of the queue current (ANALYZE off the request path)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from activelabel.store.engine import Store
from activelabel.store.queue_statistics import QueueStatistics
from activelabel.store.random_fill import random_fill


def _fill(store: Store, project_factory: Any, n: int) -> None:
    project = project_factory(items=[{"text": f"text {i}"} for i in range(n)])
    with store.session(write=True) as session:
        random_fill(session, project_id=project.id, size=n)
        if store.dialect == "postgresql":
            # The inserts' counts reach pg_stat_user_tables at once, not within a second.
            session.execute(text("SELECT pg_stat_force_next_flush()"))


def _planner_rows(store: Store) -> float:
    with store.engine.connect() as connection:
        return float(
            connection.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = 'queue'::regclass")
            ).scalar_one()
        )


def test_a_changed_queue_is_analyzed_and_an_unchanged_one_is_not(
    store: Store, project_factory: Any
) -> None:
    if store.dialect != "postgresql":
        return  # SQLite: see the test below.
    _fill(store, project_factory, 120)
    statistics = QueueStatistics(store)

    assert statistics.refresh() is True
    assert _planner_rows(store) == 120
    assert statistics.refresh() is False


def test_few_changes_do_not_make_an_analyze(store: Store, project_factory: Any) -> None:
    if store.dialect != "postgresql":
        return
    statistics = QueueStatistics(store, min_changes=1_000)
    # Changes left by earlier tests on the same tables are analyzed first.
    statistics.refresh()
    _fill(store, project_factory, 10)

    assert statistics.refresh() is False


def test_the_thread_runs_on_postgresql_only_and_stops(store: Store) -> None:
    statistics = QueueStatistics(store, seconds=0.05)
    statistics.start()
    try:
        assert (statistics._thread is not None) == (store.dialect == "postgresql")
    finally:
        statistics.stop()
    assert statistics._thread is None
