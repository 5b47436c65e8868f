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
    columns, names = label_columns([Column("text")], media=False)
    assert [c.name for c in columns] == [
        "external_id",
        "text",
        *(c.name for c in LABEL_COLUMNS),
    ]
    assert names["label"] == "label"


def test_label_columns_prefix_only_colliding_names() -> None:
    fields = [Column("label"), Column("external_id"), Column("activelabel_label")]
    columns, names = label_columns(fields, media=True)
    assert names == {
        "external_id": "activelabel_external_id",
        "media_path": "media_path",
        "label": "activelabel_activelabel_label",
        "n_annotators": "n_annotators",
        "agreement": "agreement",
        "label_source": "label_source",
        "status": "status",
    }
    assert [c.name for c in columns][:5] == [
        "activelabel_external_id",
        "label",
        "external_id",
        "activelabel_label",
        "media_path",
    ]


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
