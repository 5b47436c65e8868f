"""Importing named-entity files into a span project, on SQLite and PostgreSQL.

Every fixture format (CoNLL-2003 columns, IOB2 and BIOES token files, JSONL
spans, a Label Studio export, plain lines, Arabic and Chinese spans) imports
its sentences and entities as labels, or with ``as_predictions`` as another
model's predictions (the loop's span round shows them as suggestions).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from activelabel import Project as ProjectFacade
from activelabel.cli import app
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, Prediction, Project
from activelabel.store.predictions import latest_predictions
from activelabel.tasks.spans import check_spans, item_tokens

NER = Path(__file__).parent.parent / "fixtures" / "ner"
LABELS = ("PER", "LOC", "ORG", "MISC")


def ner_project(project_factory: Any, name: str = "news", **config: Any) -> Project:
    project: Project = project_factory(
        name, task="ner", labels=LABELS, config=config or None
    )
    return project


def labeled(store: Store, project: Project) -> list[tuple[Item, Any]]:
    """Each item of the project (in import order) and its imported spans."""
    with store.session() as session:
        rows = session.execute(
            select(Item, Annotation.value)
            .join(Annotation, Annotation.item_id == Item.id, isouter=True)
            .where(Item.project_id == project.id)
            .order_by(Item.id)
        ).all()
        for item, _ in rows:
            session.expunge(item)
        return [(item, value) for item, value in rows]


def surfaces(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(text[s["start"] : s["end"]], s["label"]) for s in spans]


def count(store: Store, model: type[Any]) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("name", "items", "labels", "predictions"),
    [
        ("news.conll", 39, 39, 0),
        ("news_iob2.tsv", 39, 39, 0),
        ("news_bioes.tsv", 39, 39, 0),
        ("news_spans.jsonl", 39, 39, 0),
        ("news_labelstudio.json", 12, 10, 3),
        ("news_lines.txt", 10, 0, 0),
    ],
)
def test_each_fixture_format_imports_its_sentences_and_entities_on_token_boundaries(
    store: Store,
    project_factory: Any,
    name: str,
    items: int,
    labels: int,
    predictions: int,
) -> None:
    project = ner_project(project_factory)
    report = import_path(store, "news", NER / name)
    assert (report.items_added, report.labels_added) == (items, labels)
    assert report.predictions_added == predictions
    rows = labeled(store, project)
    assert len(rows) == items
    for item, spans in rows:
        if spans is None:
            continue
        text = item.data["text"]
        check_spans(text, item_tokens(item.data, text), spans, where=item.external_id)
    if labels:
        harbour = next(
            (item, spans)
            for item, spans in rows
            if item.data["text"].startswith("Harbour City reached")
        )
        assert surfaces(harbour[0].data["text"], harbour[1]) == [
            ("Harbour City", "ORG"),
            ("Wessex Cup", "MISC"),
            ("Northfield", "ORG"),
        ]


def test_conll_iob2_bioes_and_jsonl_spans_mark_the_same_entities(
    store: Store, project_factory: Any
) -> None:
    found = {}
    for number, name in enumerate(
        ["news.conll", "news_iob2.tsv", "news_bioes.tsv", "news_spans.jsonl"]
    ):
        project = ner_project(project_factory, f"p{number}")
        import_path(store, project.name, NER / name)
        found[name] = [
            surfaces(item.data["text"], spans)
            for item, spans in labeled(store, project)
        ]
    assert sum(len(s) for s in found["news.conll"]) == 70
    assert (
        found["news.conll"]
        == found["news_iob2.tsv"]
        == found["news_bioes.tsv"]
        == found["news_spans.jsonl"]
    )


def test_a_conll_sentence_keeps_its_tokens_columns_and_document_start(
    store: Store, project_factory: Any
) -> None:
    project = ner_project(project_factory)
    import_path(store, "news", NER / "news.conll")
    item, spans = labeled(store, project)[0]
    assert item.external_id == "news.conll:1"
    assert item.data["tokens"][:4] == ["SOCCER", "-", "HARBOUR", "CITY"]
    assert item.data["conll"]["docstart"] == "-DOCSTART- -X- O O"
    assert item.data["conll"]["columns"][2] == ["NNP", "I-NP"]
    assert surfaces(item.data["text"], spans) == [
        ("HARBOUR CITY", "ORG"),
        ("NORTHFIELD", "ORG"),
    ]


def test_importing_a_conll_file_again_finds_its_items_and_their_labels_unchanged(
    store: Store, project_factory: Any
) -> None:
    ner_project(project_factory)
    import_path(store, "news", NER / "news.conll")
    again = import_path(store, "news", NER / "news.conll")
    assert (again.items_added, again.items_existing) == (0, 39)
    assert (again.labels_added, again.labels_unchanged) == (0, 39)


def test_arabic_spans_land_on_the_arabic_words(
    store: Store, project_factory: Any
) -> None:
    project = ner_project(project_factory, language_column="lang")
    report = import_path(store, "news", NER / "arabic_spans.jsonl")
    assert report.labels_added == 5
    item, spans = labeled(store, project)[0]
    assert surfaces(item.data["text"], spans) == [
        ("محمد العلي", "PER"),
        ("القاهرة", "LOC"),
    ]


def test_chinese_spans_are_read_on_character_tokens_when_the_language_says_so(
    store: Store, project_factory: Any
) -> None:
    project = ner_project(project_factory, language_column="lang")
    import_path(store, "news", NER / "chinese_spans.jsonl")
    item, spans = labeled(store, project)[0]
    assert surfaces(item.data["text"], spans) == [
        ("李明", "PER"),
        ("北京", "LOC"),
        ("王芳", "PER"),
    ]


def test_as_predictions_stores_a_models_spans_and_no_label(
    store: Store, project_factory: Any
) -> None:
    project = ner_project(project_factory)
    report = import_path(
        store, "news", NER / "news.conll", as_predictions=True, model_name="crf"
    )
    assert (report.labels_added, report.predictions_added) == (0, 39)
    assert count(store, Annotation) == 0
    # The same model's file again replaces its predictions; another model adds.
    import_path(
        store, "news", NER / "news.conll", as_predictions=True, model_name="crf"
    )
    assert count(store, Prediction) == 39
    import_path(store, "news", NER / "news_iob2.tsv", as_predictions=True)
    assert count(store, Prediction) == 78
    with store.session() as session:
        names = set(session.scalars(select(Prediction.model_name)))
        items = list(session.scalars(select(Item.id).order_by(Item.id).limit(1)))
        (model, value, score) = latest_predictions(session, project.id, items)[items[0]]
    assert names == {"crf", "news_iob2.tsv"}
    assert (model, score) == ("crf", None)
    assert value == [
        {"start": 9, "end": 21, "label": "ORG"},
        {"start": 27, "end": 37, "label": "ORG"},
    ]


def test_label_studio_predictions_keep_their_model_version_unless_a_name_is_given(
    store: Store, project_factory: Any
) -> None:
    ner_project(project_factory)
    import_path(store, "news", NER / "news_labelstudio.json")
    with store.session() as session:
        found = session.execute(select(Prediction.model_name, Prediction.score)).all()
    assert sorted(found) == [
        ("ner-v1", pytest.approx(0.7)),
        ("ner-v1", pytest.approx(0.78)),
        ("ner-v1", pytest.approx(0.8)),
    ]
    import_path(store, "news", NER / "news_labelstudio.json", model_name="ls-model")
    with store.session() as session:
        names = set(session.scalars(select(Prediction.model_name)))
    assert names == {"ner-v1", "ls-model"}


def test_spacy_token_objects_are_kept_as_their_texts(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = ner_project(project_factory)
    path = tmp_path / "prodigy.jsonl"
    row = {
        "text": "Ada flew to Oslo.",
        "tokens": [
            {"text": word, "start": start, "end": start + len(word), "id": n}
            for n, (word, start) in enumerate(
                [("Ada", 0), ("flew", 4), ("to", 9), ("Oslo", 12), (".", 16)]
            )
        ],
        "spans": [{"start": 12, "end": 16, "label": "LOC"}],
    }
    path.write_text(json.dumps(row) + "\n")
    assert import_path(store, "news", path).labels_added == 1
    ((item, spans),) = labeled(store, project)
    assert item.data["tokens"] == ["Ada", "flew", "to", "Oslo", "."]
    assert surfaces(item.data["text"], spans) == [("Oslo", "LOC")]


def test_a_label_studio_tasks_external_id_is_the_items_id(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = ner_project(project_factory)
    tasks = json.loads((NER / "news_labelstudio.json").read_text())[:2]
    for number, task in enumerate(tasks):
        task["meta"] = {"external_id": f"news-{number}"}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    import_path(store, "news", path)
    assert [item.external_id for item, _ in labeled(store, project)] == [
        "news-0",
        "news-1",
    ]
    assert import_path(store, "news", path).items_existing == 2


def test_the_import_command_takes_a_scheme_and_imports_predictions(
    db_url: str, store: Store, project_factory: Any
) -> None:
    ner_project(project_factory)
    result = CliRunner().invoke(
        app,
        [
            "import",
            "news",
            str(NER / "news_iob2.tsv"),
            "--scheme",
            "iob2",
            "--as-predictions",
            "--model-name",
            "crf",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "39 new items" in out and "0 labels added, 39 predictions added" in out


def test_the_project_facade_imports_predictions(db_url: str) -> None:
    with ProjectFacade.create(db_url, "news", task="ner", labels=LABELS) as project:
        report = project.import_file(
            NER / "news_bioes.tsv", as_predictions=True, model_name="crf"
        )
    assert (report.items_added, report.predictions_added) == (39, 39)
