"""Export formats through the registry, on SQLite and PostgreSQL.

An item format (a document, or a folder of files, as CoNLL is and COCO and
YOLO will be) registered here receives the project and the stream of exported items and
is written whole or not at all; a format the project's task does not write is
refused by the library, the command line and the API with a sentence naming
the task, the format and the formats it writes; span labels round-trip through
the formats their task writes.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app as cli
from activelabel.exceptions import ConfigError
from activelabel.io.export import export_annotations, export_labels
from activelabel.io.importer import import_path
from activelabel.io.writers import WRITERS, ExportedItem, ItemFormat
from activelabel.server.export_process import export_file
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project
from activelabel.store.users import add_user
from activelabel.tasks import adapter_for


def write_records(project: Project, items: Iterable[ExportedItem], target: Path) -> int:
    """A document format: the items as one JSON array the importer reads back."""
    records = [
        {"id": item.external_id, "text": item.data["text"], "label": item.value}
        for item in items
    ]
    target.write_text(json.dumps({"labels": project.labels, "records": records}))
    return len(records)


def write_by_label(
    project: Project, items: Iterable[ExportedItem], target: Path
) -> int:
    """A folder format: one text file per label listing its items' ids."""
    assert target.is_dir() and not any(target.iterdir())
    ids: dict[str, list[str]] = {label: [] for label in project.labels}
    for item in items:
        if item.labeled:
            ids[item.value].append(item.external_id)
    for label, names in ids.items():
        (target / f"{label}.txt").write_text("".join(f"{n}\n" for n in names))
    return sum(len(names) for names in ids.values())


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The two test formats, registered and written by classification projects."""
    monkeypatch.setitem(
        WRITERS,
        "records",
        ItemFormat("records", ".records", "application/json", write_records),
    )
    monkeypatch.setitem(
        WRITERS,
        "by-label",
        ItemFormat("by-label", "", "application/zip", write_by_label, folder=True),
    )
    adapter = adapter_for("classification")
    monkeypatch.setattr(adapter, "writes", (*adapter.writes, "records", "by-label"))
    yield


def label(store: Store, project: Project, values: dict[str, list[Any]]) -> None:
    """Give the items named by external id the values listed, one per annotator.

    The annotators are created here: call it once per project.
    """
    with store.session() as session:
        ids: dict[str, int] = {}
        query = select(Item.external_id, Item.id).where(Item.project_id == project.id)
        for external_id, item_id in session.execute(query):
            ids[external_id] = item_id
        names = [f"annotator-{i}" for i in range(max(map(len, values.values())))]
        users = [add_user(session, name=name)[0].id for name in names]
        for external_id, given in values.items():
            for user, value in zip(users, given, strict=False):
                add_annotation(
                    session,
                    project=project,
                    item_id=ids[external_id],
                    value=value,
                    annotator_id=user,
                )


@pytest.fixture
def voted(store: Store, project_factory: Any) -> Project:
    """Three items: a 2-1 vote for spam, one ham, one unlabeled."""
    project: Project = project_factory(
        "mail",
        items=[("a", {"text": "win now"}), ("b", {"text": "hi"}), ("c", {"text": "?"})],
    )
    label(store, project, {"a": ["spam", "ham", "spam"], "b": ["ham"]})
    return project


def test_an_item_format_receives_the_project_and_every_item(
    store: Store, voted: Project, registered: None, tmp_path: Path
) -> None:
    target = tmp_path / "out.records"
    report = export_labels(store, "mail", target)
    assert (report.fmt, report.rows, report.renamed_fields) == ("records", 3, {})
    document = json.loads(target.read_text())
    assert document["labels"] == ["ham", "spam"]
    assert document["records"] == [
        {"id": "a", "text": "win now", "label": "spam"},
        {"id": "b", "text": "hi", "label": "ham"},
        {"id": "c", "text": "?", "label": None},
    ]
    labeled = export_labels(
        store, "mail", target, include_unlabeled=False, chunk_size=1
    )
    assert labeled.rows == 2
    assert [r["id"] for r in json.loads(target.read_text())["records"]] == ["a", "b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.records"]


def test_an_item_format_round_trips_through_the_importer(
    store: Store, voted: Project, project_factory: Any, registered: None, tmp_path: Path
) -> None:
    first = tmp_path / "first.records"
    export_labels(store, "mail", first)
    records = tmp_path / "records.json"
    records.write_text(json.dumps(json.loads(first.read_text())["records"]))
    project_factory("copy")
    report = import_path(
        store, "copy", records, id_column="id", label_column="label", text_column="text"
    )
    assert (report.items_added, report.labels_added) == (3, 2)
    again = tmp_path / "again.records"
    export_labels(store, "copy", again)
    assert json.loads(again.read_text()) == json.loads(first.read_text())


def test_a_folder_format_is_written_whole_and_never_over_files(
    store: Store, voted: Project, registered: None, tmp_path: Path
) -> None:
    target = tmp_path / "by-label"
    report = export_labels(store, "mail", target, fmt="by-label")
    assert report.rows == 2
    assert (target / "spam.txt").read_text() == "a\n"
    assert (target / "ham.txt").read_text() == "b\n"
    with pytest.raises(ConfigError, match="the folder is not empty"):
        export_labels(store, "mail", target, fmt="by-label")
    (target / "spam.txt").unlink()
    (target / "ham.txt").unlink()
    export_labels(store, "mail", target, fmt="by-label")  # an empty folder is fine
    assert sorted(p.name for p in target.iterdir()) == ["ham.txt", "spam.txt"]
    file = tmp_path / "a-file"
    file.write_text("kept")
    with pytest.raises(ConfigError, match="it is a file, and this format writes a"):
        export_labels(store, "mail", file, fmt="by-label")
    assert file.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "by-label"]


@pytest.mark.parametrize(
    ("fmt", "name"), [("records", "out.records"), ("by-label", "out")]
)
def test_a_failing_item_format_leaves_nothing_behind(
    store: Store,
    voted: Project,
    registered: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    name: str,
) -> None:
    def half_then_fail(
        project: Project, items: Iterable[ExportedItem], target: Path
    ) -> int:
        for item in items:
            if target.is_dir():
                (target / f"{item.external_id}.txt").write_text("partial")
            else:
                target.write_text("partial")
            raise RuntimeError("disk gone")
        return 0

    chosen = WRITERS[fmt]
    assert isinstance(chosen, ItemFormat)
    monkeypatch.setitem(
        WRITERS, fmt, ItemFormat(fmt, chosen.suffix, "", half_then_fail, chosen.folder)
    )
    with pytest.raises(RuntimeError, match="disk gone"):
        export_labels(store, "mail", tmp_path / name, fmt=fmt)
    assert list(tmp_path.iterdir()) == []


def test_the_metadata_dataset_is_a_table_whatever_the_formats(
    store: Store, voted: Project, registered: None, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"'records' is not a table.*csv, jsonl"):
        export_annotations(store, "mail", tmp_path / "meta.records")
    assert list(tmp_path.iterdir()) == []


def test_a_format_the_task_does_not_write_is_refused_naming_both(
    store: Store,
    project_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project_factory("pets", task="detection", modality="image", labels=("cat", "dog"))
    with pytest.raises(
        ConfigError,
        match=r"A detection project's labels cannot be exported as conll: detection "
        r"labels are written as .*jsonl",
    ):
        export_labels(store, "pets", tmp_path / "pets.conll")
    # A registered format is refused too until the task's adapter lists it.
    project_factory("mail")
    records = ItemFormat("records", ".records", "application/json", write_records)
    monkeypatch.setitem(WRITERS, "records", records)
    with pytest.raises(ConfigError, match="classification labels are written as csv"):
        export_labels(store, "mail", tmp_path / "mail.records")
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_and_the_api_ask_the_task_too(
    store: Store,
    db_url: str,
    project_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project_factory("pets", task="detection", modality="image", labels=("cat", "dog"))
    result = CliRunner().invoke(
        cli, ["export", "pets", "-o", str(tmp_path / "n.conll"), "--db", db_url]
    )
    assert result.exit_code != 0
    said = " ".join((result.stdout + result.stderr).split())
    assert "cannot be exported as conll: detection labels are written as" in said

    def no_child(*_: Any, **__: Any) -> None:
        raise AssertionError("a child started for a refused format")

    monkeypatch.setattr(subprocess, "run", no_child)
    with pytest.raises(ConfigError, match="cannot be exported as conll"):
        export_file(
            store, db_url, "pets", tmp_path / "n.conll", fmt="conll", dataset="labels"
        )
    assert list(tmp_path.iterdir()) == []


def test_ner_spans_round_trip_through_jsonl(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    spans = [
        {"start": 0, "end": 4, "label": "PER"},
        {"start": 14, "end": 20, "label": "LOC"},
    ]
    first = project_factory(
        "news",
        task="ner",
        labels=("PER", "LOC"),
        items=[("s1", {"text": "John lives in London"}), ("s2", {"text": "None"})],
    )
    label(store, first, {"s1": [spans]})  # one annotation: the list of spans
    exported = tmp_path / "news.jsonl"
    export_labels(store, "news", exported)
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    assert [row["label"] for row in rows] == [spans, None]

    project_factory("copy", task="ner", labels=("PER", "LOC"))
    report = import_path(
        store,
        "copy",
        exported,
        id_column="external_id",
        label_column="label",
        text_column="text",
    )
    assert (report.items_added, report.labels_added) == (2, 1)
    again = tmp_path / "copy.jsonl"
    export_labels(store, "copy", again)

    def labels_of(path: Path) -> dict[str, tuple[Any, ...]]:
        # The import keeps the export's other columns as data fields; the
        # labels and texts are what must come back.
        return {
            row["external_id"]: (row["text"], row["label"], row["status"])
            for row in map(json.loads, path.read_text().splitlines())
        }

    assert labels_of(again) == labels_of(exported)


def test_detection_boxes_round_trip_through_jsonl(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    image = pytest.importorskip("PIL.Image")
    root = tmp_path / "images"
    root.mkdir()
    for name in ("a", "b"):
        image.new("RGB", (8, 6)).save(root / f"{name}.png")
    boxes = [
        {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"},
        {"x": 0.5, "y": 0.5, "w": 0.25, "h": 0.5, "label": "dog"},
    ]
    source = tmp_path / "boxes.jsonl"
    source.write_text(
        json.dumps({"id": "a", "file": "a.png", "boxes": boxes})
        + "\n"
        + json.dumps({"id": "b", "file": "b.png", "boxes": None})
        + "\n"
    )
    for name in ("pets", "copy"):
        project_factory(name, task="detection", modality="image", labels=("cat", "dog"))
    import_path(
        store, "pets", source, id_column="id", media_column="file",
        label_column="boxes", media_root=root,
    )  # fmt: skip
    exported = tmp_path / "pets.jsonl"
    export_labels(store, "pets", exported)
    report = import_path(
        store, "copy", exported, id_column="external_id", media_column="media_path",
        label_column="label", media_root=root,
    )  # fmt: skip
    assert (report.items_added, report.labels_added) == (2, 1)
    again = tmp_path / "copy.jsonl"
    export_labels(store, "copy", again)

    def boxes_of(path: Path) -> dict[str, tuple[Any, ...]]:
        return {
            row["external_id"]: (row["media_path"], row["label"], row["status"])
            for row in map(json.loads, path.read_text().splitlines())
        }

    assert boxes_of(again) == boxes_of(exported)
    assert boxes_of(exported) == {
        "a": (str(root / "a.png"), boxes, "labeled"),
        "b": (str(root / "b.png"), None, "unlabeled"),
    }
