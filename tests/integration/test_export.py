"""Exports of the labels and metadata datasets, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from activelabel.exceptions import ConfigError, ProjectNotFoundError
from activelabel.io.export import export_annotations, export_labels
from activelabel.store.annotations import add_annotation, undo_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, ModelVersion, Project, QuerySession
from activelabel.store.users import add_user

FORMATS = ["csv", "jsonl", "parquet"]
OURS = [
    "label",
    "n_annotators",
    "agreement",
    "label_source",
    "status",
    "decided_by",
    "conflict",
    "review_status",
    "reviewer",
]


def read_back(path: Path) -> list[dict[str, Any]]:
    """Rows of an exported file as dicts: CSV cells stay text, empty cells None."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return [
            {k: (v if v != "" else None) for k, v in row.items()}
            for row in frame.to_dict("records")
        ]
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines()]
    return pq.read_table(path).to_pylist()


def columns_of(path: Path) -> list[str]:
    if path.suffix == ".csv":
        return list(pd.read_csv(path, nrows=0).columns)
    if path.suffix == ".jsonl":
        return list(json.loads(path.read_text().splitlines()[0]))
    return list(pq.read_schema(path).names)


def item_ids(store: Store, project: Project) -> list[int]:
    with store.session() as session:
        return list(
            session.scalars(
                Item.__table__.select()  # type: ignore[attr-defined]
                .with_only_columns(Item.id)
                .where(Item.project_id == project.id)
                .order_by(Item.id)
            )
        )


@pytest.fixture
def labeled(store: Store, project_factory: Any) -> Project:
    """Four items: a 2-1 vote, an imported label, an undone label, nothing."""
    project: Project = project_factory(
        "news",
        config={"columns": ["text", "n"]},  # JSONB does not keep key order
        items=[
            ("a", {"text": "first", "n": 1}),
            ("b", {"text": "second", "n": 2}),
            ("c", {"text": "third", "n": 3}),
            ("d", {"text": "fourth", "n": 4}),
        ],
    )
    ids = item_ids(store, project)
    with store.session() as session:
        users = [add_user(session, name=n)[0].id for n in ("ana", "ben", "chi")]
        for user, value in zip(users, ("spam", "ham", "spam"), strict=True):
            add_annotation(
                session, project=project, item_id=ids[0], value=value,
                annotator_id=user, seconds_spent=2.5,
            )  # fmt: skip
        add_annotation(
            session, project=project, item_id=ids[1], value="ham", source="import"
        )
        undone = add_annotation(
            session,
            project=project,
            item_id=ids[2],
            value="spam",
            annotator_id=users[0],
        )
        undo_annotation(session, project=project, annotation_id=undone.id)
    return project


@pytest.mark.parametrize("fmt", FORMATS)
def test_labels_rows_columns_and_consensus(
    store: Store, labeled: Project, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"labels.{fmt}"
    report = export_labels(store, "news", target)
    assert (report.path, report.fmt, report.rows) == (target, fmt, 4)
    assert columns_of(target) == ["external_id", "text", "n", *OURS]
    rows = {r["external_id"]: r for r in read_back(target)}
    as_text = fmt == "csv"  # CSV cells are read back as text

    def num(value: Any) -> Any:
        return str(value) if as_text else value

    vote = rows["a"]
    assert vote["label"] == "spam"
    assert vote["n_annotators"] == num(3)
    assert float(vote["agreement"]) == pytest.approx(2 / 3)
    assert vote["label_source"] == "human"
    assert vote["status"] == "labeled"
    assert vote["text"] == "first" and vote["n"] == num(1)
    assert rows["b"]["label"] == "ham" and rows["b"]["label_source"] == "import"
    for unlabeled in ("c", "d"):  # the undone annotation does not count
        row = rows[unlabeled]
        assert row["status"] == "unlabeled"
        assert row["label"] is None and row["agreement"] is None
        assert row["n_annotators"] == num(0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_annotators_disagreeing_split_agreement(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    project = project_factory(items=[{"text": "x"}])
    (item,) = item_ids(store, project)
    with store.session() as session:
        for name, value in (("ana", "ham"), ("ben", "spam")):
            user = add_user(session, name=name)[0]
            add_annotation(
                session,
                project=project,
                item_id=item,
                value=value,
                annotator_id=user.id,
            )
    target = tmp_path / f"out.{fmt}"
    export_labels(store, project.name, target)
    (row,) = read_back(target)
    assert row["label"] == "ham"  # a tie goes to the earliest annotation
    assert float(row["agreement"]) == 0.5
    assert int(row["n_annotators"]) == 2
    # ... and says so: nobody decided it, the annotators disagree.
    assert row["decided_by"] == "tie"
    assert row["conflict"] in (True, "true")
    assert row["review_status"] == "labeled" and row["reviewer"] is None


def test_include_unlabeled_false_drops_unlabeled(
    store: Store, labeled: Project, tmp_path: Path
) -> None:
    report = export_labels(store, "news", tmp_path / "l.csv", include_unlabeled=False)
    assert report.rows == 2
    assert [r["external_id"] for r in read_back(tmp_path / "l.csv")] == ["a", "b"]


def test_fields_come_in_first_seen_order(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = project_factory(items=[{"zeta": 1}, {"alpha": 2, "zeta": 3}, {"mid": 4}])
    export_labels(store, project.name, tmp_path / "o.csv")
    assert columns_of(tmp_path / "o.csv")[:4] == ["external_id", "zeta", "alpha", "mid"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_data_field_named_like_our_column_is_renamed_and_ours_keep_their_names(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    project = project_factory(
        items=[{"text": "t", "label": "original", "status": "draft"}]
    )
    (item,) = item_ids(store, project)
    with store.session() as session:
        add_annotation(session, project=project, item_id=item, value="spam")
    target = tmp_path / f"c.{fmt}"
    report = export_labels(store, project.name, target)
    assert columns_of(target) == [
        "external_id", "text", "data_label", "data_status", "label",
        "n_annotators", "agreement", "label_source", "status",
        "decided_by", "conflict", "review_status", "reviewer",
    ]  # fmt: skip
    (row,) = read_back(target)
    assert row["label"] == "spam" and row["data_label"] == "original"
    assert row["status"] == "labeled" and row["data_status"] == "draft"
    assert report.renamed_fields == {"label": "data_label", "status": "data_status"}
    assert report.notes == [
        "The data field 'label' is written as column 'data_label'; 'label' is "
        "activelabel's own column.",
        "The data field 'status' is written as column 'data_status'; 'status' is "
        "activelabel's own column.",
    ]


def test_the_export_columns_are_the_same_whatever_the_data_holds(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    plain = project_factory(items=[{"text": "t"}])
    clashing = project_factory(items=[{"text": "t", "label": "x", "external_id": 7}])
    export_labels(store, plain.name, tmp_path / "plain.csv")
    export_labels(store, clashing.name, tmp_path / "clashing.csv")
    ours = ["external_id", *OURS]
    plain_columns = columns_of(tmp_path / "plain.csv")
    clashing_columns = columns_of(tmp_path / "clashing.csv")
    assert [c for c in plain_columns if c in ours] == ours
    assert [c for c in clashing_columns if c in ours] == ours
    assert "data_label" in clashing_columns and "data_external_id" in clashing_columns


def test_labels_with_a_label_field_import_back_by_external_id_and_label(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    importer = pytest.importorskip("activelabel.io.importer")
    source = tmp_path / "source.csv"
    source.write_text("id,text,label\n1,free money,vendor-said-spam\n2,hi mum,\n")
    first = project_factory(task="classification", labels=("ham", "spam"))
    importer.import_path(store, first.name, source, id_column="id", text_column="text")
    item_1, item_2 = item_ids(store, first)
    with store.session() as session:
        add_annotation(session, project=first, item_id=item_1, value="spam")
        add_annotation(session, project=first, item_id=item_2, value="ham")
    exported = tmp_path / "labels.csv"
    assert export_labels(store, first.name, exported).renamed_fields == {
        "label": "data_label"
    }

    second = project_factory(task="classification", labels=("ham", "spam"))
    importer.import_path(
        store, second.name, exported, id_column="external_id", label_column="label",
        text_column="text",
    )  # fmt: skip
    again = tmp_path / "again.csv"
    export_labels(store, second.name, again)
    rows = {r["external_id"]: r for r in read_back(again)}
    assert {k: r["label"] for k, r in rows.items()} == {"1": "spam", "2": "ham"}
    # The data's own field came along under the name the export gave it.
    assert rows["1"]["data_label"] == "vendor-said-spam"
    assert rows["2"]["data_label"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_list_labels_are_json_text_except_in_jsonl(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    project = project_factory(
        task="multilabel", labels=("a", "b", "c"), items=[{"text": "t"}]
    )
    (item,) = item_ids(store, project)
    with store.session() as session:
        add_annotation(session, project=project, item_id=item, value=["c", "a"])
    target = tmp_path / f"m.{fmt}"
    export_labels(store, project.name, target)
    (row,) = read_back(target)
    if fmt == "jsonl":
        assert row["label"] == ["a", "c"]
    else:
        assert json.loads(row["label"]) == ["a", "c"]
    if fmt == "parquet":
        assert pq.read_schema(target).field("label").type == pa.string()


def test_parquet_keeps_field_types_and_jsonl_omits_missing_fields(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = project_factory(
        items=[
            {"text": "t", "count": 1, "score": 1, "flag": True, "mixed": 1},
            {"text": "u", "count": 2, "score": 0.5, "flag": False, "mixed": "x"},
            {"text": "v", "extra": {"nested": [1, 2]}},
        ]
    )
    export_labels(store, project.name, tmp_path / "t.parquet")
    schema = pq.read_schema(tmp_path / "t.parquet")
    kinds = {name: schema.field(name).type for name in schema.names}
    assert kinds["count"] == pa.int64() and kinds["score"] == pa.float64()
    assert kinds["flag"] == pa.bool_() and kinds["mixed"] == pa.string()
    rows = read_back(tmp_path / "t.parquet")
    assert rows[1]["mixed"] == "x" and rows[0]["mixed"] == "1"
    assert json.loads(rows[2]["extra"]) == {"nested": [1, 2]}
    assert rows[2]["count"] is None

    export_labels(store, project.name, tmp_path / "t.jsonl")
    lines = read_back(tmp_path / "t.jsonl")
    assert "count" not in lines[2] and lines[2]["extra"] == {"nested": [1, 2]}
    assert lines[0]["flag"] is True and lines[1]["score"] == 0.5

    export_labels(store, project.name, tmp_path / "t.csv")
    cells = read_back(tmp_path / "t.csv")
    assert cells[0]["flag"] == "true" and cells[2]["count"] is None
    assert json.loads(cells[2]["extra"]) == {"nested": [1, 2]}


def test_media_projects_export_media_path(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = project_factory(modality="image", items=[{"file": "cat.png"}])
    with store.session() as session:
        session.get_one(Item, item_ids(store, project)[0]).media_path = "img/cat.png"
    export_labels(store, project.name, tmp_path / "i.csv")
    assert columns_of(tmp_path / "i.csv")[:3] == ["external_id", "file", "media_path"]
    assert read_back(tmp_path / "i.csv")[0]["media_path"] == "img/cat.png"


def test_small_chunks_give_the_same_file_and_report_progress(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = project_factory(items=[{"text": str(i)} for i in range(7)])
    other = project_factory(items=[{"text": "other"}])  # interleaved ids elsewhere
    ids = item_ids(store, project)
    with store.session() as session:
        for item in ids[::2]:
            add_annotation(session, project=project, item_id=item, value="ham")
        add_annotation(
            session, project=other, item_id=item_ids(store, other)[0], value="spam"
        )
    calls: list[tuple[int, int]] = []
    export_labels(
        store, project.name, tmp_path / "small.csv", chunk_size=3,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    export_labels(store, project.name, tmp_path / "big.csv")
    small = (tmp_path / "small.csv").read_bytes()
    assert small == (tmp_path / "big.csv").read_bytes()
    assert calls == [(0, 7), (3, 7), (6, 7), (7, 7)]
    report = export_annotations(store, project.name, tmp_path / "a.csv", chunk_size=2)
    assert report.rows == 4
    assert all(r["value"] == "ham" for r in read_back(tmp_path / "a.csv"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_annotations_export_has_every_status(
    store: Store, labeled: Project, tmp_path: Path, fmt: str
) -> None:
    ids = item_ids(store, labeled)
    with store.session() as session:
        # The round's CROWDLAB figures, as a model version records them.
        version = ModelVersion(
            project_id=labeled.id,
            name="m1",
            n_labels=3,
            featurizer="tfidf",
            metrics={
                "annotators": {"ana": {"quality": 0.9, "agreement": 1.0, "labels": 1}}
            },
        )
        session.add(version)
        session.flush()
        query = QuerySession(
            project_id=labeled.id, model_version_id=version.id, strategy="margin"
        )
        session.add(query)
        session.flush()
        add_annotation(
            session, project=labeled, item_id=ids[3], value="spam", source="model",
            session_id=query.id, model_version_id=version.id,
        )  # fmt: skip
        add_annotation(  # supersedes the imported label of item b
            session, project=labeled, item_id=ids[1], value="spam", source="import"
        )
    target = tmp_path / f"meta.{fmt}"
    report = export_annotations(store, "news", target)
    assert report.rows == 7
    assert columns_of(target) == [
        "annotation_id", "external_id", "annotator", "value", "source", "status",
        "session_id", "model_version_id", "created_at", "updated_at", "seconds_spent",
        "annotator_agreement", "annotator_quality",
    ]  # fmt: skip
    rows = read_back(target)
    assert [r["external_id"] for r in rows] == ["a", "a", "a", "b", "b", "c", "d"]
    assert [r["annotator"] for r in rows[:3]] == ["ana", "ben", "chi"]
    assert [r["status"] for r in rows[3:6]] == ["superseded", "active", "undone"]
    assert rows[3]["annotator"] is None and rows[3]["source"] == "import"
    model = rows[6]
    assert model["source"] == "model" and model["value"] == "spam"
    assert model["session_id"] is not None and model["model_version_id"] is not None
    assert float(rows[0]["seconds_spent"]) == 2.5 and rows[6]["seconds_spent"] is None
    # On item a, ana (spam) and ben (ham) disagree, κ 0; ana and chi's one
    # shared "spam" leaves κ undefined: ana's figure is her defined pair's.
    assert float(rows[0]["annotator_agreement"]) == 0.0
    assert rows[3]["annotator_agreement"] is None  # an imported label
    assert float(rows[0]["annotator_quality"]) == 0.9  # ana's, by CROWDLAB
    assert rows[1]["annotator_quality"] is None  # ben has no figure
    assert rows[0]["updated_at"] is None and rows[5]["updated_at"] is not None
    if fmt == "parquet":
        assert pq.read_schema(target).field("created_at").type == pa.timestamp(
            "us", tz="UTC"
        )
        assert rows[0]["created_at"].tzinfo is not None
    else:
        stamp = rows[0]["created_at"]
        assert stamp.endswith("Z")
        assert pd.Timestamp(stamp).tz is not None


@pytest.mark.parametrize("name", ["labels.json", "labels.txt", "labels"])
def test_unknown_suffix_is_refused_listing_formats(
    store: Store, labeled: Project, tmp_path: Path, name: str
) -> None:
    with pytest.raises(ConfigError, match=r"csv \(\.csv\), jsonl \(\.jsonl\), parquet"):
        export_labels(store, "news", tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_explicit_format_overrides_the_suffix(
    store: Store, labeled: Project, tmp_path: Path
) -> None:
    report = export_labels(store, "news", tmp_path / "labels.txt", fmt="jsonl")
    assert report.fmt == "jsonl"
    assert len((tmp_path / "labels.txt").read_text().splitlines()) == 4
    with pytest.raises(ConfigError, match="Unknown export format 'xlsx'"):
        export_labels(store, "news", tmp_path / "labels.txt", fmt="xlsx")


def test_bad_targets_and_unknown_project(
    store: Store, labeled: Project, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        export_labels(store, "news", tmp_path / "missing" / "l.csv")
    with pytest.raises(ConfigError, match="is a directory"):
        export_labels(store, "news", tmp_path)
    with pytest.raises(ProjectNotFoundError, match="nwes"):
        export_annotations(store, "nwes", tmp_path / "l.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_export_leaves_no_partial_file(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    project = project_factory(items=[{"text": str(i)} for i in range(10)])

    def fail_after_first_chunk(done: int, total: int) -> None:
        if done > 0:
            raise RuntimeError("disk gone")

    target = tmp_path / f"l.{fmt}"
    with pytest.raises(RuntimeError, match="disk gone"):
        export_labels(
            store, project.name, target, chunk_size=4, progress=fail_after_first_chunk
        )
    assert list(tmp_path.iterdir()) == []

    target.write_text("an earlier export")
    with pytest.raises(RuntimeError):
        export_labels(
            store, project.name, target, chunk_size=4, progress=fail_after_first_chunk
        )
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_text() == "an earlier export"


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_project_writes_header_only(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    project = project_factory()
    report = export_labels(store, project.name, tmp_path / f"e.{fmt}")
    assert report.rows == 0
    if fmt == "csv":
        assert columns_of(tmp_path / "e.csv") == ["external_id", *OURS]
    elif fmt == "parquet":
        assert pq.read_table(tmp_path / "e.parquet").num_rows == 0
    else:
        assert (tmp_path / "e.jsonl").read_text() == ""


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("task", "labels"),
    [("classification", ["ham", "spam"]), ("multilabel", [["ham"], ["ham", "spam"]])],
)
def test_import_export_import_round_trips(
    store: Store,
    project_factory: Any,
    tmp_path: Path,
    fmt: str,
    task: str,
    labels: list[Any],
) -> None:
    importer = pytest.importorskip("activelabel.io.importer")
    source = tmp_path / "source.csv"
    cells = [v if isinstance(v, str) else ",".join(v) for v in labels]
    source.write_text(
        "id,text,label\n"
        f'1,"hello, world","{cells[0]}"\n'
        f'2,"007","{cells[1]}"\n'
        "3,no label yet,\n"
    )
    first = project_factory(task=task, labels=("ham", "spam"))
    importer.import_path(
        store, first.name, source, id_column="id", label_column="label",
        text_column="text",
    )  # fmt: skip
    exported = tmp_path / f"first.{fmt}"
    export_labels(store, first.name, exported)

    second = project_factory(task=task, labels=("ham", "spam"))
    importer.import_path(
        store, second.name, exported, id_column="external_id", label_column="label",
        text_column="text",
    )  # fmt: skip
    again = tmp_path / f"second.{fmt}"
    export_labels(store, second.name, again)

    def by_id(path: Path) -> dict[str, tuple[Any, Any, Any]]:
        out = {}
        for row in read_back(path):
            key = row["external_id"]
            label = row["label"]
            if fmt != "jsonl" and task == "multilabel" and label is not None:
                label = json.loads(label)
            out[key] = (
                row["text"],
                label,
                row["status"],
            )
        return out

    before, after = by_id(exported), by_id(again)
    assert before == after
    assert before == {
        "1": ("hello, world", labels[0], "labeled"),
        "2": ("007", labels[1], "labeled"),  # strings stay strings
        "3": ("no label yet", None, "unlabeled"),
    }
