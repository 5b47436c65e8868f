"""Label schema changes on both backends: add, rename (every stored value, one
transaction, history), retire; keys and models follow."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from activelabel.exceptions import ConfigError
from activelabel.keymap import assign_keys
from activelabel.loop.round import run_round
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.label_schema import (
    add_label,
    label_history,
    rename_label,
    retire_label,
    retired_labels,
    value_as_given,
)
from activelabel.store.labeling_functions import add_keyword_function
from activelabel.store.models import (
    Annotation,
    GoldAnswer,
    Job,
    LabelChange,
    LabelingFunction,
    LabelIssue,
    LfOutput,
    ModelVersion,
    Prediction,
    Project,
    QuerySession,
    QueueEntry,
    Review,
    WeakLabel,
)
from activelabel.store.projects import get_project
from activelabel.store.users import add_user
from activelabel.tasks import adapter_for

WORDS = {"ham": "lunch meeting tonight", "spam": "win free prize now"}


def _labeled_project(store: Store, project_factory: Any, n: int = 30) -> Project:
    project = project_factory(
        name="sms",
        items=[
            {"text": f"{WORDS['spam' if i % 3 == 0 else 'ham']} {i}"} for i in range(n)
        ],
        config={"text_column": "text"},
    )
    with store.session() as session:
        row = session.get_one(Project, project.id)
        ann = add_user(session, name="ann")[0].id
        items = sorted(item.id for item in row.items)
        for k, item in enumerate(items[: n - 5]):
            add_annotation(
                session,
                project=row,
                item_id=item,
                value="spam" if k % 3 == 0 else "ham",
                annotator_id=ann,
            )
    return project


def _every_value(session: Any, project_id: int) -> list[Any]:
    """Each stored value that can name a label, from every table."""
    values: list[Any] = []
    for column in (
        Annotation.value,
        QueueEntry.suggestion,
        Prediction.value,
        WeakLabel.value,
        GoldAnswer.value,
        Review.value,
        LabelIssue.given,
        LabelIssue.suggested,
        LfOutput.label,
        LabelingFunction.label,
    ):
        # In primary-key order: PostgreSQL returns rewritten rows elsewhere.
        table = column.class_.__table__
        values += session.scalars(
            select(column)
            .where(column.class_.project_id == project_id)
            .order_by(*table.primary_key.columns)
        ).all()
    return values


def _plant_every_kind_of_value(store: Store, project_id: int) -> None:
    """One row naming ``spam`` in each table a rename rewrites."""
    with store.session() as session:
        project = session.get_one(Project, project_id)
        items = sorted(item.id for item in project.items)
        query = QuerySession(project_id=project_id, strategy="random", pool_size=1)
        session.add(query)
        session.flush()
        session.add_all(
            [
                QueueEntry(
                    project_id=project_id,
                    item_id=items[-1],
                    session_id=query.id,
                    priority=1.0,
                    suggestion="spam",
                ),
                Prediction(
                    project_id=project_id,
                    item_id=items[-2],
                    model_name="m",
                    value="spam",
                ),
                WeakLabel(
                    project_id=project_id,
                    item_id=items[-3],
                    value="spam",
                    label_model="majority_vote",
                ),
                GoldAnswer(project_id=project_id, item_id=items[-4], value="spam"),
                Review(
                    project_id=project_id,
                    item_id=items[0],
                    decision="corrected",
                    value="spam",
                ),
                LabelIssue(
                    project_id=project_id,
                    item_id=items[1],
                    rank=1,
                    quality=0.1,
                    given="ham",
                    suggested="spam",
                ),
            ]
        )
        lf = add_keyword_function(
            session, project, name="prize", label="spam", keywords=["prize"]
        )
        session.flush()
        session.add(
            LfOutput(project_id=project_id, lf_id=lf.id, item_id=items[0], label="spam")
        )
        project.update_settings(keys={"spam": "x"})


def test_a_rename_rewrites_every_stored_value_and_keeps_history(
    store: Store, project_factory: Any
) -> None:
    project = _labeled_project(store, project_factory)
    _plant_every_kind_of_value(store, project.id)
    with store.session() as session:
        before = _every_value(session, project.id)
        given_at = session.scalars(select(Annotation.created_at)).first()
    assert before.count("spam") == 9 + 8  # 9 annotations, 8 other rows

    with store.session(write=True) as session:
        row = get_project(session, "sms")
        change = rename_label(session, row, "spam", "junk")
        assert (change.change, change.label, change.new_label) == (
            "renamed",
            "spam",
            "junk",
        )
        assert change.items_touched == 9

    with store.session() as session:
        after = _every_value(session, project.id)
        row = get_project(session, "sms")
        assert "spam" not in after
        assert after == ["junk" if v == "spam" else v for v in before]
        assert row.labels == ["ham", "junk"]
        # The chosen key follows the label.
        assert row.settings.keys == {"junk": "x"}
        assert assign_keys(row.labels, row.modality, row.settings.keys)["junk"] == "x"
        history = label_history(session, project.id)
        assert [(h.change, h.label, h.new_label) for h in history] == [
            ("renamed", "spam", "junk")
        ]
        # The value as given before the rename is still known.
        adapter = adapter_for(row.task)
        assert given_at is not None
        assert value_as_given(adapter, "junk", given_at, history) == "spam"
        assert value_as_given(adapter, "ham", given_at, history) == "ham"
        # The next round is asked for: it trains on the new name.
        assert session.scalar(select(Job.kind).where(Job.project_id == project.id))


def test_a_rename_that_fails_midway_leaves_every_value_as_it_was(
    store: Store, project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _labeled_project(store, project_factory)
    _plant_every_kind_of_value(store, project.id)
    with store.session() as session:
        before = _every_value(session, project.id)
    adapter = adapter_for("classification")
    relabel = adapter.relabel
    calls = []

    def failing(value: Any, rename: Any) -> Any:
        # The annotations are rewritten first; the queue's suggestion fails.
        calls.append(value)
        if len(calls) > 9:
            raise RuntimeError("disk full")
        return relabel(value, rename)

    monkeypatch.setattr(type(adapter), "relabel", lambda self, v, r: failing(v, r))
    with pytest.raises(RuntimeError), store.session(write=True) as session:
        rename_label(session, get_project(session, "sms"), "spam", "junk")
    assert len(calls) == 10

    with store.session() as session:
        assert _every_value(session, project.id) == before
        assert get_project(session, "sms").labels == ["ham", "spam"]
        assert session.scalars(select(LabelChange)).all() == []


@pytest.mark.parametrize(
    ("old", "new", "sentence"),
    [
        ("spam", "ham", "'ham' is already a label of 'sms'"),
        ("nope", "junk", "'nope' is not a label of 'sms'"),
        ("spam", " ", "must be a name"),
        ("spam", "a,b", "holds a comma"),
        ("spam", "x" * 201, "at most 200"),
    ],
)
def test_a_rename_is_refused_with_a_sentence_and_changes_nothing(
    store: Store, project_factory: Any, old: str, new: str, sentence: str
) -> None:
    _labeled_project(store, project_factory)
    with pytest.raises(ConfigError, match=sentence), store.session() as session:
        rename_label(session, get_project(session, "sms"), old, new)
    with store.session() as session:
        assert get_project(session, "sms").labels == ["ham", "spam"]
        assert session.scalars(select(LabelChange)).all() == []


def test_adding_a_label_takes_its_key_and_refuses_a_name_in_use(
    store: Store, project_factory: Any
) -> None:
    _labeled_project(store, project_factory)
    with store.session() as session:
        row = get_project(session, "sms")
        add_label(session, row, "promo", key="p")
        assert row.labels == ["ham", "spam", "promo"]
        assert assign_keys(row.labels, row.modality, row.settings.keys)["promo"] == "p"
        with pytest.raises(ConfigError, match="'ham' is already a label"):
            add_label(session, row, "ham")
    with store.session() as session:
        assert [h.change for h in label_history(session, row.id)] == ["added"]


def test_retiring_a_label_keeps_its_values_and_counts_its_items_for_review(
    store: Store, project_factory: Any
) -> None:
    project = _labeled_project(store, project_factory)
    with store.session() as session:
        row = get_project(session, "sms")
        change = retire_label(session, row, "spam")
        assert change.items_touched == 9
        assert row.labels == ["ham"]
    with store.session() as session:
        assert retired_labels(session, project.id) == ["spam"]
        values = session.scalars(select(Annotation.value)).all()
        assert values.count("spam") == 9
        row = get_project(session, "sms")
        with pytest.raises(ConfigError, match="the only label of 'sms'"):
            retire_label(session, row, "ham")
        # A rename onto a retired name would merge the two.
        with pytest.raises(ConfigError, match="retired label"):
            rename_label(session, row, "ham", "spam")
    with store.session() as session:
        add_label(session, get_project(session, "sms"), "spam")
    with store.session() as session:
        assert retired_labels(session, project.id) == []


def test_after_a_rename_the_next_round_suggests_the_new_name_and_compares_models(
    store: Store, project_factory: Any, tmp_path: Any
) -> None:
    project = _labeled_project(store, project_factory, n=60)
    run_round(store, project.id, cache_dir=tmp_path, queue_size=20)
    with store.session() as session:
        row = get_project(session, "sms")
        rename_label(session, row, "spam", "junk")
    with store.session() as session:
        suggestions = set(session.scalars(select(QueueEntry.suggestion)).all())
        old = session.scalars(select(ModelVersion)).one()
        assert suggestions <= {"ham", "junk"}
        assert old.metrics["classes"] == ["ham", "junk"]

    report = run_round(store, project.id, cache_dir=tmp_path, queue_size=20)

    with store.session() as session:
        suggestions = set(session.scalars(select(QueueEntry.suggestion)).all())
        newest = session.scalars(
            select(ModelVersion).order_by(ModelVersion.id.desc())
        ).first()
    assert report.model_version is not None
    assert suggestions <= {"ham", "junk"} and "junk" in suggestions
    assert newest is not None and newest.metrics["classes"] == ["ham", "junk"]
    # The old model's predictions were read in today's names: the same labels
    # on the same texts agree (a model predicting "spam" would make kappa low).
    kappa = newest.metrics["stopping"]["kappa"][-1]
    assert kappa is not None and np.isclose(kappa, 1.0, atol=0.2)
