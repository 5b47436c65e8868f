"""The plain-text reader: one item per non-blank line, placed at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from activelabel.exceptions import FieldTooLargeError, ImportFormatError
from activelabel.io.readers import read_batches

NER = Path(__file__).parent.parent / "fixtures" / "ner"


def test_each_non_blank_line_is_an_item_placed_at_its_line() -> None:
    (batch,) = read_batches(NER / "news_lines.txt", fmt="lines")
    assert len(batch.rows) == 10
    assert batch.rows[0] == {
        "text": "The new vessels will run on liquefied natural gas, the company said."
    }
    assert batch.places is not None
    # The blank sixth line is skipped: the sixth item is on line 7.
    assert batch.places[4:6] == ["line 5", "line 7"]


def test_spaces_around_a_line_are_not_part_of_its_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("  Ada sings \r\n\tBo dances\n")
    rows = [r for b in read_batches(path, fmt="lines") for r in b.rows]
    assert rows == [{"text": "Ada sings"}, {"text": "Bo dances"}]


def test_a_file_of_blank_lines_holds_no_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("\n  \n\n")
    with pytest.raises(ImportFormatError, match=r"blank.txt holds no text"):
        list(read_batches(path, fmt="lines"))


def test_a_line_over_the_field_limit_is_refused_while_it_is_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "long.txt"
    path.write_text("short\n" + "x" * 5_000 + "\n")
    with pytest.raises(
        FieldTooLargeError, match=r"long.txt, row 2: the field 'text' is over the limit"
    ):
        list(read_batches(path, fmt="lines", max_field_bytes=1_000))
