"""The command line: the README's walk-through, help texts, and error sentences."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from activelabel.cli import app

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "sms_spam.csv"
FIXTURES = ROOT / "tests" / "fixtures"

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


def test_readme_walkthrough_init_import_stats_export(
    db_url: str, tmp_path: Path
) -> None:
    code, out, err = run(
        "init", "sms", "--task", "classification", "--labels", "ham,spam", db_url=db_url
    )
    assert code == 0, err
    assert "Created classification project sms" in out
    code, out, err = run(
        "import",
        "sms",
        str(EXAMPLE),
        "--text-column",
        "text",
        "--id-column",
        "id",
        "--label-column",
        "label",
        db_url=db_url,
    )
    assert code == 0, err
    assert "600 new items" in " ".join(out.split())
    code, out, _ = run("stats", "sms", "--json", db_url=db_url)
    assert code == 0 and '"items": 600' in out and '"labeled_items": 40' in out
    target = tmp_path / "labels.parquet"
    meta = tmp_path / "meta.csv"
    code, out, err = run(
        "export",
        "sms",
        "--format",
        "parquet",
        "-o",
        str(target),
        "--metadata",
        str(meta),
        db_url=db_url,
    )
    assert code == 0, err
    frame = pd.read_parquet(target)
    assert len(frame) == 600 and frame["label"].notna().sum() == 40
    assert len(pd.read_csv(meta)) == 40


def test_header_less_tsv_imports_with_named_columns(db_url: str) -> None:
    run("init", "sms", "--labels", "ham,spam", db_url=db_url)
    code, out, err = run(
        "import",
        "sms",
        str(FIXTURES / "sms_sample.tsv"),
        "--columns",
        "label,text",
        "--label-column",
        "label",
        db_url=db_url,
    )
    assert code == 0, err
    assert "Note:" in out and "repeat the content" in " ".join(out.split())


def test_reimporting_under_other_ids_prints_how_many_items_repeat(
    db_url: str, tmp_path: Path
) -> None:
    run("init", "sms", "--labels", "ham,spam", db_url=db_url)
    args = ("import", "sms", str(EXAMPLE), "--text-column", "text")
    code, _, err = run(*args, "--id-column", "id", db_url=db_url)
    assert code == 0, err
    code, out, err = run(*args, db_url=db_url)
    assert code == 0, err
    said = " ".join(out.split())
    assert "Note: 600 new items have the same content as items already stored" in said


def test_image_project_imports_a_folder(db_url: str) -> None:
    run("init", "pets", "--labels", "cat,dog", "--modality", "image", db_url=db_url)
    code, out, err = run(
        "import", "pets", str(FIXTURES / "images"), "--label-from-folder", db_url=db_url
    )
    assert code == 0, err
    assert "12 new items" in out


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("stats", "nope"), "No project named 'nope'"),
        (("init", "x", "--labels", "a,a"), "appears twice"),
        (("init", "x", "--labels", "a", "--task", "segmentation"), "Unknown task kind"),
        (("import", "nope", "missing.csv"), "does not exist"),
        (("export", "nope", "-o", "x.xlsx"), "Cannot tell the export format of x.xlsx"),
        (("export", "nope", "-o", "x.csv"), "No project named 'nope'"),
    ],
)
def test_errors_are_one_sentence_with_a_failing_exit_code(
    db_url: str, args: tuple[str, ...], sentence: str
) -> None:
    code, out, err = run(*args, db_url=db_url)
    assert code == 1
    assert sentence in " ".join(err.split())
    assert "Traceback" not in out + err
    # The error stands alone: no progress bar of work that never started.
    assert err.lstrip().startswith("Error:"), err


def test_bad_label_in_import_leaves_project_empty(db_url: str, tmp_path: Path) -> None:
    run("init", "p", "--labels", "ham,spam", db_url=db_url)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["a", "b"], "label": ["ham", "eggs"]}).to_csv(
        bad, index=False
    )
    code, _, err = run(
        "import", "p", str(bad), "--label-column", "label", db_url=db_url
    )
    assert code == 1 and "row 2: 'eggs' is not a label" in " ".join(err.split())
    _, out, _ = run("stats", "p", "--json", db_url=db_url)
    assert '"items": 0' in out


def test_unreachable_database_is_one_sentence(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["stats", "x", "--db", "postgresql+psycopg://u:pw@127.0.0.1:9/db"]
    )
    assert result.exit_code == 1
    assert (
        "Cannot open the database postgresql+psycopg://u:***@127.0.0.1:9/db"
        in " ".join(result.stderr.split())
    )


def test_database_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIVELABEL_DB", f"sqlite:///{tmp_path / 'env.db'}")
    assert runner.invoke(app, ["init", "e", "--labels", "a,b"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_every_command_has_complete_help() -> None:
    for command in (
        ["init"],
        ["import"],
        ["export"],
        ["stats"],
        ["projects"],
        ["user", "add"],
        ["db", "upgrade"],
    ):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "--db" in result.stdout or command == ["projects"]


def test_installed_script_runs_as_a_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "activelabel", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("activelabel ")


def test_user_add_prints_a_token_once(db_url: str) -> None:
    code, out, err = run("user", "add", "ann", db_url=db_url)
    assert code == 0, err
    token = out.strip().splitlines()[-1]
    assert len(token) >= 20
    code, out, _ = run("user", "list", db_url=db_url)
    assert "ann" in out and token not in out
