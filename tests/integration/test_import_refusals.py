"""Bad input through ``import_path`` on SQLite and PostgreSQL.

Each is refused with a sentence naming the file and the row, line or image, and
leaves the database exactly as it was; then the file imports once the user does
what the sentence says.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.config import Settings
from activelabel.exceptions import (
    EncodingError,
    FieldTooLargeError,
    ImportFormatError,
    MediaError,
)
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, Project


def snapshot(store: Store) -> dict[str, Any]:
    """Every row an import may write, to compare before and after a refusal."""
    with store.session() as session:
        return {
            "items": [
                (i.project_id, i.external_id, i.data, i.media_path)
                for i in session.scalars(select(Item).order_by(Item.id))
            ],
            "annotations": [
                (a.item_id, a.value, a.source)
                for a in session.scalars(select(Annotation).order_by(Annotation.id))
            ],
            "configs": [
                p.config for p in session.scalars(select(Project).order_by(Project.id))
            ],
        }


def refused(store: Store, error: type[Exception], match: str, **kwargs: Any) -> None:
    """``import_path(**kwargs)`` raises ``error`` and changes nothing stored."""
    before = snapshot(store)
    with pytest.raises(error, match=match):
        import_path(store, **kwargs)
    assert snapshot(store) == before


@pytest.fixture
def stocked(store: Store, project_factory) -> Store:
    """A store whose project "p" already holds items, so "unchanged" means something."""
    project_factory("p", items=[{"text": "already here"}, {"text": "and here"}])
    return store


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that claims ``width`` x ``height`` 1-bit pixels and holds almost none.

    Under 100 bytes on disk; Pillow refuses it from the header, before decoding.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )
    return path


def test_a_decompression_bomb_image_names_the_file_and_the_limit(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("img", labels=("cat", "dog"), modality="image", items=[])
    folder = tmp_path / "photos"
    (folder / "cat").mkdir(parents=True)
    png_header_only(folder / "cat" / "huge.png", 60_000, 60_000)
    assert (folder / "cat" / "huge.png").stat().st_size < 100
    refused(
        store,
        MediaError,
        r"The image 'cat/huge.png' is larger than the image size limit "
        r"\(3,600,000,000 pixels, over the limit of 178,956,970\).*--max-image-pixels",
        project_name="img",
        source=folder,
    )


def test_a_nested_json_object_as_the_text_names_the_file_row_and_column(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    rows = [{"text": "plain"}, {"text": "fine"}, {"text": {"title": "x", "body": "y"}}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    refused(
        stocked,
        ImportFormatError,
        r"posts.jsonl, line 3: the text column 'text' holds a JSON object, not text\. "
        r"Choose a column that holds text with --text-column",
        project_name="p",
        source=path,
    )
    (tmp_path / "list.json").write_text(json.dumps([{"text": ["a", "b"]}]))
    refused(
        stocked,
        ImportFormatError,
        r"list.json, row 1: the text column 'text' holds a JSON array",
        project_name="p",
        source=tmp_path / "list.json",
    )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_field_over_the_limit_is_refused_while_reading_and_nothing_is_stored(
    stocked: Store, tmp_path: Path, suffix: str
) -> None:
    big = "x" * 200_000
    path = tmp_path / f"big{suffix}"
    if suffix == ".csv":
        path.write_text(f"text\nsmall\n{big}\n")
    else:
        path.write_text(
            json.dumps({"text": "small"}) + "\n" + json.dumps({"text": big})
        )
    refused(
        stocked,
        FieldTooLargeError,
        rf"big{suffix}, row 2: .*over the limit of 10,000 bytes",
        project_name="p",
        source=path,
        settings=Settings(max_field_bytes=10_000),
    )


def test_a_utf16_file_is_told_to_pass_utf16_and_imports_with_it(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes("text\nna\u00efve\nsecond\n".encode("utf-16"))
    refused(
        stocked,
        EncodingError,
        r"notes.csv is not utf-8: it starts with a UTF-16 byte-order mark\. "
        r"Pass --encoding utf-16",
        project_name="p",
        source=path,
    )
    assert import_path(stocked, "p", path, encoding="utf-16").items_added == 2
    with stocked.session() as session:
        texts = set(session.scalars(select(Item.data["text"].as_string())))
    assert "na\u00efve" in texts


def test_an_encoding_error_names_the_line(stocked: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"text\nok\nfine\ncaf\xe9\n")
    refused(
        stocked,
        EncodingError,
        r"latin.csv is not valid utf-8: byte 0xe9 on line 4",
        project_name="p",
        source=path,
    )


def test_an_unknown_suffix_is_refused_with_the_formats_and_imports_with_format(
    stocked: Store, tmp_path: Path
) -> None:
    path = tmp_path / "export.xlsx"
    path.write_text("text\nhello\n")
    refused(
        stocked,
        ImportFormatError,
        r"export.xlsx ends in '.xlsx'.*It reads csv, tsv, jsonl, json, parquet.*--format",
        project_name="p",
        source=path,
    )
    assert import_path(stocked, "p", path, fmt="csv").items_added == 1


def test_a_csv_of_2000_columns_imports_every_column(
    store: Store, project_factory, tmp_path: Path
) -> None:
    project_factory("wide", task="classification", labels=("a", "b"))
    columns = ["text", "label"] + [f"f{i}" for i in range(1998)]
    lines = [",".join(columns)]
    for r in range(40):
        values = [f"row {r}", "ab"[r % 2]] + [str(r * i) for i in range(1998)]
        lines.append(",".join(values))
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n")
    report = import_path(
        store, "wide", path, text_column="text", label_column="label", id_column="text"
    )
    assert (report.items_added, report.labels_added) == (40, 40)
    with store.session() as session:
        item = session.scalars(select(Item).where(Item.external_id == "row 39")).one()
    assert set(item.data) == set(columns) - {"label"}
    assert item.data["f1997"] == str(39 * 1997)


def test_import_max_image_pixels_sets_the_limit_for_that_import_only(
    db_url: str, tmp_path: Path
) -> None:
    from PIL import Image

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, [*args, "--db", db_url])
        return result.exit_code, " ".join((result.stdout + result.stderr).split())

    default = Image.MAX_IMAGE_PIXELS
    run("init", "pets", "--labels", "cat,dog", "--modality", "image")
    images = Path(__file__).parent.parent / "fixtures" / "images"  # 32 x 32 pixels
    code, said = run("import", "pets", str(images), "--max-image-pixels", "1000")
    assert code == 1
    assert (
        "larger than the image size limit (1,024 pixels, over the limit of 1,000)"
        in said
    )
    assert Image.MAX_IMAGE_PIXELS == default
    code, said = run("import", "pets", str(images), "--max-image-pixels", "1024")
    assert code == 0, said
    assert "12 new items" in said
