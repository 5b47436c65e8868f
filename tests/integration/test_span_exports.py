"""A span project's exports, imported back, on SQLite and PostgreSQL.

The CoNLL-2003 fixture imported and exported in its own scheme comes back
byte for byte, and in IOB2 and BIOES gives the fixtures written in those
schemes; spaCy JSON Lines and Label Studio JSON import into a fresh project
with the same spans; the labels dataset is written in the row formats with
the spans as JSON, and the metadata dataset as for any project.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from api_support import page_client
from sqlalchemy import and_, select
from typer.testing import CliRunner

from activelabel.cli import app as cli
from activelabel.io.export import export_annotations, export_labels
from activelabel.io.importer import import_path
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item
from activelabel.store.projects import get_project

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ner"
NEWS = FIXTURES / "news.conll"
LABELS = ("PER", "LOC", "ORG", "MISC")


def new_project(project_factory: Any, name: str, **kwargs: Any) -> None:
    project_factory(name, task="ner", labels=LABELS, **kwargs)


def imported_news(store: Store, project_factory: Any, name: str = "news") -> None:
    """A span project holding the CoNLL-2003 fixture, every sentence labeled."""
    new_project(project_factory, name)
    report = import_path(store, name, NEWS)
    assert report.items_added == report.labels_added == 39


def spans_by_text(store: Store, name: str, *, key: str = "text") -> dict[str, Any]:
    """Each item's text (or ``key="external_id"``) and its active label
    (``None`` when it has none)."""
    with store.session() as session:
        project = get_project(session, name)
        rows = session.execute(
            select(Item.data, Annotation.value, Item.external_id)
            .outerjoin(
                Annotation,
                and_(Annotation.item_id == Item.id, Annotation.status == "active"),
            )
            .where(Item.project_id == project.id)
        ).all()
    found: dict[str, Any] = {}
    for data, value, external_id in rows:
        text = external_id if key == "external_id" else data["text"]
        assert text not in found, f"two items hold {text!r}"
        found[text] = value
    return found


def tokens_and_tags(path: Path) -> list[list[tuple[str, str]]]:
    """The sentences of a CoNLL file as (token, last column) pairs; documents'
    ``-DOCSTART-`` lines left out."""
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split()
        if cells and cells[0] == "-DOCSTART-":
            continue
        if not cells:
            if current:
                sentences.append(current)
            current = []
            continue
        current.append((cells[0], cells[-1]))
    if current:
        sentences.append(current)
    return sentences


def test_the_conll_2003_fixture_imported_and_exported_as_iob1_is_the_same_file(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    imported_news(store, project_factory)
    exported = tmp_path / "news.iob"
    report = export_labels(store, "news", exported)
    assert (report.fmt, report.rows, report.unlabeled, report.notes) == (
        "conll-iob1",
        39,
        0,
        [],
    )
    assert exported.read_bytes() == NEWS.read_bytes()


@pytest.mark.parametrize(
    ("fmt", "fixture"), [("conll", "news_iob2.tsv"), ("conll-bioes", "news_bioes.tsv")]
)
def test_the_conll_fixture_exported_in_another_scheme_has_that_schemes_tags(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str, fixture: str
) -> None:
    imported_news(store, project_factory)
    exported = tmp_path / "news.out"
    export_labels(store, "news", exported, fmt=fmt)
    assert tokens_and_tags(exported) == tokens_and_tags(FIXTURES / fixture)
    # The other columns and the documents are kept whatever the scheme.
    assert exported.read_text().startswith("-DOCSTART- -X- O O\n\nSOCCER NN I-NP O\n")


@pytest.mark.parametrize(
    ("fmt", "fixture"), [("conll", "news_iob2.tsv"), ("conll-bioes", "news_bioes.tsv")]
)
def test_a_token_tab_tag_file_exported_in_its_scheme_is_the_same_file(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str, fixture: str
) -> None:
    new_project(project_factory, "tokens")
    import_path(store, "tokens", FIXTURES / fixture, fmt="conll")
    exported = tmp_path / "tokens.out"
    export_labels(store, "tokens", exported, fmt=fmt)
    assert exported.read_bytes() == (FIXTURES / fixture).read_bytes()


def test_conll_writes_an_unlabeled_sentence_with_o_and_says_so(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    new_project(project_factory, "news", items=[("later", {"text": "Anna Berg left"})])
    import_path(store, "news", NEWS)
    exported = tmp_path / "news.conll"
    report = export_labels(store, "news", exported)
    assert (report.rows, report.unlabeled) == (40, 1)
    assert report.notes == [
        "1 item has no label yet and is written in conll with every tag O, as if "
        "labeled; leave unlabeled items out with --labeled-only "
        "(include_unlabeled=False)."
    ]
    assert exported.read_text().startswith("Anna\tO\nBerg\tO\nleft\tO\n\n-DOCSTART-")
    labeled_only = export_labels(
        store, "news", exported, fmt="conll-iob1", include_unlabeled=False
    )
    assert (labeled_only.rows, labeled_only.unlabeled, labeled_only.notes) == (
        39,
        0,
        [],
    )
    assert exported.read_bytes() == NEWS.read_bytes()


def test_spacy_jsonl_imports_back_into_a_fresh_project_with_the_same_spans(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    new_project(project_factory, "news", items=[("later", {"text": "Anna Berg left"})])
    import_path(store, "news", NEWS)
    exported = tmp_path / "news.jsonl"
    report = export_labels(store, "news", exported, fmt="spacy")
    assert (report.fmt, report.rows, report.notes) == ("spacy", 40, [])
    first = json.loads(exported.read_text().splitlines()[0])
    assert first == {"text": "Anna Berg left", "meta": {"id": "later"}}
    new_project(project_factory, "copy")
    back = import_path(
        store, "copy", exported, fmt="jsonl", text_column="text", label_column="spans"
    )
    assert (back.items_added, back.labels_added) == (40, 39)
    assert spans_by_text(store, "copy") == spans_by_text(store, "news")
    # The tokens came along: the copy's CoNLL has the original's tokens and tags.
    original, copy = tmp_path / "news.conll", tmp_path / "copy.conll"
    export_labels(store, "news", original)
    export_labels(store, "copy", copy)
    assert tokens_and_tags(copy) == tokens_and_tags(original)


def test_label_studio_json_imports_back_into_a_fresh_project_with_the_same_spans(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    new_project(project_factory, "news", items=[("later", {"text": "Anna Berg left"})])
    import_path(store, "news", NEWS)
    exported = tmp_path / "news.json"
    report = export_labels(store, "news", exported, fmt="labelstudio")
    assert (report.fmt, report.rows) == ("labelstudio", 40)
    tasks = json.loads(exported.read_text())
    assert tasks[0] == {
        "data": {"text": "Anna Berg left"},
        "annotations": [],
        "meta": {"external_id": "later"},
    }
    new_project(project_factory, "copy")
    back = import_path(store, "copy", exported, fmt="labelstudio")
    assert (back.items_added, back.labels_added) == (40, 39)
    assert spans_by_text(store, "copy") == spans_by_text(store, "news")
    by_id = spans_by_text(store, "copy", key="external_id")
    assert by_id == spans_by_text(store, "news", key="external_id")
    assert by_id["later"] is None


def read_rows(path: Path) -> list[dict[str, Any]]:
    """An exported table's rows; CSV cells as text, empty cells ``None``."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return [
            {k: (v if v != "" else None) for k, v in row.items()}
            for row in frame.to_dict("records")
        ]
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines()]
    return pq.read_table(path).to_pylist()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_the_labels_dataset_holds_the_spans_as_json_and_the_metadata_as_usual(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    new_project(project_factory, "news", items=[("later", {"text": "Anna Berg left"})])
    import_path(store, "news", NEWS)
    labels = tmp_path / f"labels.{fmt}"
    # Texts are compared as stored: a CSV cell starting with "-" would
    # otherwise be written with a leading "'" for spreadsheets.
    report = export_labels(store, "news", labels, escape_formulas=False)
    assert report.rows == 40
    rows = {row["external_id"]: row for row in read_rows(labels)}
    stored = spans_by_text(store, "news")
    for row in rows.values():
        label = row["label"]
        # Lists are native JSON in JSON Lines, JSON text in CSV and Parquet.
        value = json.loads(label) if isinstance(label, str) else label
        assert value == stored[row["text"]]
        assert row["status"] == ("unlabeled" if value is None else "labeled")
    assert rows["later"]["label"] is None
    assert sum(1 for row in rows.values() if row["label"] not in (None, "[]")) > 20

    metadata = tmp_path / f"annotations.{fmt}"
    meta = export_annotations(store, "news", metadata)
    assert meta.rows == 39
    annotations = read_rows(metadata)
    assert {row["source"] for row in annotations} == {"import"}
    assert "later" not in {row["external_id"] for row in annotations}
    values = [
        json.loads(v) if isinstance(v, str) else v
        for v in (row["value"] for row in annotations)
    ]
    assert sorted(map(json.dumps, values)) == sorted(
        json.dumps(v) for v in stored.values() if v is not None
    )


def test_the_command_line_exports_conll_in_the_scheme_asked_for(
    store: Store, db_url: str, project_factory: Any, tmp_path: Path
) -> None:
    imported_news(store, project_factory)
    target = tmp_path / "news.txt"
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "news",
            "-o",
            str(target),
            "--format",
            "conll-bioes",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Wrote 39 items" in " ".join(result.stdout.split())
    assert "Note:" not in result.stdout
    assert tokens_and_tags(target) == tokens_and_tags(FIXTURES / "news_bioes.tsv")


def test_the_command_line_says_how_many_unlabeled_sentences_conll_wrote(
    store: Store, db_url: str, project_factory: Any, tmp_path: Path
) -> None:
    new_project(project_factory, "news", items=[("later", {"text": "Anna Berg left"})])
    import_path(store, "news", NEWS)
    target = tmp_path / "news.conll"
    runner = CliRunner()
    said = runner.invoke(cli, ["export", "news", "-o", str(target), "--db", db_url])
    assert said.exit_code == 0, said.stdout + said.stderr
    assert "Note: 1 item has no label yet and is written in conll with every tag O" in (
        " ".join(said.stdout.split())
    )
    quiet = runner.invoke(
        cli, ["export", "news", "-o", str(target), "--labeled-only", "--db", db_url]
    )
    assert quiet.exit_code == 0 and "Note:" not in quiet.stdout
    assert "Anna" not in target.read_text()


def test_the_page_downloads_the_span_formats(
    store: Store, project_factory: Any
) -> None:
    imported_news(store, project_factory)
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))
    with page_client(app) as client:
        conll = client.get("/api/v1/projects/news/export?format=conll-iob1")
        assert conll.status_code == 200, conll.text
        assert conll.content == NEWS.read_bytes()
        assert conll.headers["content-type"].startswith("text/plain")
        studio = client.get("/api/v1/projects/news/export?format=labelstudio")
        assert studio.status_code == 200, studio.text
        assert len(studio.json()) == 39
        spacy = client.get("/api/v1/projects/news/export?format=spacy")
        assert [json.loads(line)["meta"]["id"] for line in spacy.text.splitlines()][
            :2
        ] == [task["meta"]["external_id"] for task in studio.json()][:2]


@pytest.mark.parametrize(
    ("fmt", "reader"), [("spacy", "jsonl"), ("labelstudio", "labelstudio")]
)
def test_an_items_language_travels_with_it_so_chinese_imports_back_by_character(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str, reader: str
) -> None:
    for name in ("zh", "copy"):
        new_project(project_factory, name, config={"language_column": "lang"})
    first = import_path(
        store, "zh", FIXTURES / "chinese_spans.jsonl", label_column="spans"
    )
    assert first.labels_added == 4
    exported = tmp_path / "zh.out"
    export_labels(store, "zh", exported, fmt=fmt)
    labels = {"label_column": "spans", "text_column": "text"} if fmt == "spacy" else {}
    back = import_path(store, "copy", exported, fmt=reader, **labels)
    assert back.labels_added == 4
    assert spans_by_text(store, "copy") == spans_by_text(store, "zh")


def test_the_jsonl_labels_dataset_keeps_what_conll_needs_to_write_the_file_again(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    imported_news(store, project_factory)
    labels = tmp_path / "news.jsonl"
    export_labels(store, "news", labels)
    new_project(project_factory, "copy")
    back = import_path(
        store,
        "copy",
        labels,
        id_column="external_id",
        label_column="label",
        text_column="text",
    )
    assert (back.items_added, back.labels_added) == (39, 39)
    again = tmp_path / "copy.iob"
    export_labels(store, "copy", again)
    assert again.read_bytes() == NEWS.read_bytes()
