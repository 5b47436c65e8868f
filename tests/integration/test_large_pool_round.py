"""A pool over the large-pool size gets hashed n-grams and still a model and a queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spam_ham import label_first, spam_ham_items
from sqlalchemy import select

from activelabel.loop import featurizers, run_round
from activelabel.store.engine import Store
from activelabel.store.models import ModelVersion
from activelabel.store.queue import queue_size


def test_a_round_over_a_large_pool_trains_on_hashed_ngrams_and_fills_the_queue(
    store: Store, project_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forty items stand for a large pool: the threshold is lowered, not the data raised.
    monkeypatch.setattr(featurizers, "LARGE_TEXT_POOL", 30)
    project = project_factory(
        items=spam_ham_items(40, ("win cash prize now £100!", "see you at lunch then")),
        config={"text_column": "text"},
    )
    label_first(store, project.id, 10)

    report = run_round(store, project.id, queue_size=20, cache_dir=tmp_path / "c")

    assert report.model_version is not None and report.queued == 20
    with store.session() as session:
        version = session.scalars(select(ModelVersion)).one()
        assert version.featurizer.startswith("text-hashed-ngrams-")
        assert queue_size(session, project_id=project.id) == 20
