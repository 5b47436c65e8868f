"""The readers' registry: a format is a module with its FORMAT and a line in READERS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from activelabel.exceptions import ConfigError
from activelabel.io.readers import (
    READERS,
    Batch,
    ReaderFormat,
    ReadOptions,
    check_reads,
    detect_format,
    read_batches,
)


def test_the_built_in_formats_and_their_suffixes() -> None:
    assert list(READERS) == [
        "csv",
        "tsv",
        "jsonl",
        "json",
        "parquet",
        "conll",
        "labelstudio",
        "lines",
        "yolo",
        "coco",
        "voc",
    ]
    assert detect_format(Path("a.ndjson")) == "jsonl"
    assert detect_format(Path("a.tab")) == "tsv"
    assert detect_format(Path("a.pq")) == "parquet"
    assert detect_format(Path("a.iob")) == "conll"
    # .txt stays a TSV for row projects; a span project reads it as lines.
    assert detect_format(Path("a.txt")) == "tsv"


def read_label_folder(options: ReadOptions) -> Iterator[Batch]:
    """A folder format: one row per ``<name>.txt`` file, its text as the label."""
    files = sorted(options.path.glob("*.txt"))
    yield Batch(1, [{"name": f.stem, "label": f.read_text().strip()} for f in files])


def test_a_registered_folder_format_is_read_through_read_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        READERS,
        "labels-folder",
        ReaderFormat("labels-folder", (), read_label_folder, text=False, folder=True),
    )
    (tmp_path / "a.txt").write_text("cat\n")
    (tmp_path / "b.txt").write_text("dog\n")
    assert detect_format(tmp_path, "labels-folder") == "labels-folder"
    rows = [
        row
        for batch in read_batches(tmp_path, fmt="labels-folder")
        for row in batch.rows
    ]
    assert rows == [{"name": "a", "label": "cat"}, {"name": "b", "label": "dog"}]
    with pytest.raises(ConfigError, match="--columns names the columns of a CSV"):
        next(read_batches(tmp_path, fmt="labels-folder", names=["x"]))


def test_labels_in_a_format_the_task_does_not_read_are_refused_naming_both() -> None:
    check_reads("classification", "parquet")
    check_reads("ner", "jsonl")
    with pytest.raises(
        ConfigError,
        match=r"A ner project's labels cannot be imported from csv: ner labels are "
        r"read from conll, jsonl, json, labelstudio, lines\.",
    ):
        check_reads("ner", "csv")
