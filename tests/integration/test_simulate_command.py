"""``activelabel simulate`` end to end on small committed and generated files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from activelabel.cli.app import console
from activelabel.cli.simulate import simulate_command
from activelabel.exceptions import ColumnNotFoundError, ConfigError, ImportFormatError

WINE = Path(__file__).parents[1] / "fixtures" / "wine_colour"


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("simulate")(simulate_command)
    app.command("noop")(lambda: None)  # keeps "simulate" a subcommand
    return app


def test_simulate_reproduces_wine_colour_demo_from_file_names(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "_width", 80)  # a default terminal
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(WINE / "winequality-red.csv"),
            str(WINE / "winequality-white.csv"),
            "--label-from-filename",
            "--sep",
            ";",
            "--strategies",
            "default,random,least_confidence",
            "--initial-labels",
            "4",
            "--batch-size",
            "4",
            "--budget",
            "24",
            "--seeds",
            "2",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    # Every strategy's row is printed whole on one line of an 80-column
    # terminal: its full name and its AUC with the spread over seeds.
    for strategy in ("default", "random", "least_confidence"):
        rows = [line for line in result.output.splitlines() if f" {strategy} " in line]
        assert len(rows) == 1, result.output
        assert re.search(r"0\.\d{3} ± 0\.\d{3}", rows[0]), rows[0]
    assert "labels needed to reach" in result.output
    curves = pd.read_csv(tmp_path / "curves.csv")
    assert set(curves["strategy"]) == {"default", "random", "least_confidence"}
    assert curves["n_labels"].max() == 24
    payload = json.loads((tmp_path / "simulation.json").read_text())
    assert payload["config"]["n_rows"] <= 120
    assert {row["strategy"] for row in payload["summary"]} == {
        "default",
        "random",
        "least_confidence",
    }
    assert (tmp_path / "curves.png").stat().st_size > 1000


def test_simulate_featurizes_a_text_column(app: typer.Typer, tmp_path: Path) -> None:
    rows = [(f"win free cash prize {i}", "spam") for i in range(20)]
    rows += [(f"see you at lunch today {i}", "ham") for i in range(20)]
    data = tmp_path / "texts.tsv"
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(data, sep="\t", index=False)
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(data),
            "--label-column",
            "label",
            "--text-column",
            "text",
            "--strategies",
            "entropy",
            "--initial-labels",
            "4",
            "--budget",
            "8",
            "--batch-size",
            "2",
            "--seeds",
            "1",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "curves.csv").exists()


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (["--label-column", "nope"], ColumnNotFoundError, "'nope'"),
        ([], ConfigError, "--label-column"),
        (["--label-column", "quality", "--strategies", "magic"], ConfigError, "magic"),
        (
            ["--label-column", "quality", "--feature-columns", "x,y"],
            ColumnNotFoundError,
            "'x'",
        ),
    ],
)
def test_simulate_bad_input_raises_clear_errors(
    app: typer.Typer, tmp_path: Path, args: list[str], error: type, match: str
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(WINE / "winequality-red.csv"),
            "--sep",
            ";",
            "--out",
            str(tmp_path),
            *args,
        ],
    )
    assert isinstance(result.exception, error)
    assert match in str(result.exception)


def test_simulate_names_a_missing_or_unreadable_file(
    app: typer.Typer, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["simulate", str(tmp_path / "none.csv"), "--label-column", "a"]
    )
    assert isinstance(result.exception, ConfigError)
    assert "none.csv" in str(result.exception)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"nope")
    result = CliRunner().invoke(app, ["simulate", str(broken), "--label-column", "a"])
    assert isinstance(result.exception, ImportFormatError)


NEWS_CONLL = Path(__file__).parents[1] / "fixtures" / "ner" / "news.conll"


def test_simulate_a_conll_file_gives_entity_f1_curves_for_each_strategy_against_random(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "_width", 120)
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(NEWS_CONLL),
            "--task",
            "ner",
            "--strategies",
            "default,dictionary_disagreement,random",
            "--initial-labels",
            "5",
            "--batch-size",
            "5",
            "--budget",
            "20",
            "--seeds",
            "2",
            "--out",
            str(tmp_path / "sim"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "entity f1" in result.output and "random" in result.output
    payload = json.loads((tmp_path / "sim" / "simulation.json").read_text())
    assert payload["metric"] == "entity_f1"
    curves = pd.DataFrame(payload["curves"])
    assert set(curves["strategy"]) == {"default", "dictionary_disagreement", "random"}
    assert set(curves["n_labels"]) == {5, 10, 15, 20}
    assert curves["entity_f1"].between(0, 1).all()
    # Every strategy starts from the same labeled sentences, so the same model.
    first = curves[curves["n_labels"] == 5].groupby("seed")["entity_f1"].nunique()
    assert (first == 1).all()
    assert (tmp_path / "sim" / "curves.png").stat().st_size > 0


def test_simulate_refuses_a_strategy_that_does_not_order_sentences(
    app: typer.Typer, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(NEWS_CONLL),
            "--task",
            "ner",
            "--strategies",
            "margin",
            "--out",
            str(tmp_path / "sim"),
        ],
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "Unknown span strategy 'margin'" in str(result.exception)
