"""The lf commands: add, list, apply, remove, and their error sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.cli.app import console

FIXTURES = Path(__file__).parents[1] / "fixtures"

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return (
        result.exit_code,
        " ".join(result.stdout.split()),
        " ".join(result.stderr.split()),
    )


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as a wide terminal shows them (a cell is never folded mid-word)."""
    monkeypatch.setattr(console, "_width", 240)  # undone to None, not to a fixed width


def _sms(db_url: str) -> None:
    assert run("init", "sms", "--labels", "ham,spam", db_url=db_url)[0] == 0
    code, _, err = run(
        "import",
        "sms",
        str(FIXTURES / "sms_sample.tsv"),
        "--columns",
        "label,text",
        db_url=db_url,
    )
    assert code == 0, err


def test_lf_add_list_apply_and_remove_from_the_command_line(db_url: str) -> None:
    _sms(db_url)
    code, out, err = run(
        "lf",
        "add",
        "sms",
        "prize-words",
        "--label",
        "spam",
        "--keywords",
        "prize,winner,claim",
        db_url=db_url,
    )
    assert code == 0, err
    assert "Added prize-words (votes spam) in sms." in out
    code, out, err = run(
        "lf",
        "add",
        "sms",
        "money",
        "--label",
        "spam",
        "--regex",
        r"£\d+",
        db_url=db_url,
    )
    assert code == 0, err
    code, out, err = run(
        "lf",
        "add",
        "sms",
        "--file",
        str(FIXTURES / "weak" / "sms_functions.py"),
        db_url=db_url,
    )
    assert code == 0, err
    assert "Added 3 Python functions to sms: mentions_prize, short_greeting, " in out
    code, out, err = run("lf", "list", "sms", db_url=db_url)
    assert "prize-words" in out and "prize, winner, claim" in out
    assert "not applied yet" in out
    code, out, err = run("lf", "apply", "sms", db_url=db_url)
    assert code == 0, err
    assert "applied from the start: prize-words, money, mentions_prize" in out
    code, out, err = run("lf", "list", "sms", db_url=db_url)
    assert code == 0 and re.search(r"│ money +│", out)
    assert re.search(r"prize-words .* enabled │ \d+ of 198 \(\d+\.\d%\)", out)
    code, out, err = run("lf", "apply", "sms", db_url=db_url)
    assert "Read 0 items and wrote 0 votes" in out
    code, out, err = run("lf", "remove", "sms", "money", db_url=db_url)
    assert code == 0 and "Removed money and its votes from sms." in out
    code, out, _ = run("lf", "list", "sms", db_url=db_url)
    assert not re.search(r"│ money +│", out) and "money_and_call" in out


def test_lf_add_refusals_are_one_sentence_each(db_url: str) -> None:
    _sms(db_url)
    cases = [
        (
            ["--label", "spam", "--regex", "£(\\d+"],
            "Error: The regex of labeling function 'x' does not compile: missing ), "
            "unterminated subpattern at position 1",
        ),
        (
            ["--label", "maybe", "--keywords", "a"],
            "Error: The labeling function 'x': 'maybe' is not a label of this "
            "project; the labels are: ham, spam.",
        ),
        (
            ["--label", "spam", "--keywords", "a", "--regex", "b"],
            "Error: Give one of --keywords, --regex or --file (got --keywords and "
            "--regex).",
        ),
    ]
    for options, sentence in cases:
        code, out, err = run("lf", "add", "sms", "x", *options, db_url=db_url)
        assert code == 1 and sentence in err, err
    code, out, _ = run("lf", "list", "sms", db_url=db_url)
    assert "has no labeling functions yet" in out


def test_lf_add_of_a_file_that_does_not_import_stores_nothing(
    db_url: str, tmp_path: Path
) -> None:
    _sms(db_url)
    lfs = tmp_path / "lfs.py"
    lfs.write_text("import activelabel\nfrom nowhere import thing\n")
    code, _, err = run("lf", "add", "sms", "--file", str(lfs), db_url=db_url)
    assert code == 1
    assert (
        "Error: The labeling function file lfs.py does not import: line 2: "
        "ModuleNotFoundError: No module named 'nowhere'." in err
    )
    code, out, _ = run("lf", "list", "sms", db_url=db_url)
    assert "has no labeling functions yet" in out
