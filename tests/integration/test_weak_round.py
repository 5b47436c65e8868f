"""The round over labeling functions: weak labels stored, rules suggestions, train-on-weak."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from activelabel.loop.round import run_round
from activelabel.loop.weak_labels import refresh_weak_labels
from activelabel.server.presenters import task_public
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.labeling_functions import add_keyword_function
from activelabel.store.leases import lease_entries
from activelabel.store.models import LfOutput, Project, QueueEntry, WeakLabel
from activelabel.store.users import add_user

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sms_sample.tsv"
SPAM_WORDS = ("free", "win", "prize", "claim", "txt", "urgent", "mobile", "call")
HAM_WORDS = ("ok", "lol", "home", "sorry", "later", "love")


def sms_rows() -> list[tuple[str, str]]:
    with FIXTURE.open(encoding="utf-8") as handle:
        return [(row[0], row[1]) for row in csv.reader(handle, delimiter="\t")]


def sms_project(store: Store, project_factory: Any, **config: Any) -> Project:
    project: Project = project_factory(
        items=[{"text": text} for _, text in sms_rows()],
        config={"text_column": "text", **config},
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        add_keyword_function(
            session, row, name="spam-words", label="spam", keywords=SPAM_WORDS
        )
        add_keyword_function(
            session, row, name="ham-words", label="ham", keywords=HAM_WORDS
        )
    return project


def item_ids(store: Store, project: Project) -> list[int]:
    with store.session() as session:
        return sorted(item.id for item in session.get_one(Project, project.id).items)


def test_a_round_stores_one_weak_label_per_voted_item_and_suggests_them_as_rules(
    store: Store, project_factory: Any
) -> None:
    project = sms_project(store, project_factory)
    report = run_round(store, project.id, queue_size=300)
    assert report.model_version is None  # no labels yet: no model
    with store.session() as session:
        voted = session.scalar(
            select(func.count(func.distinct(LfOutput.item_id))).where(
                LfOutput.project_id == project.id
            )
        )
        weak = dict(
            session.execute(
                select(WeakLabel.item_id, WeakLabel.value).where(
                    WeakLabel.project_id == project.id
                )
            ).all()
        )
        entries = session.execute(
            select(
                QueueEntry.item_id,
                QueueEntry.suggestion,
                QueueEntry.suggestion_source,
                QueueEntry.confidence,
            ).where(QueueEntry.project_id == project.id)
        ).all()
    assert voted and len(weak) == voted
    assert set(weak.values()) <= {"ham", "spam"}
    ruled = [e for e in entries if e.item_id in weak]
    assert ruled and all(
        e.suggestion == weak[e.item_id] and e.suggestion_source == "rules"
        for e in ruled
    )
    assert all(0.5 <= e.confidence <= 1.0 for e in ruled)
    assert all(e.suggestion is None for e in entries if e.item_id not in weak)

    # The page is told who suggested it.
    with store.session() as session:
        user = add_user(session, name="ann")[0]
    with store.engine.begin() as connection:
        leased = lease_entries(
            connection, project_id=project.id, user_id=user.id, n=300
        )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        shown = [task_public(row, task) for task in leased.tasks]
    suggested = [t.suggestion for t in shown if t.suggestion is not None]
    assert suggested and {s.source for s in suggested} == {"rules"}

    # Nothing changed: the next fit writes nothing.
    again = refresh_weak_labels(
        store, project.id, pool_size=len(item_ids(store, project))
    )
    assert again is not None and again.written == 0 and len(again) == len(weak)


def test_a_person_labeling_a_model_into_being_replaces_rules_suggestions_with_the_model(
    store: Store, project_factory: Any
) -> None:
    project = sms_project(store, project_factory)
    ids = item_ids(store, project)
    gold = dict(zip(ids, (label for label, _ in sms_rows()), strict=True))
    with store.session() as session:
        row = session.get_one(Project, project.id)
        for item_id in ids[:40]:
            add_annotation(session, project=row, item_id=item_id, value=gold[item_id])
    report = run_round(store, project.id, queue_size=100)
    assert report.model_version is not None
    with store.session() as session:
        sources = set(
            session.scalars(
                select(QueueEntry.suggestion_source).where(
                    QueueEntry.project_id == project.id
                )
            )
        )
    assert sources == {None}


def test_train_on_weak_trains_a_model_from_one_class_of_people_and_the_rules_other(
    store: Store, project_factory: Any
) -> None:
    without = sms_project(store, project_factory)
    with_weak = sms_project(store, project_factory, train_on_weak=True)
    for project in (without, with_weak):
        ids = item_ids(store, project)
        gold = dict(zip(ids, (label for label, _ in sms_rows()), strict=True))
        hams = [i for i in ids if gold[i] == "ham"][:8]
        with store.session() as session:
            row = session.get_one(Project, project.id)
            for item_id in hams:
                add_annotation(session, project=row, item_id=item_id, value="ham")
    # People labeled ham only: no model can learn from that alone ...
    assert run_round(store, without.id, queue_size=50).model_version is None
    # ... but the rules' spam labels make two classes.
    report = run_round(store, with_weak.id, queue_size=50)
    assert report.model_version is not None
    assert report.n_labels == 8
    with store.session() as session:
        from activelabel.store.models import ModelVersion

        version = session.scalars(
            select(ModelVersion).where(ModelVersion.project_id == with_weak.id)
        ).one()
    # The model counts people's labels only (retraining waits on those).
    assert version.n_labels == 8


def test_a_label_set_project_gets_each_label_its_functions_vote_as_a_set(
    store: Store, project_factory: Any
) -> None:
    texts = [
        "win a prize now",
        "call me later",
        "win a prize, call now",
        "see you tomorrow",
    ] * 10
    project = project_factory(
        task="multilabel",
        labels=("offer", "phone", "other"),
        items=[{"text": t} for t in texts],
        config={"text_column": "text"},
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        add_keyword_function(
            session, row, name="offer", label="offer", keywords=("prize",)
        )
        add_keyword_function(
            session, row, name="phone", label="phone", keywords=("call",)
        )
    weak = refresh_weak_labels(store, project.id, pool_size=len(texts))
    assert weak is not None
    ids = item_ids(store, project)
    by_text = {t: weak.labels.get(i) for i, t in zip(ids, texts, strict=True)}
    assert by_text["win a prize now"][0] == ["offer"]
    assert by_text["call me later"][0] == ["phone"]
    assert sorted(by_text["win a prize, call now"][0]) == ["offer", "phone"]
    assert by_text["see you tomorrow"] is None


def test_removing_the_last_function_forgets_the_weak_labels(
    store: Store, project_factory: Any
) -> None:
    from activelabel.store.labeling_functions import remove_labeling_function

    project = sms_project(store, project_factory)
    pool = len(item_ids(store, project))
    assert refresh_weak_labels(store, project.id, pool_size=pool)
    with store.session() as session:
        row = session.get_one(Project, project.id)
        remove_labeling_function(session, row, "spam-words")
        remove_labeling_function(session, row, "ham-words")
    assert refresh_weak_labels(store, project.id, pool_size=pool) is None
    with store.session() as session:
        left = session.scalar(
            select(func.count()).where(WeakLabel.project_id == project.id)
        )
    assert left == 0


def test_lf_stats_of_a_label_set_project_compare_label_sets_with_peoples(
    store: Store, project_factory: Any
) -> None:
    from activelabel.loop.weak_stats import weak_report

    texts = ["win a prize now", "call me later", "win a prize, call now"] * 5
    project = project_factory(
        task="multilabel",
        labels=("offer", "phone"),
        items=[{"text": t} for t in texts],
        config={"text_column": "text"},
    )
    ids = item_ids(store, project)
    with store.session() as session:
        row = session.get_one(Project, project.id)
        add_keyword_function(
            session, row, name="offer", label="offer", keywords=("prize",)
        )
        add_keyword_function(
            session, row, name="phone", label="phone", keywords=("call",)
        )
        # People agree on the first two texts and add "phone" to the first.
        add_annotation(session, project=row, item_id=ids[0], value=["offer", "phone"])
        add_annotation(session, project=row, item_id=ids[1], value=["phone"])
        add_annotation(session, project=row, item_id=ids[2], value=["phone", "offer"])
    assert refresh_weak_labels(store, project.id, pool_size=len(ids))
    with store.session() as session:
        report = weak_report(session, session.get_one(Project, project.id))
    assert report.label_model is not None and report.majority_vote is not None
    assert report.label_model.n == report.majority_vote.n == 3
    assert report.label_model.accuracy == report.majority_vote.accuracy == 2 / 3
    offer = next(f for f in report.functions if f.name == "offer")
    assert offer.stats is not None and offer.stats.accuracy == 1.0
    assert offer.stats.n_accuracy == 2
