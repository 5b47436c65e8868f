"""The pure pieces of the exporters: format choice, column naming and typing, writers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from activelabel.exceptions import ConfigError
from activelabel.io.export import LABEL_COLUMNS, kind_for_json_types, label_columns
from activelabel.io.writers import (
    MISSING,
    Column,
    Kind,
    format_for,
    neutralise_formula,
    open_writer,
    to_iso,
)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("a.CSV", "csv"),
        ("a.jsonl", "jsonl"),
        ("a.parquet", "parquet"),
    ],
)
def test_format_from_suffix(name: str, fmt: str) -> None:
    assert format_for(Path(name), None) == fmt


def test_json_suffix_is_refused_with_a_hint() -> None:
    with pytest.raises(ConfigError, match=r"JSON Lines files end in \.jsonl"):
        format_for(Path("labels.json"), None)


def test_explicit_format_wins_and_is_checked() -> None:
    assert format_for(Path("labels.txt"), "Parquet") == "parquet"
    with pytest.raises(ConfigError, match=r"csv .*jsonl .*parquet"):
        format_for(Path("labels.csv"), "xlsx")


@pytest.mark.parametrize(
    ("types", "kind"),
    [
        ({"text"}, Kind.STRING),
        ({"text", "null"}, Kind.STRING),
        ({"integer"}, Kind.INT),
        ({"integer", "null"}, Kind.INT),
        ({"integer", "real"}, Kind.FLOAT),
        ({"true", "false"}, Kind.BOOL),
        ({"integer", "text"}, Kind.STRING),
        ({"array"}, Kind.STRING),
        ({"null"}, Kind.STRING),
        (set(), Kind.STRING),
    ],
)
def test_kind_for_json_types(types: set[str], kind: Kind) -> None:
    assert kind_for_json_types(types) is kind


def test_label_columns_without_collisions() -> None:
    columns, renamed = label_columns([Column("text")], media=False)
    assert [c.name for c in columns] == [
        "external_id",
        "text",
        *(c.name for c in LABEL_COLUMNS),
    ]
    assert renamed == {}


def test_only_colliding_data_fields_are_renamed_with_data_prefix() -> None:
    fields = [
        Column("label", Kind.INT),
        Column("external_id"),
        Column("data_label"),
        Column("media_path"),
    ]
    columns, renamed = label_columns(fields, media=True)
    assert renamed == {
        "label": "data_data_label",
        "external_id": "data_external_id",
        "media_path": "data_media_path",
    }
    assert [c.name for c in columns] == [
        "external_id",
        "data_data_label",
        "data_external_id",
        "data_label",
        "data_media_path",
        "media_path",
        *(c.name for c in LABEL_COLUMNS),
    ]
    # A renamed field keeps its type.
    assert columns[1].kind is Kind.INT


def test_media_path_is_only_ours_in_media_projects() -> None:
    columns, renamed = label_columns([Column("media_path")], media=False)
    assert renamed == {}
    assert [c.name for c in columns][:2] == ["external_id", "media_path"]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-inf", "'-inf"),
        # Numbers stay numbers.
        ("-3", "-3"),
        ("+3", "+3"),
        ("-0.5", "-0.5"),
        ("-1e5", "-1e5"),
        ("+.5", "+.5"),
        # Only the first character counts.
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
    ],
)
def test_neutralise_formula(text: str, written: str) -> None:
    assert neutralise_formula(text) == written


def test_csv_writer_neutralises_formula_cells_and_keeps_numbers(
    tmp_path: Path,
) -> None:
    columns = [Column("s"), Column("i", Kind.INT), Column("=h")]
    writer = open_writer("csv", tmp_path / "x.csv", columns)
    writer.write([["=1+1", -3, "-3"], ["@x", -2, ["=a"]]])
    writer.close()
    assert (tmp_path / "x.csv").read_text().splitlines() == [
        "s,i,'=h",
        "'=1+1,-3,-3",
        '\'@x,-2,"[""=a""]"',
    ]


def test_csv_writer_keeps_formula_cells_when_asked(tmp_path: Path) -> None:
    writer = open_writer(
        "csv", tmp_path / "x.csv", [Column("s")], escape_formulas=False
    )
    writer.write([["=1+1"], ["@x"]])
    writer.close()
    assert (tmp_path / "x.csv").read_text().splitlines() == ["s", "=1+1", "@x"]


def test_jsonl_and_parquet_keep_formula_text(tmp_path: Path) -> None:
    for fmt in ("jsonl", "parquet"):
        writer = open_writer(fmt, tmp_path / f"x.{fmt}", [Column("s")])
        writer.write([["=1+1"]])
        writer.close()
    assert json.loads((tmp_path / "x.jsonl").read_text()) == {"s": "=1+1"}
    assert pq.read_table(tmp_path / "x.parquet").column("s").to_pylist() == ["=1+1"]


def test_to_iso_is_utc_with_z() -> None:
    naive = dt.datetime(2026, 1, 2, 3, 4, 5, 6)
    assert to_iso(naive) == "2026-01-02T03:04:05.000006Z"
    plus_two = dt.datetime(
        2026, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )
    assert to_iso(plus_two) == "2026-01-02T03:04:05Z"


COLUMNS = [
    Column("s"),
    Column("i", Kind.INT),
    Column("b", Kind.BOOL),
    Column("t", Kind.TIMESTAMP),
]
ROWS = [
    ["plain", 1, True, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
    [["a", "b"], None, False, None],
    [MISSING, MISSING, MISSING, None],
]


def test_csv_writer_cells(tmp_path: Path) -> None:
    writer = open_writer("csv", tmp_path / "x.csv", COLUMNS)
    writer.write(ROWS)
    writer.close()
    assert (tmp_path / "x.csv").read_text().splitlines() == [
        "s,i,b,t",
        "plain,1,true,2026-01-01T00:00:00Z",
        '"[""a"",""b""]",,false,',
        ",,,",
    ]
    assert writer.rows == 3


def test_jsonl_writer_keeps_native_values_and_omits_missing(tmp_path: Path) -> None:
    writer = open_writer("jsonl", tmp_path / "x.jsonl", COLUMNS)
    writer.write(ROWS)
    writer.close()
    lines = [
        json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()
    ]
    assert lines[0] == {"s": "plain", "i": 1, "b": True, "t": "2026-01-01T00:00:00Z"}
    assert lines[1]["s"] == ["a", "b"] and lines[1]["i"] is None
    assert lines[2] == {"t": None}


def test_parquet_writer_types(tmp_path: Path) -> None:
    writer = open_writer("parquet", tmp_path / "x.parquet", COLUMNS)
    writer.write(ROWS[:2])
    writer.write([])
    writer.write(ROWS[2:])
    writer.close()
    table = pq.read_table(tmp_path / "x.parquet")
    assert [str(t) for t in table.schema.types] == [
        "string",
        "int64",
        "bool",
        "timestamp[us, tz=UTC]",
    ]
    assert table.column("s").to_pylist() == ["plain", '["a","b"]', None]
    assert table.column("b").to_pylist() == [True, False, None]
