"""The Made With ML taxonomy on SQLite and PostgreSQL: loading it, imports that
fold aliases and add parents, unknown labels, labeling a child, exporting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from api_support import ProjectFactory
from sqlalchemy import select

from activelabel import Project as ProjectFacade
from activelabel.exceptions import InvalidLabelError
from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.labeling_functions import list_labeling_functions
from activelabel.store.models import Annotation, Item
from activelabel.store.projects import get_project
from activelabel.store.stats import project_stats
from activelabel.store.taxonomy import store_taxonomy
from activelabel.weak.taxonomy import read_taxonomy

FIXTURES = Path(__file__).parents[1] / "fixtures" / "madewithml"
TAGS = FIXTURES / "tags.json"
PROJECTS = FIXTURES / "projects.json"
TAXONOMY = read_taxonomy(TAGS)
#: A tag with a parent named by an alias (qa) and a grandparent.
CHILD = "knowledge-base-question-answering"


def _load(store: Store, name: str, *, add_missing: bool = False) -> Any:
    with store.session(write=True) as session:
        project = get_project(session, name)
        return store_taxonomy(
            session,
            project,
            tags=TAXONOMY.tags,
            aliases=TAXONOMY.aliases,
            parents=TAXONOMY.parents,
            missing=TAXONOMY.missing_from(project.labels),
            add_missing=add_missing,
        )


def _import(store: Store, name: str, **options: Any) -> Any:
    return import_path(
        store,
        name,
        PROJECTS,
        text_column="description",
        id_column="id",
        label_column="tags",
        **options,
    )


def _labels(store: Store, name: str) -> dict[str, Any]:
    """The active non-taxonomy label of each item, by external id."""
    with store.session() as session:
        project = get_project(session, name)
        rows = session.execute(
            select(Item.external_id, Annotation.value)
            .join(Annotation, Annotation.item_id == Item.id)
            .where(
                Annotation.project_id == project.id,
                Annotation.status == "active",
                Annotation.source != "taxonomy",
            )
        )
        return {row.external_id: row.value for row in rows}


def _raw_tags() -> dict[str, list[str]]:
    return {str(p["id"]): p["tags"] for p in json.loads(PROJECTS.read_text())}


@pytest.fixture
def mwm(project_factory: ProjectFactory) -> str:
    """A multilabel project whose labels are the 400 Made With ML tags."""
    project_factory("mwm", task="multilabel", labels=TAXONOMY.tags)
    return "mwm"


def test_taxonomy_load_stores_aliases_and_parents_and_reports_missing_labels(
    store: Store, mwm: str
) -> None:
    stored = _load(store, mwm)
    assert (stored.tags, stored.aliases, stored.parent_links) == (400, 82, 215)
    assert stored.missing == ["testing", "health", "audio", "decision-tree"]
    assert stored.added == []
    with store.session() as session:
        settings = get_project(session, mwm).settings
    assert settings.aliases["three-dimensional"] == "3d"
    assert settings.parents["3d"] == ["computer-vision"]


def test_taxonomy_load_with_add_missing_adds_the_missing_parents_as_labels(
    store: Store, mwm: str
) -> None:
    stored = _load(store, mwm, add_missing=True)
    assert stored.added == ["testing", "health", "audio", "decision-tree"]
    with store.session() as session:
        labels = get_project(session, mwm).labels
    assert labels[-4:] == ["testing", "health", "audio", "decision-tree"]
    assert len(labels) == 404


def test_an_import_folds_aliases_adds_parents_and_makes_the_alias_functions(
    store: Store, mwm: str
) -> None:
    # Loaded before any text: the first import makes the alias functions.
    _load(store, mwm, add_missing=True)
    report = _import(store, mwm, unknown_labels="drop")
    counts = report.label_cells
    assert counts.rows_folded == 40
    assert counts.rows_dropped == 186  # every project carries tags like "code"
    assert counts.rows_emptied == 4
    assert counts.rows_with_parents > 0
    assert report.labels_added == 182
    labels = _labels(store, mwm)
    raw = _raw_tags()
    folded = next(i for i, tags in raw.items() if "finetuning" in tags)
    assert "fine-tuning" in labels[folded]
    # Every label stored holds its parents (the closure), and no alias.
    for value in labels.values():
        for label in value:
            assert set(TAXONOMY.ancestors(label)) <= set(value)
            assert label not in TAXONOMY.aliases
    with store.session() as session:
        functions = list_labeling_functions(session, get_project(session, mwm).id)
    alias_functions = {f.name: f for f in functions if f.kind == "alias"}
    assert len(alias_functions) == 68
    assert alias_functions["alias:3d"].label == "3d"
    assert set(alias_functions["alias:3d"].spec["keywords"]) == {
        "three-dimensional",
        "3-dimensional",
    }


def test_loading_the_taxonomy_again_replaces_the_alias_functions(
    store: Store, mwm: str
) -> None:
    _import(store, mwm, unknown_labels="drop")
    first = _load(store, mwm)
    again = _load(store, mwm)
    assert first.alias_functions == again.alias_functions == 68
    with store.session() as session:
        functions = list_labeling_functions(session, get_project(session, mwm).id)
    assert len([f for f in functions if f.kind == "alias"]) == 68


def test_unknown_labels_refuse_names_the_label_its_row_and_the_closest_labels(
    store: Store, mwm: str
) -> None:
    _load(store, mwm)
    with pytest.raises(InvalidLabelError) as refused:
        _import(store, mwm)
    message = refused.value.message
    assert "projects.json, row 1: 'code' is not a label of this project" in message
    assert "the closest of its 400 labels are: " in message
    assert "--unknown-labels drop" in message
    # Not the whole schema: a tag far from "code" is never listed.
    assert "zero-shot-learning" not in message
    assert len(message) < 400
    with store.session() as session:
        assert session.scalar(select(Item.id).limit(1)) is None


def test_unknown_labels_add_adds_them_to_the_project_and_counts_the_rows(
    store: Store, mwm: str
) -> None:
    report = _import(store, mwm, unknown_labels="add")
    counts = report.label_cells
    assert counts.rows_adding == 186
    assert "code" in counts.labels_added
    assert "Labels added to the project" not in " ".join(report.notes)
    assert any("labels added to the project from 186 rows" in n for n in report.notes)
    with store.session() as session:
        labels = get_project(session, mwm).labels
    assert labels[:400] == list(TAXONOMY.tags)
    assert set(counts.labels_added) == set(labels[400:])
    stored = _labels(store, mwm)
    assert "code" in stored["1"]


def test_without_a_taxonomy_drop_keeps_the_known_tags_as_they_are(
    store: Store, mwm: str
) -> None:
    report = _import(store, mwm, unknown_labels="drop")
    assert report.label_cells.rows_folded == 0
    assert report.label_cells.rows_with_parents == 0
    raw = _raw_tags()
    for external_id, value in _labels(store, mwm).items():
        assert set(value) == {t for t in raw[external_id] if t in TAXONOMY.tags}


def test_labeling_a_child_stores_its_parents_beside_it_and_exports_them(
    store: Store, db_url: str, mwm: str, tmp_path: Path
) -> None:
    _load(store, mwm)
    _import(store, mwm, unknown_labels="drop")
    imported = _labels(store, mwm)
    unlabeled = next(i for i in _raw_tags() if i not in imported)
    with ProjectFacade.open(db_url, mwm) as project:
        stored = project.label(unlabeled, [CHILD], annotator="alice")
    assert stored.value == [CHILD]
    with store.session() as session:
        rows = session.execute(
            select(Annotation.value, Annotation.source, Annotation.annotator_id)
            .join(Item, Item.id == Annotation.item_id)
            .where(Item.external_id == unlabeled, Annotation.status == "active")
            .order_by(Annotation.id)
        ).all()
    expected = TAXONOMY.ancestors(CHILD)
    assert expected == ["question-answering", "natural-language-processing"]
    assert [(r.source, r.annotator_id) for r in rows] == [
        ("human", stored.annotator_id),
        ("taxonomy", stored.annotator_id),
    ]
    assert set(rows[1].value) == set(expected)
    path = tmp_path / "labels.jsonl"
    export_labels(store, mwm, path)
    exported = {
        row["external_id"]: row
        for row in map(json.loads, path.read_text().splitlines())
    }
    assert set(exported[unlabeled]["label"]) == {CHILD, *expected}
    assert exported[unlabeled]["n_annotators"] == 1
    assert exported[unlabeled]["label_source"] == "human"
    # Imported labels carry their parents too.
    for external_id, value in imported.items():
        assert exported[external_id]["label"] == value
    with store.session() as session:
        stats = project_stats(session, get_project(session, mwm))
    assert stats.by_source["taxonomy"] == 1
    assert stats.annotations == stats.by_source["import"] + 1
    assert stats.label_counts["natural-language-processing"] >= 1


def test_a_childs_parents_follow_the_label_when_relabeled_and_undone(
    store: Store, db_url: str, project_factory: ProjectFactory, tmp_path: Path
) -> None:
    project_factory(
        "topics",
        task="multilabel",
        labels=["bert", "transformers", "nlp", "cv"],
        items=[("a", {"text": "BERT for vision"})],
        config={"parents": {"bert": ["transformers"], "transformers": ["nlp"]}},
    )
    with ProjectFacade.open(db_url, "topics") as project:
        first = project.label("a", ["bert"], annotator="alice")
        path = tmp_path / "labels.jsonl"
        project.export(path)
        assert json.loads(path.read_text())["label"] == ["bert", "transformers", "nlp"]
        assert json.loads(path.read_text())["n_annotators"] == 1
        project.label("a", ["cv"], annotator="alice")
        project.export(path)
        assert json.loads(path.read_text())["label"] == ["cv"]
    with store.session() as session:
        taxonomy_rows = session.execute(
            select(Annotation.value, Annotation.status).where(
                Annotation.source == "taxonomy"
            )
        ).all()
    assert [(r.value, r.status) for r in taxonomy_rows] == [
        (["transformers", "nlp"], "superseded")
    ]
    assert first.value == ["bert"]


def test_undoing_a_label_undoes_the_parents_added_with_it(
    store: Store, project_factory: ProjectFactory
) -> None:
    from activelabel.store.annotations import add_annotation, undo_label
    from activelabel.store.users import add_user

    project = project_factory(
        "topics",
        task="multilabel",
        labels=["bert", "transformers"],
        items=[("a", {"text": "BERT"})],
        config={"parents": {"bert": ["transformers"]}},
    )
    with store.session(write=True) as session:
        user, _ = add_user(session, name="alice")
        item_id = session.scalar(select(Item.id))
        assert item_id is not None
        row = get_project(session, "topics")
        label = add_annotation(
            session, project=row, item_id=item_id, value=["bert"], annotator_id=user.id
        )
        undo_label(session, project=row, annotation_id=label.id, user_id=user.id)
    with store.session() as session:
        statuses = session.execute(
            select(Annotation.source, Annotation.status).order_by(Annotation.id)
        ).all()
    assert [tuple(s) for s in statuses] == [("human", "undone"), ("taxonomy", "undone")]
    assert project.id == row.id


def test_a_single_label_project_never_adds_parents(
    store: Store, db_url: str, project_factory: ProjectFactory
) -> None:
    project_factory(
        "one",
        labels=["bert", "transformers"],
        items=[("a", {"text": "BERT"})],
        config={"parents": {"bert": ["transformers"]}},
    )
    with ProjectFacade.open(db_url, "one") as project:
        project.label("a", "bert", annotator="alice")
    with store.session() as session:
        sources = session.scalars(select(Annotation.source)).all()
    assert sources == ["human"]


def test_the_page_labels_a_child_and_the_server_adds_its_parents(
    store: Store, project_factory: ProjectFactory
) -> None:
    from api_support import page_client

    from activelabel.server.app import create_app
    from activelabel.server.deps import ServerSettings

    project_factory(
        "topics",
        task="multilabel",
        labels=["bert", "transformers", "nlp"],
        items=[("a", {"text": "BERT"})],
        config={
            "parents": {"bert": ["transformers"], "transformers": ["nlp"]},
            "aliases": {"bidirectional-transformers": "bert"},
        },
    )
    server = create_app(store, ServerSettings(background_trainer=False))
    with page_client(server) as client:
        shown = client.get("/api/v1/projects/topics").json()
        assert shown["parents"] == {"bert": ["transformers"], "transformers": ["nlp"]}
        assert shown["aliases"] == {"bidirectional-transformers": "bert"}
        with store.session() as session:
            item_id = session.scalar(select(Item.id))
        answer = client.post(
            "/api/v1/projects/topics/annotations",
            json={"item_id": item_id, "value": ["bert"]},
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["value"] == ["bert"]
    with store.session() as session:
        rows = session.execute(
            select(Annotation.value, Annotation.source).where(
                Annotation.status == "active"
            )
        ).all()
    assert sorted((r.source, r.value) for r in rows) == [
        ("human", ["bert"]),
        ("taxonomy", ["transformers", "nlp"]),
    ]
