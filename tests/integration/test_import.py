"""Importing files and media folders on SQLite and PostgreSQL.

Every bad input gets an error that names the problem and the place, and leaves
the database exactly as it was (imports are one transaction).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from activelabel.config import Settings
from activelabel.exceptions import (
    ColumnNotFoundError,
    ConfigError,
    DuplicateIdError,
    EncodingError,
    FieldTooLargeError,
    ImportFormatError,
    InvalidLabelError,
    MediaError,
    ProjectNotFoundError,
)
from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, MediaRoot, Project

FIXTURES = Path(__file__).parent.parent / "fixtures"


def snapshot(store: Store) -> dict[str, Any]:
    """Everything an import may touch, to compare before and after a failure."""
    with store.session() as session:
        return {
            "items": session.scalar(select(func.count()).select_from(Item)),
            "annotations": session.scalar(select(func.count()).select_from(Annotation)),
            "media_roots": session.scalar(select(func.count()).select_from(MediaRoot)),
            "configs": [
                p.config for p in session.scalars(select(Project).order_by(Project.id))
            ],
        }


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_sms_tsv_imports_with_labels_and_skips_repeated_messages(
    store: Store, project_factory
) -> None:
    project_factory("sms")
    report = import_path(
        store,
        "sms",
        FIXTURES / "sms_sample.tsv",
        columns=["label", "text"],
        label_column="label",
    )
    assert report.rows_read == 200
    assert report.items_added + report.duplicates_skipped == 200
    assert report.labels_added == report.items_added
    with store.session() as session:
        item = session.scalars(select(Item).order_by(Item.id)).first()
        assert item is not None and set(item.data) == {"text"}
        assert session.scalar(select(Annotation.source).limit(1)) == "import"


def test_an_import_into_postgresql_leaves_the_new_rows_analyzed(
    store: Store, project_factory
) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite keeps no planner statistics to refresh")
    project_factory("sms")
    import_path(
        store,
        "sms",
        FIXTURES / "sms_sample.tsv",
        columns=["label", "text"],
        label_column="label",
    )
    with store.session() as session:
        rows = session.execute(
            text(
                "SELECT relname, last_vacuum, last_analyze FROM pg_stat_user_tables "
                "WHERE relname IN ('items', 'annotations')"
            )
        ).all()
        planner_rows = session.scalar(
            text("SELECT reltuples FROM pg_class WHERE relname = 'items'")
        )
    assert len(rows) == 2
    assert all(r.last_vacuum is not None and r.last_analyze is not None for r in rows)
    assert planner_rows and planner_rows > 100


def test_reimporting_the_same_file_adds_nothing(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(
        tmp_path / "a.csv",
        [{"id": i, "text": f"t{i}", "label": "ham"} for i in range(30)],
    )
    first = import_path(store, "p", path, id_column="id", label_column="label")
    before = snapshot(store)
    again = import_path(store, "p", path, id_column="id", label_column="label")
    assert (first.items_added, again.items_added, again.items_existing) == (30, 0, 30)
    assert (again.labels_added, again.labels_unchanged) == (0, 30)
    assert snapshot(store) == before


def test_reimporting_a_file_without_its_id_column_warns_with_the_count(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(
        tmp_path / "a.csv", [{"id": i, "text": f"t{i}"} for i in range(30)]
    )
    first = import_path(store, "p", path, id_column="id")
    assert first.notes == []
    again = import_path(store, "p", path, text_column="text")
    assert again.items_added == 30
    (note,) = again.notes
    assert note.startswith(
        "30 new items have the same content as items already stored under another "
        "id (first: row 1, row 2, row 3, row 4, row 5)"
    )
    assert "the id column used before" in note


def test_an_import_with_new_content_only_gives_no_duplicate_warning(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    import_path(store, "p", write_csv(tmp_path / "a.csv", [{"text": "a"}]))
    report = import_path(
        store, "p", write_csv(tmp_path / "b.csv", [{"text": "a"}, {"text": "b"}])
    )
    assert (report.items_added, report.items_existing, report.notes) == (1, 1, [])


def test_a_changed_label_on_reimport_supersedes_the_imported_one(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    import_path(
        store,
        "p",
        write_csv(tmp_path / "a.csv", [{"id": 1, "text": "x", "label": "ham"}]),
        id_column="id",
        label_column="label",
    )
    import_path(
        store,
        "p",
        write_csv(tmp_path / "b.csv", [{"id": 1, "text": "x", "label": "spam"}]),
        id_column="id",
        label_column="label",
    )
    with store.session() as session:
        rows = session.execute(
            select(Annotation.value, Annotation.status).order_by(Annotation.id)
        ).all()
    assert [tuple(r) for r in rows] == [("ham", "superseded"), ("spam", "active")]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
def test_every_format_imports_the_same_items(
    store: Store, project_factory, tmp_path: Path, suffix: str
) -> None:
    project_factory("p")
    records = [
        {"id": f"r{i}", "text": f"text {i}", "label": ["ham", "spam", ""][i % 3]}
        for i in range(25)
    ]
    path = tmp_path / f"data{suffix}"
    frame = pd.DataFrame(records)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif suffix == ".json":
        path.write_text(json.dumps(records))
    else:
        frame.to_parquet(path)
    report = import_path(
        store, "p", path, id_column="id", label_column="label", text_column="text"
    )
    assert (report.items_added, report.labels_added) == (25, 17)
    with store.session() as session:
        ids = set(session.scalars(select(Item.external_id)))
    assert ids == {f"r{i}" for i in range(25)}


def test_import_then_export_then_import_round_trips(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("one")
    project_factory("two")
    source = write_csv(
        tmp_path / "a.csv",
        [
            {
                "id": i,
                "text": f"msg {i}",
                "extra": f"e{i}",
                "label": "spam" if i % 2 else "",
            }
            for i in range(20)
        ],
    )
    import_path(store, "one", source, id_column="id", label_column="label")
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"export.{fmt}"
        export_labels(store, "one", out)
        name = f"copy-{fmt}"
        project_factory(name)
        report = import_path(
            store,
            name,
            out,
            id_column="external_id",
            label_column="label",
            text_column="text",
        )
        assert (report.items_added, report.labels_added) == (20, 10)
        with store.session() as session:
            items = {
                item.external_id: item.data
                for item in session.scalars(
                    select(Item).join(Project).where(Project.name == name)
                )
            }
        assert items["3"]["text"] == "msg 3" and items["3"]["extra"] == "e3"


def assert_unchanged_after(
    store: Store, error: type[Exception], match: str, **kwargs: Any
) -> None:
    before = snapshot(store)
    with pytest.raises(error, match=match):
        import_path(store, **kwargs)
    assert snapshot(store) == before


def test_malformed_csv_deep_in_the_file_leaves_the_database_unchanged(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = tmp_path / "bad.csv"
    lines = ["id,text"] + [f"{i},ok {i}" for i in range(50)] + ["99,too,many"]
    path.write_text("\n".join(lines) + "\n")
    assert_unchanged_after(
        store,
        ImportFormatError,
        r"bad.csv is not well-formed CSV.*line 52",
        project_name="p",
        source=path,
        id_column="id",
        settings=Settings(import_batch_size=10),
    )


def test_non_utf8_file_says_which_encoding_to_pass(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = tmp_path / "latin.csv"
    path.write_bytes("text\nna\u00efve caf\u00e9\n".encode("cp1252"))
    assert_unchanged_after(
        store, EncodingError, "--encoding", project_name="p", source=path
    )
    assert import_path(store, "p", path, encoding="cp1252").items_added == 1


def test_misspelled_column_suggests_the_closest_names(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(tmp_path / "a.csv", [{"message": "x", "label": "ham"}])
    assert_unchanged_after(
        store,
        ColumnNotFoundError,
        r"no column 'mesage'.*Did you mean 'message'",
        project_name="p",
        source=path,
        text_column="mesage",
    )


def test_text_column_must_be_named_when_it_cannot_be_guessed(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(tmp_path / "a.csv", [{"title": "x", "body": "y"}])
    assert_unchanged_after(
        store, ConfigError, "--text-column", project_name="p", source=path
    )


def test_empty_file_and_header_only_file_are_refused(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("text,label\n")
    assert_unchanged_after(
        store,
        ImportFormatError,
        "is empty",
        project_name="p",
        source=tmp_path / "empty.csv",
    )
    assert_unchanged_after(
        store,
        ImportFormatError,
        "is empty|no rows",
        project_name="p",
        source=tmp_path / "header.csv",
    )


def test_duplicate_ids_in_one_file_name_both_rows(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(
        tmp_path / "a.csv",
        [{"id": "x", "text": "1"}, {"id": "y", "text": "2"}, {"id": "x", "text": "3"}],
    )
    assert_unchanged_after(
        store,
        DuplicateIdError,
        r"'x' appears twice.*rows 1 and 3",
        project_name="p",
        source=path,
        id_column="id",
    )


def test_duplicate_ids_across_batches_are_found_through_the_database(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(
        tmp_path / "a.csv", [{"id": i % 7, "text": str(i)} for i in range(9)]
    )
    assert_unchanged_after(
        store,
        DuplicateIdError,
        "appears twice",
        project_name="p",
        source=path,
        id_column="id",
        settings=Settings(import_batch_size=7),
    )


def test_field_over_the_size_limit_names_row_and_field(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(tmp_path / "a.csv", [{"text": "short"}, {"text": "x" * 2000}])
    assert_unchanged_after(
        store,
        FieldTooLargeError,
        r"row 2: the field 'text' is over the limit of 1,000 bytes",
        project_name="p",
        source=path,
        settings=Settings(max_field_bytes=1000),
    )
    # 600 characters that take 1,200 bytes pass the reader and fail the byte check.
    path = write_csv(tmp_path / "b.csv", [{"text": "short"}, {"text": "\u00e9" * 600}])
    assert_unchanged_after(
        store,
        FieldTooLargeError,
        r"row 2: the field 'text' is 1,200 bytes",
        project_name="p",
        source=path,
        settings=Settings(max_field_bytes=1000),
    )


def test_label_outside_the_schema_names_the_row_and_suggests(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    path = write_csv(
        tmp_path / "a.csv",
        [{"text": "a", "label": "ham"}, {"text": "b", "label": "spma"}],
    )
    assert_unchanged_after(
        store,
        InvalidLabelError,
        r"row 2: 'spma' is not a label.*Did you mean 'spam'",
        project_name="p",
        source=path,
        label_column="label",
    )


def test_unknown_project_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [{"text": "a"}])
    with pytest.raises(ProjectNotFoundError, match="No project named 'nope'"):
        import_path(store, "nope", path)


def test_missing_file_is_a_clear_error(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("p")
    with pytest.raises(ImportFormatError, match="does not exist"):
        import_path(store, "p", tmp_path / "nope.csv")


def test_image_folder_imports_recursively_with_labels_from_folders(
    store: Store, project_factory
) -> None:
    project_factory("img", labels=("cat", "dog"), modality="image")
    report = import_path(store, "img", FIXTURES / "images", label_from_folder=True)
    assert (report.items_added, report.labels_added) == (12, 12)
    with store.session() as session:
        item = session.scalars(
            select(Item).where(Item.external_id == "cat/0000.jpg")
        ).one()
        assert item.media_path == "cat/0000.jpg"
        assert (item.data["width"], item.data["height"]) == (32, 32)
    assert import_path(store, "img", FIXTURES / "images").items_added == 0


def test_audio_folder_imports_with_duration(store: Store, project_factory) -> None:
    project_factory("snd", labels=("0", "1"), modality="audio")
    report = import_path(store, "snd", FIXTURES / "audio")
    assert report.items_added == 6
    with store.session() as session:
        data = session.scalars(select(Item.data)).first()
    assert data is not None and data["samplerate"] == 8000 and data["duration"] > 0


def test_broken_image_names_the_file_and_imports_nothing(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("img", labels=("cat", "dog"), modality="image")
    folder = tmp_path / "imgs"
    shutil.copytree(FIXTURES / "images", folder)
    (folder / "dog" / "broken.jpg").write_bytes(
        (folder / "dog" / "0000.jpg").read_bytes()[:200]
    )
    assert_unchanged_after(
        store,
        MediaError,
        r"'dog/broken.jpg' is broken",
        project_name="img",
        source=folder,
    )


def test_media_path_outside_the_media_root_is_refused(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("img", labels=("cat", "dog"), modality="image")
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(FIXTURES / "images" / "cat" / "0000.jpg", root / "ok.jpg")
    shutil.copy(FIXTURES / "images" / "cat" / "0001.jpg", tmp_path / "secret.jpg")
    path = write_csv(
        tmp_path / "list.csv", [{"path": "ok.jpg"}, {"path": "../secret.jpg"}]
    )
    assert_unchanged_after(
        store,
        MediaError,
        r"'../secret.jpg' is outside the media root",
        project_name="img",
        source=path,
        media_column="path",
        media_root=root,
    )


def test_symlink_escaping_the_media_root_is_refused(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("img", labels=("cat", "dog"), modality="image")
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(FIXTURES / "images" / "cat" / "0000.jpg", tmp_path / "outside.jpg")
    (root / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    assert_unchanged_after(
        store, MediaError, "outside the media root", project_name="img", source=root
    )


def test_folder_import_into_a_text_project_says_what_to_do(
    store: Store, project_factory
) -> None:
    project_factory("txt")
    assert_unchanged_after(
        store,
        ConfigError,
        "--modality image",
        project_name="txt",
        source=FIXTURES / "images",
    )
