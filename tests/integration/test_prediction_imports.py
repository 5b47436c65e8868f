"""Another model's predictions of stored items: imported, refused, suggested, ordering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from activelabel.exceptions import ActiveLabelError
from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.loop.round import run_round
from activelabel.server.presenters import task_public
from activelabel.store.engine import Store
from activelabel.store.leases import lease_entries
from activelabel.store.models import Annotation, Item, Project, QuerySession
from activelabel.store.predictions import count_predictions, newest_predictions
from activelabel.store.users import add_user

TEXTS = [
    f"message number {n} about {'prizes' if n % 3 else 'dinner'}" for n in range(30)
]


def text_project(
    store: Store,
    project_factory: Any,
    *,
    task: str = "classification",
    labels: tuple[str, ...] = ("ham", "spam"),
) -> Project:
    project: Project = project_factory(
        task=task,
        labels=labels,
        items=[(f"m{n}", {"text": text}) for n, text in enumerate(TEXTS)],
        config={"text_column": "text"},
    )
    return project


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def stored(store: Store, project: Project) -> dict[str, tuple[Any, ...]]:
    """Each item's newest prediction, by external id."""
    with store.session() as session:
        ids = dict(
            session.execute(
                select(Item.id, Item.external_id).where(Item.project_id == project.id)
            ).all()
        )
        return {
            ids[item_id]: tuple(p)
            for item_id, p in newest_predictions(session, project.id).items()
        }


def test_a_predictions_file_gives_stored_items_a_label_and_score_and_no_labels(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = text_project(store, project_factory)
    source = write_jsonl(
        tmp_path / "preds.jsonl",
        [
            {"id": "m0", "label": "spam", "score": 0.9},
            {"id": "m1", "label": "ham", "score": 0.55},
        ],
    )
    report = import_path(
        store, project.name, source, as_predictions=True, model_name="bert"
    )
    assert report.predictions_added == 2
    assert report.items_added == 0
    assert stored(store, project) == {
        "m0": ("bert", "spam", 0.9, None),
        "m1": ("bert", "ham", 0.55, None),
    }
    with store.session() as session:
        assert session.scalar(select(Annotation.id)) is None
        assert session.query(Item).count() == len(TEXTS)


def test_a_csv_of_label_sets_with_per_label_scores_is_read(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = text_project(
        store, project_factory, task="multilabel", labels=("spam", "promo", "news")
    )
    source = tmp_path / "preds.csv"
    source.write_text(
        "id,labels,scores\n"
        'm0,"spam, promo","{""spam"": 0.9, ""promo"": 0.7, ""news"": 0.1}"\n'
        'm1,,"{""spam"": 0.2, ""news"": 0.8}"\n',
        encoding="utf-8",
    )
    import_path(store, project.name, source, as_predictions=True, model_name="x")
    found = stored(store, project)
    assert found["m0"] == (
        "x",
        ["spam", "promo"],
        pytest.approx(0.7),
        {"spam": 0.9, "promo": 0.7, "news": 0.1},
    )
    # No labels given: the labels scored 0.5 or more; the score is the least
    # sure decision.
    assert found["m1"] == (
        "x",
        ["news"],
        pytest.approx(0.8),
        {"spam": 0.2, "news": 0.8},
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [{"id": "m0", "label": "spam", "score": 0.9}]
            + [{"id": f"nope-{n}", "label": "ham", "score": 0.5} for n in range(7)],
            "7 rows name items project .* does not hold \\('nope-0', 'nope-1', "
            "'nope-2', 'nope-3', 'nope-4' and 2 more\\); nothing was stored",
        ),
        (
            [
                {"id": "m0", "label": "spam", "score": 0.9},
                {"id": "m1", "label": "spma", "score": 0.9},
            ],
            "line 2: 'spma' is not a label of this project",
        ),
        (
            [
                {"id": "m0", "label": "spam", "score": 0.9},
                {"id": "m1", "label": "spam", "score": 1.5},
            ],
            "line 2: the 'score' 1.5 is outside \\[0, 1\\]",
        ),
        (
            [{"id": "m0", "label": "spam", "score": "high"}],
            "line 1: the 'score' 'high' is not a number",
        ),
        (
            [{"id": "m0", "label": "spam"}, {"id": "", "label": "ham"}],
            "line 2: the id column 'id' is empty",
        ),
        (
            [{"id": "m0", "label": "spam"}, {"id": "m0", "label": "ham"}],
            "line 2: the id 'm0' was given already \\(line 1\\)",
        ),
    ],
    ids=[
        "unknown-ids",
        "unknown-label",
        "score-above-one",
        "score-text",
        "no-id",
        "twice",
    ],
)
def test_a_bad_predictions_file_is_refused_by_row_and_stores_nothing(
    store: Store,
    project_factory: Any,
    tmp_path: Path,
    rows: list[dict[str, Any]],
    expected: str,
) -> None:
    project = text_project(store, project_factory)
    source = write_jsonl(tmp_path / "preds.jsonl", rows)
    with pytest.raises(ActiveLabelError, match=expected):
        import_path(store, project.name, source, as_predictions=True, model_name="m")
    with store.session() as session:
        assert count_predictions(session, project.id) == 0


def test_a_predictions_file_with_texts_still_creates_items(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = text_project(store, project_factory)
    source = write_jsonl(
        tmp_path / "more.jsonl", [{"id": "new-1", "text": "brand new", "label": "spam"}]
    )
    report = import_path(
        store,
        project.name,
        source,
        id_column="id",
        label_column="label",
        as_predictions=True,
    )
    assert report.items_added == 1
    assert stored(store, project)["new-1"][:2] == ("more.jsonl", "spam")


def test_a_round_without_a_model_suggests_and_orders_by_imported_predictions(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = text_project(store, project_factory)
    scores = {"m3": 0.99, "m4": 0.51, "m5": 0.8}
    source = write_jsonl(
        tmp_path / "preds.jsonl",
        [{"id": key, "label": "spam", "score": s} for key, s in scores.items()],
    )
    import_path(store, project.name, source, as_predictions=True, model_name="bert")
    report = run_round(store, project.id, queue_size=10)
    assert report.model_version is None
    assert report.strategy == "predictions:margin"
    with store.session() as session:
        user = add_user(session, name="ann")[0]
    with store.engine.begin() as connection:
        leased = lease_entries(connection, project_id=project.id, user_id=user.id, n=10)
    with store.session() as session:
        row = session.get_one(Project, project.id)
        tasks = [task_public(row, task) for task in leased.tasks]
        assert (
            session.scalar(
                select(QuerySession.strategy).where(
                    QuerySession.project_id == project.id
                )
            )
            == "predictions:margin"
        )
    # Most uncertain first: 0.51, then 0.8, then 0.99; cold-start picks after.
    assert [t.external_id for t in tasks[:3]] == ["m4", "m5", "m3"]
    first = tasks[0].suggestion
    assert first is not None
    assert (first.label, first.confidence, first.source, first.model_name) == (
        "spam",
        0.51,
        "prediction",
        "bert",
    )
    assert all(t.suggestion is None for t in tasks[3:])


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_an_export_with_predictions_imports_back_as_the_same_predictions(
    store: Store, project_factory: Any, tmp_path: Path, suffix: str
) -> None:
    project = text_project(
        store, project_factory, task="multilabel", labels=("spam", "promo", "news")
    )
    import_path(
        store,
        project.name,
        write_jsonl(
            tmp_path / "a.jsonl",
            [
                {"id": "m0", "labels": ["spam"], "score": 0.9},
                {"id": "m1", "scores": {"promo": 0.6, "news": 0.3}},
            ],
        ),
        as_predictions=True,
        model_name="a",
    )
    import_path(
        store,
        project.name,
        write_jsonl(tmp_path / "b.jsonl", [{"id": "m2", "labels": "news, promo"}]),
        as_predictions=True,
        model_name="b",
    )
    before = stored(store, project)
    exported = tmp_path / f"labels.{suffix}"
    export_labels(store, project.name, exported, include_predictions=True)
    plain = tmp_path / f"plain.{suffix}"
    export_labels(store, project.name, plain)
    assert "prediction" not in plain.read_text(encoding="utf-8")

    again = project_factory(
        task="multilabel",
        labels=("spam", "promo", "news"),
        items=[(f"m{n}", {"text": text}) for n, text in enumerate(TEXTS)],
        config={"text_column": "text"},
    )
    report = import_path(store, again.name, exported, as_predictions=True)
    assert report.predictions_added == 3
    assert any("27 rows predict nothing" in note for note in report.notes)
    assert stored(store, again) == before
    with store.session() as session:
        # Still no labels: a prediction never became one.
        assert session.scalar(select(Annotation.id)) is None


def test_a_label_set_round_suggests_the_predicted_set_least_sure_first(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = text_project(
        store, project_factory, task="multilabel", labels=("spam", "promo", "news")
    )
    source = write_jsonl(
        tmp_path / "tags.jsonl",
        [
            {"id": "m1", "labels": ["spam"], "scores": {"spam": 0.99, "promo": 0.02}},
            {"id": "m2", "labels": ["news", "promo"], "score": 0.6},
        ],
    )
    import_path(store, project.name, source, as_predictions=True, model_name="tagger")
    report = run_round(store, project.id, queue_size=5)
    assert report.strategy == "predictions:margin"
    with store.session() as session:
        user = add_user(session, name="ann")[0]
    with store.engine.begin() as connection:
        leased = lease_entries(connection, project_id=project.id, user_id=user.id, n=2)
    with store.session() as session:
        row = session.get_one(Project, project.id)
        tasks = [task_public(row, task) for task in leased.tasks]
    assert [t.external_id for t in tasks] == ["m2", "m1"]
    first = tasks[0].suggestion
    assert first is not None
    # In the schema's order, as the adapter stores a label set.
    assert (first.label, first.source, first.model_name) == (
        ["promo", "news"],
        "prediction",
        "tagger",
    )
