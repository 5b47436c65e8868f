"""``activelabel simulate --media-column ... --augment``: media replayed with copies."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from activelabel.cli import app

FIXTURES = Path(__file__).parent.parent / "fixtures"

runner = CliRunner()


def _photos_csv(folder: Path) -> Path:
    """A labels file naming the fixture photos relative to its own folder."""
    rows = ["file,label"]
    for photo in sorted((FIXTURES / "images").rglob("*.jpg")):
        rows.append(f"{photo.relative_to(FIXTURES)},{photo.parent.name}")
    table = folder / "labels.csv"
    table.write_text("\n".join(rows) + "\n")
    return table


def test_simulate_replays_photos_with_and_without_augmented_copies(
    tmp_path: Path,
) -> None:
    table = _photos_csv(tmp_path)
    # The files sit beside the fixtures, so the table names them from there.
    (tmp_path / "images").symlink_to(FIXTURES / "images")
    common = [
        "simulate",
        str(table),
        "--label-column",
        "label",
        "--media-column",
        "file",
        "--strategies",
        "random",
        "--initial-labels",
        "4",
        "--batch-size",
        "2",
        "--budget",
        "8",
        "--seeds",
        "1",
        "--test-size",
        "0.25",
    ]
    for flags, out in (([], "plain"), (["--augment"], "augmented")):
        result = runner.invoke(app, [*common, *flags, "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.stdout + result.stderr
        record = json.loads((tmp_path / out / "simulation.json").read_text())
        assert record["config"]["augmented"] is (out == "augmented")
        assert record["config"]["features"] == "media:file"
        assert [r["n_labels"] for r in record["curves"]] == [4, 6, 8]


def test_simulate_refuses_augment_without_media_and_names_the_option(
    tmp_path: Path,
) -> None:
    table = tmp_path / "texts.csv"
    table.write_text("text,label\nhello,a\nbye,b\n")
    result = runner.invoke(
        app,
        [
            "simulate",
            str(table),
            "--label-column",
            "label",
            "--text-column",
            "text",
            "--augment",
        ],
    )
    assert result.exit_code != 0
    assert "--augment needs --media-column" in " ".join(
        (result.stdout + result.stderr).split()
    )
