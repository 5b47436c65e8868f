"""Streaming readers: formats, batches, and the errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from activelabel.exceptions import ConfigError, EncodingError, ImportFormatError
from activelabel.io.readers import detect_format, read_batches


def rows(path: Path, **kwargs: object) -> list[dict[str, object]]:
    fmt = detect_format(path, kwargs.pop("fmt", None))  # type: ignore[arg-type]
    out: list[dict[str, object]] = []
    for batch in read_batches(path, fmt=fmt, **kwargs):  # type: ignore[arg-type]
        out.extend(batch.rows)
    return out


def test_csv_values_stay_exact_strings(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('id,text\n00123,"hello, world"\n2,NA\n', encoding="utf-8")
    assert rows(path) == [
        {"id": "00123", "text": "hello, world"},
        {"id": "2", "text": "NA"},
    ]


def test_csv_is_read_in_batches_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("t\n" + "".join(f"r{i}\n" for i in range(10)), encoding="utf-8")
    batches = list(read_batches(path, fmt="csv", batch_size=4))
    assert [b.first_row for b in batches] == [1, 5, 9]
    assert [len(b.rows) for b in batches] == [4, 4, 2]


def test_unquoted_tsv_keeps_quote_characters_as_data(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.write_text('ham\t"Hi\nspam\tWin "now\n', encoding="utf-8")
    assert detect_format(path) == "tsv"
    got = rows(path, header=False, names=["label", "text"])
    assert got == [
        {"label": "ham", "text": '"Hi'},
        {"label": "spam", "text": 'Win "now'},
    ]


def test_jsonl_json_array_and_parquet_give_the_same_rows(tmp_path: Path) -> None:
    records = [{"id": i, "text": f"t{i}", "tags": ["a"]} for i in range(7)]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (tmp_path / "a.json").write_text(json.dumps(records, indent=2))
    pd.DataFrame(records).to_parquet(tmp_path / "a.parquet")
    for name in ("a.jsonl", "a.json", "a.parquet"):
        assert rows(tmp_path / name, batch_size=3) == records, name


def test_non_utf8_file_names_the_encoding_to_pass(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("text\ncafé\n".encode("latin-1"))
    with pytest.raises(EncodingError, match=r"not valid utf-8.*--encoding latin-1"):
        rows(path)
    assert rows(path, encoding="latin-1") == [{"text": "café"}]


def test_unknown_encoding_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("t\nx\n")
    with pytest.raises(ConfigError, match="Unknown encoding 'utf-99'"):
        rows(path, encoding="utf-99")


def test_malformed_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(
        ImportFormatError, match=r"bad.csv is not well-formed CSV.*line 3"
    ):
        rows(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ImportFormatError, match="is empty"):
        rows(path)


def test_invalid_json_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(ImportFormatError, match="line 2: not valid JSON"):
        rows(path)


def test_json_array_of_non_objects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("[1, 2]")
    with pytest.raises(ImportFormatError, match="element 1: expected a JSON object"):
        rows(path)


def test_json_object_at_top_level_suggests_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"a": 1}')
    with pytest.raises(ImportFormatError, match="use JSON Lines"):
        rows(path)


def test_large_json_array_streams_across_chunk_boundaries(tmp_path: Path) -> None:
    records = [{"id": i, "text": "x" * 5000} for i in range(400)]  # ~2 MB > one chunk
    path = tmp_path / "big.json"
    path.write_text(json.dumps(records))
    assert [r["id"] for r in rows(path, batch_size=100)] == list(range(400))


def test_unknown_format_lists_the_formats(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="csv, tsv, jsonl, json, parquet"):
        detect_format(tmp_path / "a.csv", "xlsx")
