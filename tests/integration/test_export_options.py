"""What exports say and protect: renamed data fields, and formula cells in CSV.

Through the library, the command line and the API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import page_client
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from activelabel.cli import app as cli
from activelabel.io.export import export_annotations, export_labels
from activelabel.io.importer import import_path
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, Project

#: Cells a spreadsheet would run, and text and numbers it would not.
DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=tab", "\r=cr"]
HARMLESS = ["-3", "+4.5", "plain", "a=b"]


def csv_rows(source: str | Path) -> list[dict[str, str]]:
    """The rows of CSV text or of a CSV file, read as a CSV reader reads them."""
    if isinstance(source, Path):
        with source.open(newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))
    return list(csv.DictReader(io.StringIO(source, newline="")))


@pytest.fixture
def formulas(store: Store, project_factory: Any) -> Project:
    """One item per cell text, each labeled ``ham``; one item's data has ``label``."""
    project: Project = project_factory(
        items=[{"text": text} for text in [*DANGEROUS, *HARMLESS]]
        + [{"text": "with a label field", "label": "=vendor"}]
    )
    with store.session() as session:
        for item_id in session.scalars(
            Item.__table__.select()  # type: ignore[attr-defined]
            .with_only_columns(Item.id)
            .where(Item.project_id == project.id)
        ):
            add_annotation(session, project=project, item_id=item_id, value="ham")
    return project


def test_csv_exports_neutralise_formula_cells_and_keep_numbers(
    store: Store, formulas: Project, tmp_path: Path
) -> None:
    target = tmp_path / "labels.csv"
    export_labels(store, formulas.name, target)
    texts = [row["text"] for row in csv_rows(target)]
    assert texts == [
        *("'" + text for text in DANGEROUS),
        *HARMLESS,
        "with a label field",
    ]


def test_without_escaping_the_csv_holds_the_text_as_stored(
    store: Store, formulas: Project, tmp_path: Path
) -> None:
    target = tmp_path / "labels.csv"
    export_labels(store, formulas.name, target, escape_formulas=False)
    texts = [row["text"] for row in csv_rows(target)]
    assert texts == [*DANGEROUS, *HARMLESS, "with a label field"]


def test_the_metadata_csv_neutralises_formula_cells_too(
    store: Store, project_factory: Any, tmp_path: Path
) -> None:
    project = project_factory(labels=("=cmd", "-ok"), items=[{"text": "t"}])
    with store.session() as session:
        item_id = session.scalar(
            Item.__table__.select()  # type: ignore[attr-defined]
            .with_only_columns(Item.id)
            .where(Item.project_id == project.id)
        )
        add_annotation(session, project=project, item_id=item_id, value="=cmd")
    target = tmp_path / "meta.csv"
    export_annotations(store, project.name, target)
    (row,) = csv_rows(target)
    assert row["value"] == "'=cmd"


def test_an_escaped_export_imports_back_with_the_quote_and_an_unescaped_one_exactly(
    store: Store, formulas: Project, project_factory: Any, tmp_path: Path
) -> None:
    """The documented behaviour: the ``'`` is part of the CSV's text.

    Spreadsheets hide it; a program reading the file sees it. To move labels
    between projects exactly, export with ``escape_formulas=False`` (or JSON
    Lines / Parquet, which never escape).
    """
    for escape in (True, False):
        target = tmp_path / f"labels-{escape}.csv"
        export_labels(store, formulas.name, target, escape_formulas=escape)
        again = project_factory(labels=("ham", "spam"))
        import_path(
            store,
            again.name,
            target,
            id_column="external_id",
            label_column="label",
            text_column="text",
        )
        back = tmp_path / f"back-{escape}.jsonl"
        export_labels(store, again.name, back)
        rows = [json.loads(line) for line in back.read_text().splitlines()]
        texts = [row["text"] for row in rows]
        if escape:
            assert texts[: len(DANGEROUS)] == ["'" + t for t in DANGEROUS]
        else:
            assert texts[: len(DANGEROUS)] == DANGEROUS
        assert texts[len(DANGEROUS) : -1] == HARMLESS
        assert {row["label"] for row in rows} == {"ham"}


def test_the_cli_notes_renamed_fields_and_can_turn_escaping_off(
    db_url: str, store: Store, formulas: Project, tmp_path: Path
) -> None:
    runner = CliRunner()
    target = tmp_path / "labels.csv"
    result = runner.invoke(
        cli, ["export", formulas.name, "-o", str(target), "--db", db_url]
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "Note: The data field 'label' is written as column 'data_label'; 'label' "
        "is activelabel's own column." in " ".join(result.stdout.split())
    )
    rows = csv_rows(target)
    assert rows[0]["text"] == "'=1+1" and rows[-1]["data_label"] == "'=vendor"
    result = runner.invoke(
        cli,
        [
            "export",
            formulas.name,
            "-o",
            str(target),
            "--no-escape-formulas",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(target)
    assert rows[0]["text"] == "=1+1" and rows[-1]["data_label"] == "=vendor"


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    application = create_app(
        store, ServerSettings(open_access=True, background_trainer=False)
    )
    with page_client(application) as test_client:
        yield test_client


def test_the_api_export_escapes_by_default_and_lists_renamed_fields(
    client: TestClient, formulas: Project
) -> None:
    url = f"/api/v1/projects/{formulas.name}/export"
    escaped = client.get(url, params={"format": "csv"})
    assert escaped.status_code == 200
    assert json.loads(escaped.headers["x-renamed-fields"]) == {"label": "data_label"}
    assert csv_rows(escaped.text)[0]["text"] == "'=1+1"
    plain = client.get(url, params={"format": "csv", "escape_formulas": "false"})
    assert plain.status_code == 200
    assert csv_rows(plain.text)[0]["text"] == "=1+1"
