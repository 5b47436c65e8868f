"""Streaming readers: formats, batches, and the errors for bad files."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from activelabel.exceptions import (
    ConfigError,
    EncodingError,
    FieldTooLargeError,
    ImportFormatError,
)
from activelabel.io.readers import detect_format, read_batches
from activelabel.io.readers.batches import MAX_BATCH_CELLS


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


def test_an_unknown_suffix_is_refused_listing_the_formats(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_text("text\nhello\n")
    with pytest.raises(
        ImportFormatError,
        match=r"sheet.xlsx ends in '.xlsx'.*csv, tsv, jsonl, json, parquet.*--format",
    ):
        detect_format(path)
    assert rows(path, fmt="csv") == [{"text": "hello"}]


def test_a_file_without_a_suffix_is_read_as_csv_or_tsv_by_its_first_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "commas").write_text("a,b\n1,2\n")
    (tmp_path / "tabs").write_text("a\tb\n1\t2\n")
    assert detect_format(tmp_path / "commas") == "csv"
    assert detect_format(tmp_path / "tabs") == "tsv"


@pytest.mark.parametrize("name", ["a.csv", "a.tsv", "a.jsonl", "a.json"])
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_utf16_read_as_utf8_is_told_to_pass_utf16_and_then_reads(
    tmp_path: Path, name: str, codec: str
) -> None:
    text = {
        "a.csv": "id,text\n1,caf\u00e9\n",
        "a.tsv": "id\ttext\n1\tcaf\u00e9\n",
        "a.jsonl": '{"id": "1", "text": "caf\u00e9"}\n',
        "a.json": '[{"id": "1", "text": "caf\u00e9"}]',
    }[name]
    path = tmp_path / name
    path.write_bytes(text.encode(codec))  # "utf-16" writes a byte-order mark
    with pytest.raises(EncodingError, match=rf"{name} is not utf-8.*--encoding utf-16"):
        rows(path)
    assert rows(path, encoding=codec) == [{"id": "1", "text": "caf\u00e9"}]


def test_utf32_with_a_byte_order_mark_is_told_to_pass_utf32(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("text\nhi\n".encode("utf-32"))
    with pytest.raises(EncodingError, match="--encoding utf-32"):
        rows(path)


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(
    tmp_path: Path,
) -> None:
    for name, text in (("a.csv", "text\nhi\n"), ("a.jsonl", '{"text": "hi"}\n')):
        path = tmp_path / name
        path.write_bytes("\ufeff".encode() + text.encode())
        assert rows(path) == [{"text": "hi"}]


@pytest.mark.parametrize(
    "name,lines",
    [
        ("a.csv", ["id,text", "1,ok", "2,ok", "3,caf\xe9"]),
        ("a.tsv", ["id\ttext", "1\tok", "2\tok", "3\tcaf\xe9"]),
        ("a.jsonl", ['{"t": "ok"}', '{"t": "ok"}', "", '{"t": "caf\xe9"}']),
        ("a.json", ["[", '{"t": "ok"},', '{"t": "ok"},', '{"t": "caf\xe9"}]']),
    ],
)
def test_an_encoding_error_names_the_line(
    tmp_path: Path, name: str, lines: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    with pytest.raises(
        EncodingError, match=r"byte 0xe9 on line 4 .*--encoding latin-1"
    ):
        rows(path)


def test_a_header_of_one_name_repeated_is_numbered_in_linear_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / "same.csv"
    path.write_text(",".join("x" for _ in range(20_000)) + "\n" + "1," * 19_999 + "2\n")
    (row,) = rows(path)
    assert list(row)[:3] == ["x", "x.1", "x.2"] and row["x.19999"] == "2"


def test_csv_keeps_quoted_newlines_names_blank_headers_and_numbers_repeats(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b'a,a,\r\n1,"two\r\nlines",3\r\n\r\n4,5\r\n')
    assert rows(path) == [
        {"a": "1", "a.1": "two\r\nlines", "Unnamed: 2": "3"},
        {"a": "4", "a.1": "5", "Unnamed: 2": ""},  # a short row ends in empty fields
    ]


def test_a_wide_csv_reads_every_column(tmp_path: Path) -> None:
    header = [f"c{i}" for i in range(2000)]
    path = tmp_path / "wide.csv"
    body = "".join(",".join(f"{r}-{i}" for i in range(2000)) + "\n" for r in range(30))
    path.write_text(",".join(header) + "\n" + body)
    got = rows(path, batch_size=7)
    assert len(got) == 30
    assert list(got[29]) == header
    assert got[29]["c1999"] == "29-1999"


LIMIT = 64 * 1024


def oversize_files(tmp_path: Path) -> dict[str, Path]:
    """One file per way a field can be 50 times the limit, on row 2."""
    big = "x" * (50 * LIMIT)
    texts = {
        "unquoted.csv": f"id,text\n1,ok\n2,{big}\n3,ok\n",
        "quoted.csv": f'id,text\n1,ok\n2,"{big}"\n3,ok\n',
        # A quoted field spanning many short lines: no line is long.
        "lines.csv": 'id,text\n1,ok\n2,"'
        + ("z" * 80 + "\n") * (50 * LIMIT // 81)
        + '"\n3,ok\n',
        # A quoted field that starts on a short line and goes on in a long one.
        "continued.csv": f'id,text\n1,ok\n2,"starts here\n{big}"\n3,ok\n',
        "a.tsv": f"id\ttext\n1\tok\n2\t{big}\n3\tok\n",
        "a.jsonl": f'{{"id": 1, "text": "ok"}}\n{{"id": 2, "text": "{big}"}}\n',
        "a.json": f'[{{"id": 1, "text": "ok"}}, {{"id": 2, "text": "{big}"}}]',
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text)
    return paths


@pytest.mark.parametrize(
    "name",
    [
        "unquoted.csv",
        "continued.csv",
        "quoted.csv",
        "lines.csv",
        "a.tsv",
        "a.jsonl",
        "a.json",
    ],
)
def test_a_field_over_the_limit_is_refused_before_it_is_read_whole(
    tmp_path: Path, name: str
) -> None:
    path = oversize_files(tmp_path)[name]
    fmt = detect_format(path)
    tracemalloc.start()
    try:
        with pytest.raises(
            FieldTooLargeError, match=r"row 2: .* over the limit of 65,536"
        ):
            for _ in read_batches(path, fmt=fmt, max_field_bytes=LIMIT):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The field is 50 times the limit; reading stays within a few times the limit.
    assert peak < 8 * LIMIT, f"{peak:,} bytes at the peak"


def test_a_wide_row_of_small_fields_is_not_a_field_over_the_limit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wide.csv"
    n = 3000  # about 40 KB a row, over a 10 KB limit, every field short
    path.write_text(
        ",".join(f"c{i}" for i in range(n))
        + "\n"
        + ",".join(f'"v,{i}"' for i in range(n))
        + "\n"
    )
    got = rows(path, max_field_bytes=10_000)
    assert got[0]["c2999"] == "v,2999"
    tsv = tmp_path / "wide.tsv"
    tsv.write_text(
        "\t".join(f"c{i}" for i in range(n))
        + "\n"
        + "\t".join("v" * 9 for _ in range(n))
        + "\n"
    )
    assert rows(tsv, max_field_bytes=10_000)[0]["c2999"] == "v" * 9
    jsonl = tmp_path / "wide.jsonl"
    jsonl.write_text(json.dumps({f"c{i}": "v\u00e9" * 3 for i in range(n)}) + "\n")
    assert len(rows(jsonl, max_field_bytes=10_000)[0]) == n


def test_a_batch_of_a_wide_file_ends_at_the_cell_cap(tmp_path: Path) -> None:
    columns = MAX_BATCH_CELLS // 10 + 1  # ten rows would pass the cap
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(columns)) + "\n"
    path.write_text(header + ("1," * (columns - 1) + "1\n") * 25)
    batches = list(read_batches(path, fmt="csv", batch_size=5_000))
    assert [len(b.rows) for b in batches] == [10, 10, 5]
    assert [b.first_row for b in batches] == [1, 11, 21]
