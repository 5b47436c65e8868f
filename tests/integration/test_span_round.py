"""A round over a span project: a CRF in the loop, prelabels, sentence strategies."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from activelabel.loop import run_round
from activelabel.loop.trainer import BackgroundTrainer
from activelabel.ml.model_families import load_sequence_model
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, ModelVersion, Project, QueueEntry
from activelabel.store.predictions import PredictionRow, write_predictions

NEWS = Path(__file__).parent.parent / "fixtures" / "ner" / "news_spans.jsonl"
LABELS = ("PER", "LOC", "ORG", "MISC")


def news_rows() -> list[dict[str, Any]]:
    """The 39 sentences of the NER fixture with their spans."""
    return [json.loads(line) for line in NEWS.read_text().splitlines() if line.strip()]


def news_project(
    store: Store,
    project_factory: Any,
    *,
    labeled: int,
    config: dict[str, Any] | None = None,
) -> tuple[int, list[int], list[dict[str, Any]]]:
    """A NER project of the fixture's sentences, the first ``labeled`` labeled."""
    rows = news_rows()
    project = project_factory(
        task="ner",
        labels=LABELS,
        items=[{"text": row["text"]} for row in rows],
        config=config,
    )
    with store.session() as session:
        ids = list(
            session.scalars(
                select(Item.id).where(Item.project_id == project.id).order_by(Item.id)
            )
        )
        row = session.get_one(Project, project.id)
        for item_id, data in zip(ids[:labeled], rows[:labeled], strict=True):
            add_annotation(session, project=row, item_id=item_id, value=data["spans"])
    return project.id, ids, rows


def queue_of(store: Store, project_id: int) -> list[QueueEntry]:
    with store.session() as session:
        entries = list(
            session.scalars(
                select(QueueEntry)
                .where(QueueEntry.project_id == project_id)
                .order_by(QueueEntry.priority.desc())
            )
        )
        session.expunge_all()
    return entries


def assert_no_overlaps(spans: list[dict[str, Any]]) -> None:
    ordered = sorted(spans, key=lambda s: s["start"])
    for before, after in itertools.pairwise(ordered):
        assert before["end"] <= after["start"], (before, after)


def test_a_ner_project_with_labeled_sentences_gets_a_crf_with_entity_f1_and_span_suggestions(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id, _, rows = news_project(store, project_factory, labeled=24)

    report = run_round(store, project_id, queue_size=50, cache_dir=tmp_path)

    assert report.model_version is not None
    assert report.strategy == "total_token_entropy"
    assert report.n_labels == 24 and report.queued == len(rows) - 24
    with store.session() as session:
        version = session.scalars(
            select(ModelVersion).where(ModelVersion.project_id == project_id)
        ).one()
        session.expunge(version)
    assert version.metrics["score_metric"] == "entity_f1"
    assert version.cv_score == version.metrics["entity_f1"]
    assert 0.0 <= version.cv_score <= 1.0
    assert set(version.metrics["per_class"]) <= set(LABELS)
    assert version.n_labels == 24
    # The artifact is the model itself: it loads and tags a sentence.
    assert version.artifact is not None
    model = load_sequence_model("crf_sequence", version.artifact)
    assert len(model.predict_tags([["Harbour", "City", "won"]])[0]) == 3

    entries = queue_of(store, project_id)
    assert all(e.score is not None and 0.0 <= e.score <= 1.0 for e in entries)
    suggested = [e.suggestion for e in entries if e.suggestion]
    assert suggested, "no queued sentence got a prelabel"
    sources = {span["source"] for spans in suggested for span in spans}
    assert "model" in sources and sources <= {"model", "dictionary"}
    for spans in suggested:
        assert_no_overlaps(spans)
        assert all(0.0 <= span["confidence"] <= 1.0 for span in spans)
        assert all(span["label"] in LABELS for span in spans)


def test_dictionary_prelabels_appear_before_any_model(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id, ids, rows = news_project(store, project_factory, labeled=3)
    forms = {
        row["text"][s["start"] : s["end"]] for row in rows[:3] for s in row["spans"]
    }

    report = run_round(store, project_id, queue_size=50, cache_dir=tmp_path)

    assert report.model_version is None and report.strategy == "random"
    entries = {e.item_id: e for e in queue_of(store, project_id)}
    texts = dict(zip(ids, (row["text"] for row in rows), strict=True))
    seen = [i for i in ids[3:] if any(form in texts[i] for form in forms)]
    assert seen, "the fixture repeats no labeled form"
    for item_id in seen:
        spans = entries[item_id].suggestion
        assert spans and {s["source"] for s in spans} == {"dictionary"}
        assert {texts[item_id][s["start"] : s["end"]] for s in spans} <= forms
    # Before a model nothing is scored: the queue is random.
    assert all(e.score is None for e in entries.values())


def test_a_project_with_prelabel_off_queues_no_suggestions_but_keeps_its_scores(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id, _, _ = news_project(
        store, project_factory, labeled=24, config={"prelabel": False}
    )

    report = run_round(store, project_id, queue_size=50, cache_dir=tmp_path)

    assert report.model_version is not None
    entries = queue_of(store, project_id)
    assert entries and all(e.suggestion is None for e in entries)
    assert all(e.score is not None for e in entries)


def test_imported_predictions_become_prelabels_and_win_over_the_dictionary(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id, ids, rows = news_project(store, project_factory, labeled=3)
    target = next(
        i
        for i, row in zip(ids[3:], rows[3:], strict=True)
        if "Harbour City" in row["text"]
    )
    text = rows[ids.index(target)]["text"]
    start = text.index("Harbour City")
    predicted = [{"start": start, "end": start + len("Harbour City"), "label": "LOC"}]
    with store.session() as session:
        write_predictions(
            session,
            project_id,
            [PredictionRow(target, "earlier-model", predicted, score=0.7)],
        )

    run_round(store, project_id, queue_size=50, cache_dir=tmp_path)

    spans = {e.item_id: e for e in queue_of(store, project_id)}[target].suggestion
    assert spans is not None
    mine = [s for s in spans if s["start"] == start]
    assert mine == [{**predicted[0], "source": "prediction", "confidence": 0.7}]
    assert_no_overlaps(spans)


def test_the_queue_follows_the_strategy_the_project_chose(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project_id, _, _ = news_project(
        store,
        project_factory,
        labeled=24,
        config={"strategy": "dictionary_disagreement"},
    )

    report = run_round(store, project_id, queue_size=50, cache_dir=tmp_path)

    assert report.strategy == "dictionary_disagreement"
    scores = [e.score for e in queue_of(store, project_id)]
    assert all(s is not None and 0.0 <= s <= 1.0 for s in scores)


def test_a_span_project_may_ask_for_a_random_queue_and_refuses_an_item_strategy(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    import pytest

    from activelabel.exceptions import ConfigError

    project_id, _, _ = news_project(store, project_factory, labeled=24)

    report = run_round(store, project_id, queue_size=50, strategy="random")

    assert report.strategy == "random" and report.model_version is not None
    assert all(e.score is None for e in queue_of(store, project_id))
    with pytest.raises(ConfigError, match="'margin' does not order sentences"):
        run_round(store, project_id, queue_size=50, strategy="margin")


def wait_for(predicate: Any, seconds: float = 180.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_the_background_trainer_retrains_a_span_project_after_retrain_every_labels(
    store: Store, db_url: str, project_factory: Any, tmp_path: Path
) -> None:
    project_id, ids, rows = news_project(
        store, project_factory, labeled=10, config={"retrain_every": 5}
    )

    def versions() -> list[int]:
        with store.session() as session:
            return list(
                session.scalars(
                    select(ModelVersion.n_labels)
                    .where(ModelVersion.project_id == project_id)
                    .order_by(ModelVersion.id)
                )
            )

    trainer = BackgroundTrainer(
        store, db_url, queue_size=20, poll_seconds=0.2, cache_dir=tmp_path
    )
    trainer.start()
    try:
        # No model yet: the trainer's first round trains on the 10 labels.
        assert wait_for(lambda: versions() == [10])
        with store.session() as session:
            project = session.get_one(Project, project_id)
            for item_id, row in zip(ids[10:14], rows[10:14], strict=True):
                add_annotation(
                    session, project=project, item_id=item_id, value=row["spans"]
                )
        trainer.notify(project_id)
        time.sleep(3)
        assert versions() == [10], "four labels of five retrained"
        with store.session() as session:
            project = session.get_one(Project, project_id)
            add_annotation(
                session, project=project, item_id=ids[14], value=rows[14]["spans"]
            )
        trainer.notify(project_id)
        assert wait_for(lambda: versions() == [10, 15])
    finally:
        trainer.stop()


def test_labels_that_cannot_train_a_model_ask_for_one_round_not_one_at_every_look(
    store: Store, db_url: str, project_factory: Any
) -> None:
    from activelabel.store.jobs import claim_job, finish_job
    from activelabel.store.models import Job
    from activelabel.store.random_fill import random_fill

    project = project_factory(
        task="ner",
        labels=LABELS,
        items=[{"text": f"nothing to see here {i}"} for i in range(40)],
        config={"retrain_every": 5},
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        for item in sorted(row.items, key=lambda i: i.id)[:6]:
            add_annotation(session, project=row, item_id=item.id, value=[])
    with store.session(write=True) as session:
        # A full queue: only labels can make a round due.
        random_fill(session, project_id=project.id, size=20)
    trainer = BackgroundTrainer(store, db_url, queue_size=20)

    def jobs() -> int:
        with store.session() as session:
            return len(session.scalars(select(Job)).all())

    trainer._check_projects()
    assert jobs() == 1
    with store.session(write=True) as session:
        job = claim_job(session)
        assert job is not None
        finish_job(session, job_id=job.id, result={})
    # Six labels without a span train no model: no round is due again until
    # five more labels arrive.
    trainer._check_projects()
    assert jobs() == 1
    with store.session() as session:
        row = session.get_one(Project, project.id)
        for item in sorted(row.items, key=lambda i: i.id)[6:11]:
            add_annotation(session, project=row, item_id=item.id, value=[])
    trainer._check_projects()
    assert jobs() == 2
