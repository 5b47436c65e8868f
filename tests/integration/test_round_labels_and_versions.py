"""What a round reads: the training label policy, and the model-version queries."""

from __future__ import annotations

from typing import Any

import numpy as np

from activelabel.loop.model_files import newest_stopping, save_model_version
from activelabel.loop.training_labels import training_label, training_labels
from activelabel.ml import train_model
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.jobs import has_open_job, request_job
from activelabel.store.model_versions import (
    has_model_version,
    model_history,
    newest_n_labels,
)
from activelabel.store.models import Project
from activelabel.store.users import add_user


def test_the_training_label_is_the_majority_and_the_earliest_wins_a_tie() -> None:
    assert training_label(["ham", "spam", "spam"]) == "spam"
    assert training_label(["spam", "ham"]) == "spam"
    assert training_label([["a", "b"], ["a", "b"], ["a"]]) == ["a", "b"]
    assert training_label([]) is None


def test_training_labels_leave_out_model_suggestions_and_unlabeled_items(
    store: Store, project_factory: Any
) -> None:
    project = project_factory(items=[{"text": f"t{i}"} for i in range(4)])
    with store.session() as session:
        row = session.get_one(Project, project.id)
        first, second, third, _ = sorted(item.id for item in row.items)
        ann = [add_user(session, name=f"a{i}")[0].id for i in range(3)]
        for annotator, value in zip(ann, ("spam", "ham", "spam"), strict=True):
            add_annotation(
                session, project=row, item_id=first, value=value, annotator_id=annotator
            )
        add_annotation(session, project=row, item_id=second, value="ham", source="rule")
        add_annotation(
            session, project=row, item_id=third, value="spam", source="model"
        )
    with store.session() as session:
        assert training_labels(session, project.id) == {first: "spam", second: "ham"}


def test_model_version_queries_answer_from_the_stored_versions(
    store: Store, project_factory: Any
) -> None:
    project = project_factory()
    X = np.random.default_rng(0).normal(size=(10, 2))
    y = np.array(["ham", "spam"] * 5)
    with store.session() as session:
        assert not has_model_version(session, project_id=project.id)
        assert newest_n_labels(session, project_id=project.id) is None
        assert newest_stopping(model_history(session, project_id=project.id))[
            "message"
        ].startswith("No model yet")
        for _ in range(2):
            trained = train_model(X, y)
            trained.metrics["stopping"] = {"should_stop": False, "message": "m"}
            save_model_version(
                session, project_id=project.id, trained=trained, featurizer_id="f"
            )
    with store.session() as session:
        assert has_model_version(session, project_id=project.id)
        assert newest_n_labels(session, project_id=project.id) == 10
        history = model_history(session, project_id=project.id)
        assert [point.n_labels for point in history] == [10, 10]
        assert newest_stopping(history) == {"should_stop": False, "message": "m"}


def test_a_project_with_a_queued_job_has_an_open_job(
    store: Store, project_factory: Any
) -> None:
    project = project_factory()
    with store.session() as session:
        assert not has_open_job(session, project_id=project.id)
        request_job(session, project_id=project.id)
    with store.session() as session:
        assert has_open_job(session, project_id=project.id)
