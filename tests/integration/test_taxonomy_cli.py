"""activelabel taxonomy load|show and import --unknown-labels, as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.store.engine import open_store
from activelabel.store.projects import get_project

FIXTURES = Path(__file__).parents[1] / "fixtures" / "madewithml"
TAGS = FIXTURES / "tags.json"
PROJECTS = FIXTURES / "projects.json"

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


def _init(db_url: str) -> None:
    tags = ",".join(entry["tag"] for entry in json.loads(TAGS.read_text()))
    code, _, err = run(
        "init", "mwm", "--task", "multilabel", "--labels", tags, db_url=db_url
    )
    assert code == 0, err


def _import(db_url: str, *options: str) -> tuple[int, str, str]:
    return run(
        "import",
        "mwm",
        str(PROJECTS),
        "--text-column",
        "description",
        "--id-column",
        "id",
        "--label-column",
        "tags",
        *options,
        db_url=db_url,
    )


def test_taxonomy_load_reports_its_counts_and_show_lists_parents_and_aliases(
    db_url: str,
) -> None:
    _init(db_url)
    code, out, err = run("taxonomy", "load", "mwm", str(TAGS), db_url=db_url)
    assert code == 0, err
    said = " ".join(out.split())
    assert "400 tags, 82 aliases, 215 parent links" in said
    assert "4 labels missing from the project" in said
    assert "testing, health, audio, decision-tree" in said
    assert "made by the first import of texts" in said
    code, out, err = run("taxonomy", "show", "mwm", db_url=db_url)
    assert code == 0, err
    assert "three-dimensional" in out
    assert "computer-vision" in out
    assert "82 aliases, 215 parent links." in " ".join(out.split())


def test_import_with_a_taxonomy_says_how_many_rows_each_choice_touched(
    db_url: str,
) -> None:
    _init(db_url)
    run("taxonomy", "load", "mwm", str(TAGS), "--add-missing", db_url=db_url)
    code, out, err = _import(db_url)
    assert code == 1
    message = " ".join(err.split())
    assert "projects.json, row 1: 'code' is not a label of this project" in message
    assert "the closest of its 404 labels are:" in message
    code, out, err = _import(db_url, "--unknown-labels", "drop")
    assert code == 0, err
    said = " ".join(out.split())
    assert "Aliases folded into their label in 40 rows." in said
    assert (
        "Labels the project lacks dropped from 186 rows (4 of them left unlabeled)."
        in said
    )
    assert "Parents added in" in said
    # The first import of texts made the alias functions; a load replaces them.
    code, out, err = run("taxonomy", "load", "mwm", str(TAGS), db_url=db_url)
    assert code == 0, err
    assert "68 alias functions" in " ".join(out.split())


def test_unknown_labels_add_grows_the_project_labels(db_url: str) -> None:
    _init(db_url)
    code, out, err = _import(db_url, "--unknown-labels", "add")
    assert code == 0, err
    assert "labels added to the project from 186 rows" in " ".join(out.split())
    store = open_store(db_url)
    try:
        with store.session() as session:
            labels = get_project(session, "mwm").labels
    finally:
        store.close()
    assert "code" in labels and len(labels) > 400


def test_an_unknown_choice_is_refused(db_url: str) -> None:
    _init(db_url)
    code, _, err = _import(db_url, "--unknown-labels", "ignore")
    assert code == 1
    assert "--unknown-labels is one of refuse, drop, add, not 'ignore'" in err


def test_a_refused_taxonomy_changes_nothing(db_url: str, tmp_path: Path) -> None:
    _init(db_url)
    run("taxonomy", "load", "mwm", str(TAGS), db_url=db_url)
    cycle = tmp_path / "links.csv"
    cycle.write_text("child,parent\n3d,computer-vision\ncomputer-vision,3d\n")
    code, _, err = run("taxonomy", "load", "mwm", str(cycle), db_url=db_url)
    assert code == 1
    assert "links.csv, line 2: the parents form a cycle: 3d → computer-vision → 3d" in (
        " ".join(err.split())
    )
    store = open_store(db_url)
    try:
        with store.session() as session:
            settings = get_project(session, "mwm").settings
    finally:
        store.close()
    assert len(settings.aliases) == 82
    assert settings.parents["3d"] == ["computer-vision"]


def test_taxonomy_show_without_a_taxonomy_says_how_to_load_one(db_url: str) -> None:
    _init(db_url)
    code, out, _ = run("taxonomy", "show", "mwm", db_url=db_url)
    assert code == 0
    assert "has no taxonomy yet" in out
