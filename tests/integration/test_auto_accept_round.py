"""Stream auto-labeling on SQLite and PostgreSQL: a round labels the items its
model is surest of as ``source="model"``, a share of them waits in the review
queue as an audit, the figures count what the reviewers kept, and one undo
takes every unreviewed model label back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from spam_ham import kind_of, label_first, spam_ham_items
from sqlalchemy import select, update

from activelabel.io.export import export_labels
from activelabel.loop import run_round
from activelabel.loop.round import compute_round
from activelabel.loop.training_labels import training_labels
from activelabel.loop.write import write_round
from activelabel.store.annotations import add_annotation
from activelabel.store.auto_labels import (
    audit_sql,
    auto_label_figures,
    in_audit_share,
    undo_auto_labels,
)
from activelabel.store.engine import Store
from activelabel.store.models import (
    Annotation,
    Item,
    ModelVersion,
    Project,
    QueueEntry,
    User,
    utcnow,
)
from activelabel.store.review_counts import review_counts
from activelabel.store.review_filters import ItemFilters
from activelabel.store.review_queue import review_queue
from activelabel.store.reviews import review_item
from activelabel.store.stats import project_stats
from activelabel.store.users import add_user


def _project(
    store: Store, project_factory: Any, n: int = 80, **settings: Any
) -> Project:
    """Two easy kinds of text; the first 12 items labeled by a person."""
    project = project_factory(
        "sms", items=spam_ham_items(n), config={"text_column": "text", **settings}
    )
    label_first(store, project.id, 12)
    return project


def _truth(store: Store, project: Project) -> dict[int, str]:
    with store.session() as session:
        return {
            item.id: kind_of(item.data["text"])
            for item in session.scalars(
                select(Item).where(Item.project_id == project.id)
            )
        }


def _model_labels(store: Store, status: str = "active") -> list[Annotation]:
    with store.session() as session:
        return list(
            session.scalars(
                select(Annotation)
                .where(Annotation.source == "model", Annotation.status == status)
                .order_by(Annotation.item_id)
            )
        )


def _reviewer(store: Store) -> User:
    with store.session(write=True) as session:
        user, _ = add_user(session, name="rita", role="reviewer")
    return user


def test_a_round_with_auto_accept_labels_the_surest_items_as_the_models(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(store, project_factory, auto_accept=0.6, auto_accept_max=20)
    report = run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    assert report.auto_labeled == 20
    labels = _model_labels(store)
    truth = _truth(store, project)
    assert len(labels) == 20
    assert all(a.value == truth[a.item_id] for a in labels)
    with store.session() as session:
        version = session.scalars(select(ModelVersion)).one()
        queued = set(session.scalars(select(QueueEntry.item_id)))
    assert {a.annotator_id for a in labels} == {None}
    assert {a.session_id for a in labels} == {report.session_id}
    assert {a.model_version_id for a in labels} == {version.id}
    # Labeled now: never served, never learned from.
    assert not queued & {a.item_id for a in labels}
    with store.session() as session:
        assert len(training_labels(session, project.id)) == 12

    second = run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    assert second.auto_labeled == 20
    with store.session() as session:
        newest = session.scalars(
            select(ModelVersion).order_by(ModelVersion.id.desc())
        ).first()
        queued = set(session.scalars(select(QueueEntry.item_id)))
    # The model's labels do not train the next model, and stay out of the queue.
    assert newest is not None and newest.n_labels == 12
    labels = _model_labels(store)
    assert len(labels) == 40 == len({a.item_id for a in labels})
    assert not queued & {a.item_id for a in labels}


def test_auto_accept_off_labels_nothing(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(store, project_factory)
    report = run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    assert report.model_version is not None and report.auto_labeled == 0
    assert _model_labels(store) == []


def test_items_leased_or_labeled_while_the_round_computed_are_left_alone(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(store, project_factory, auto_accept=0.6, auto_accept_max=10)
    computed = compute_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    picked = [label.item_id for label in computed.auto_labels]
    assert len(picked) == 10
    with store.session(write=True) as session:
        annotator, _ = add_user(session, name="ann")
        row = session.get_one(Project, project.id)
        add_annotation(
            session,
            project=row,
            item_id=picked[0],
            value="ham",
            annotator_id=annotator.id,
        )
        session.add(
            QueueEntry(
                project_id=project.id,
                item_id=picked[1],
                session_id=computed_session(session, project.id),
                priority=1.0,
                leased_by=annotator.id,
                lease_expires_at=utcnow().replace(year=2100),
            )
        )
    report = write_round(store, computed)
    assert report.auto_labeled == 8
    assert {a.item_id for a in _model_labels(store)} == set(picked[2:])
    with store.session() as session:
        still_leased = session.scalar(
            select(QueueEntry.leased_by).where(QueueEntry.item_id == picked[1])
        )
    assert still_leased == annotator.id


def computed_session(session: Any, project_id: int) -> int:
    """A query session for an entry put in the queue by hand."""
    from activelabel.store.models import QuerySession

    query_session = QuerySession(project_id=project_id, strategy="random")
    session.add(query_session)
    session.flush()
    return query_session.id


def test_an_item_leased_before_the_round_is_not_picked(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(store, project_factory, auto_accept=0.6, auto_accept_max=1000)
    with store.session(write=True) as session:
        annotator, _ = add_user(session, name="ann")
        unlabeled = session.scalars(
            select(Item.id).where(Item.project_id == project.id).order_by(Item.id)
        ).all()[12:]
        session_id = computed_session(session, project.id)
        for item_id in unlabeled[:5]:
            session.add(
                QueueEntry(
                    project_id=project.id,
                    item_id=item_id,
                    session_id=session_id,
                    priority=1.0,
                    leased_by=annotator.id,
                    lease_expires_at=utcnow().replace(year=2100),
                )
            )
    computed = compute_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    picked = {label.item_id for label in computed.auto_labels}
    assert picked and not picked & set(unlabeled[:5])


def test_audits_wait_in_the_review_queue_and_reviews_make_the_audited_accuracy(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(
        store,
        project_factory,
        auto_accept=0.6,
        auto_accept_max=40,
        auto_accept_audit=0.3,
    )
    run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    labels = {a.item_id: a.value for a in _model_labels(store)}
    audited = sorted(i for i in labels if in_audit_share(i, 0.3))
    assert 3 <= len(audited) < len(labels)
    with store.session() as session:
        row = session.get_one(Project, project.id)
        waiting = review_queue(session, row, page_size=200)
        audit = review_queue(session, row, ItemFilters(audit=True), page_size=200)
        counts = review_counts(session, row)
        figures = auto_label_figures(session, row)
        sql_share = set(
            session.scalars(
                select(Item.id).where(
                    Item.project_id == project.id, audit_sql(Item.id, 0.3)
                )
            )
        )
    # The same share in SQL as in Python.
    assert sql_share == {i for i in _truth(store, project) if in_audit_share(i, 0.3)}
    model_waiting = {r.item.id for r in waiting.rows} & set(labels)
    assert model_waiting == set(audited)
    assert [r.item.id for r in audit.rows] == audited
    assert counts.to_review == 12 + len(audited)
    assert (figures.auto_labeled, figures.audited, figures.audit_waiting) == (
        40,
        0,
        len(audited),
    )
    assert figures.audited_accuracy is None

    reviewer = _reviewer(store)
    flip = {"spam": "ham", "ham": "spam"}
    with store.session(write=True) as session:
        row = session.get_one(Project, project.id)
        review_item(
            session,
            project=row,
            item_id=audited[0],
            decision="accept",
            reviewer=reviewer,
        )
        review_item(
            session,
            project=row,
            item_id=audited[1],
            decision="correct",
            reviewer=reviewer,
            value=flip[labels[audited[1]]],
        )
        review_item(
            session,
            project=row,
            item_id=audited[2],
            decision="correct",
            reviewer=reviewer,
            value=labels[audited[2]],
        )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        figures = auto_label_figures(session, row)
        stats = project_stats(session, row)
        trained = training_labels(session, project.id)
    assert (figures.audited, figures.audited_correct) == (3, 2)
    assert figures.audited_accuracy == pytest.approx(2 / 3)
    assert stats.auto_labels["audited_accuracy"] == pytest.approx(2 / 3)
    assert stats.auto_labels["audit_waiting"] == len(audited) - 3
    # A reviewer's correction is a person's label: it wins and trains.
    assert trained[audited[1]] == flip[labels[audited[1]]]
    assert audited[0] not in trained


def test_undo_takes_back_every_unreviewed_model_label_and_the_items_return_to_the_pool(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(
        store,
        project_factory,
        auto_accept=0.6,
        auto_accept_max=30,
        auto_accept_audit=1.0,
    )
    run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    labels = _model_labels(store)
    kept = labels[0].item_id
    reviewer = _reviewer(store)
    with store.session(write=True) as session:
        row = session.get_one(Project, project.id)
        review_item(
            session, project=row, item_id=kept, decision="accept", reviewer=reviewer
        )
    with store.session(write=True) as session:
        row = session.get_one(Project, project.id)
        undone = undo_auto_labels(session, row)
    assert undone == 29
    with store.session() as session:
        row = session.get_one(Project, project.id)
        assert row.settings.auto_accept is None
        figures = auto_label_figures(session, row)
    assert [a.item_id for a in _model_labels(store)] == [kept]
    assert len(_model_labels(store, "undone")) == 29
    assert (figures.auto_labeled, figures.audited, figures.audited_correct) == (1, 1, 1)
    # Back in the pool: the next round (auto-accept off now) queues them.
    run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    with store.session() as session:
        queued = set(session.scalars(select(QueueEntry.item_id)))
    returned = {a.item_id for a in labels[1:]}
    assert returned <= queued
    assert kept not in queued


def test_an_export_keeps_the_models_labels_apart_and_imports_back(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(store, project_factory, auto_accept=0.6, auto_accept_max=10)
    run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    labels = {a.item_id: a.value for a in _model_labels(store)}
    with store.session() as session:
        external = dict(session.execute(select(Item.id, Item.external_id)).all())
        people = training_labels(session, project.id)
    out = tmp_path / "labels.csv"
    export_labels(store, "sms", out, include_unlabeled=False)
    rows = pd.read_csv(out).set_index("external_id")
    assert len(rows) == 22
    by_model = rows[rows["label_source"] == "model"]
    assert {external[i]: v for i, v in labels.items()} == by_model["label"].to_dict()
    assert set(rows.loc[[external[i] for i in people], "label_source"]) == {"human"}
    # Kept apart for training code: the people's labels alone, as they were.
    people_rows = rows[rows["label_source"] != "model"]
    assert {external[i]: v for i, v in people.items()} == people_rows["label"].to_dict()


def test_the_audit_share_follows_the_setting(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = _project(
        store,
        project_factory,
        auto_accept=0.6,
        auto_accept_max=30,
        auto_accept_audit=0.0,
    )
    run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    with store.session(write=True) as session:
        row = session.get_one(Project, project.id)
        none = review_queue(session, row, ItemFilters(audit=True)).total
        session.execute(
            update(Project)
            .where(Project.id == project.id)
            .values(config={**row.config, "auto_accept_audit": 1.0})
        )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        every = review_queue(session, row, ItemFilters(audit=True)).total
    assert (none, every) == (0, 30)


def test_a_label_set_project_labels_its_surest_items_with_label_sets(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    kinds = {
        "sports": "the match ended with a late goal by the striker",
        "politics": "the parliament voted on the new budget law",
    }
    project = project_factory(
        "topics",
        task="multilabel",
        labels=("sports", "politics"),
        items=[{"text": f"{kinds[k]} {i}"} for i in range(60) for k in kinds],
        config={"text_column": "text", "auto_accept": 0.55, "auto_accept_max": 10},
    )
    with store.session(write=True) as session:
        row = session.get_one(Project, project.id)
        for item in sorted(row.items, key=lambda i: i.id)[:16]:
            value = [
                k for k, text in kinds.items() if item.data["text"].startswith(text)
            ]
            add_annotation(session, project=row, item_id=item.id, value=value)
    report = run_round(store, project.id, queue_size=100, cache_dir=tmp_path)
    labels = _model_labels(store)
    assert report.auto_labeled == len(labels) == 10
    with store.session() as session:
        texts = {
            i.id: i.data["text"]
            for i in session.scalars(select(Item).where(Item.project_id == project.id))
        }
    for annotation in labels:
        expected = [
            k for k, text in kinds.items() if texts[annotation.item_id].startswith(text)
        ]
        assert annotation.value == expected
