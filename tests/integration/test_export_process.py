"""Exports written by a child process, as the server asks for them."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_support import page_client

import activelabel.io.export
from activelabel.exceptions import (
    ConfigError,
    DatabaseUnavailableError,
    ExportError,
    ProjectNotFoundError,
)
from activelabel.io.export import export_annotations, export_labels
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.server.export_process import (
    error_from_child,
    export_file,
    export_in_child,
    visible_to_a_child,
)
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store, open_store
from activelabel.store.models import Item, Project
from activelabel.store.projects import create_project


@pytest.fixture
def labeled(store: Store, project_factory: Any) -> Project:
    """Three items, the first labeled."""
    project: Project = project_factory(
        "news",
        items=[{"text": "first"}, {"text": "second, with a comma"}, {"text": "third"}],
    )
    with store.session() as session:
        first = min(
            session.scalars(
                Item.__table__.select()  # type: ignore[attr-defined]
                .with_only_columns(Item.id)
                .where(Item.project_id == project.id)
            )
        )
        add_annotation(session, project=project, item_id=first, value="spam")
    return project


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_child_writes_the_same_files_as_an_export_in_process(
    store: Store, db_url: str, labeled: Project, tmp_path: Path, fmt: str
) -> None:
    for dataset, writer in (
        ("labels", export_labels),
        ("annotations", export_annotations),
    ):
        here = tmp_path / f"here-{dataset}.{fmt}"
        there = tmp_path / f"there-{dataset}.{fmt}"
        writer(store, "news", here, fmt=fmt)
        export_in_child(db_url, "news", there, fmt=fmt, dataset=dataset)
        if fmt == "parquet":
            assert pd.read_parquet(there).equals(pd.read_parquet(here))
        else:
            assert there.read_bytes() == here.read_bytes()


def test_the_database_url_stays_off_the_child_command_line(
    db_url: str, labeled: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A URL may hold a password; every user can read a process's arguments.
    started: list[list[str]] = []
    run = subprocess.run

    def spy(args: list[str], **kwargs: Any) -> Any:
        started.append(args)
        return run(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    target = tmp_path / "out.csv"
    export_in_child(db_url, "news", target, fmt="csv", dataset="labels")
    assert target.is_file() and len(started) == 1
    assert not any(db_url in arg or "news" in arg for arg in started[0])


def test_an_unknown_project_is_the_same_error_as_in_process(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(ProjectNotFoundError, match="nope"):
        export_in_child(db_url, "nope", target, fmt="csv", dataset="labels")
    assert list(tmp_path.iterdir()) == []


def test_a_target_in_a_missing_folder_is_named_and_nothing_is_written(
    db_url: str, labeled: Project, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "out.csv"
    with pytest.raises(ConfigError, match="does not exist"):
        export_in_child(db_url, "news", target, fmt="csv", dataset="labels")
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_database_is_reported_as_unavailable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    with pytest.raises(DatabaseUnavailableError, match="Cannot open the database"):
        export_in_child(url, "news", tmp_path / "o.csv", fmt="csv", dataset="labels")


def test_an_unknown_dataset_is_refused_before_a_child_starts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Unknown dataset 'items'"):
        export_in_child(
            "sqlite://", "news", tmp_path / "o.csv", fmt="csv", dataset="items"
        )


def test_a_child_stopped_by_a_signal_is_an_export_error_that_says_so() -> None:
    error = error_from_child(-9, "", "")
    assert isinstance(error, ExportError) and error.status_code == 500
    assert "signal 9" in error.message and "nothing was written" in error.message


def test_a_child_error_of_no_known_kind_keeps_its_sentence() -> None:
    reported = '{"error": "OSError", "message": "OSError: No space left on device"}'
    error = error_from_child(2, reported + "\n", "")
    assert isinstance(error, ExportError)
    assert error.message == "The export failed: OSError: No space left on device"
    crashed = error_from_child(1, "", "Traceback...\nMemoryError\n")
    assert isinstance(crashed, ExportError)
    assert crashed.message == "The export failed: MemoryError"


def test_only_a_database_in_memory_is_hidden_from_a_child(tmp_path: Path) -> None:
    assert visible_to_a_child(f"sqlite:///{tmp_path / 'a.db'}")
    assert visible_to_a_child("postgresql+psycopg://u@h/db")
    assert not visible_to_a_child("sqlite://")
    assert not visible_to_a_child("sqlite:///:memory:")


def test_a_database_in_memory_is_exported_in_process(tmp_path: Path) -> None:
    memory = open_store("sqlite://")
    try:
        with memory.session() as session:
            create_project(session, name="m", task="classification", labels="a,b")
        target = tmp_path / "m.csv"
        export_file(memory, "sqlite://", "m", target, fmt="csv", dataset="labels")
        assert target.read_text().startswith("external_id")
    finally:
        memory.close()


def test_the_export_route_writes_the_file_outside_the_server_process(
    store: Store, labeled: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_here(*_: Any, **__: Any) -> None:
        raise AssertionError("exported in the server's process")

    monkeypatch.setattr(activelabel.io.export, "export_labels", not_here)
    app = create_app(store, ServerSettings(open_access=True, background_trainer=False))
    with page_client(app) as client:
        response = client.get("/api/v1/projects/news/export?format=csv")
        assert response.status_code == 200
        frame = pd.read_csv(io.StringIO(response.text))
        assert list(frame["label"].fillna("")) == ["spam", "", ""]
        missing = client.get("/api/v1/projects/news/export?format=csv&dataset=items")
        assert missing.status_code == 400
        assert "Unknown dataset" in missing.json()["error"]
