"""Boxes made relative to the decoded image, and images found where formats put them."""

from __future__ import annotations

from pathlib import Path

import pytest

from activelabel.exceptions import InvalidLabelError
from activelabel.io.box_rows import relative_box
from activelabel.io.readers.box_sources import find_image, orphans_note


def box(x: float, y: float, w: float, h: float, **extra: object) -> dict[str, object]:
    return {"x": x, "y": y, "w": w, "h": h, "label": "cat", **extra}


def test_a_pixel_box_is_divided_by_the_images_width_and_height() -> None:
    assert relative_box(box(64, 48, 320, 240, score=0.5), "pixels", 640, 480, "f") == {
        "x": 0.1,
        "y": 0.1,
        "w": 0.5,
        "h": 0.5,
        "label": "cat",
        "score": 0.5,
    }


def test_an_edge_within_half_a_pixel_outside_is_moved_onto_the_images_edge() -> None:
    converted = relative_box(box(-0.4, 0, 640.8, 480.2), "pixels", 640, 480, "f")
    assert (converted["x"], converted["y"], converted["w"], converted["h"]) == (
        0.0,
        0.0,
        1.0,
        1.0,
    )


def test_a_relative_edge_within_a_millionth_outside_is_moved_onto_the_edge() -> None:
    converted = relative_box(box(-5e-7, 0.5, 0.2, 0.5000004), "relative", 10, 10, "f")
    assert converted["x"] == 0.0 and converted["w"] == pytest.approx(0.1999995)
    assert converted["y"] + converted["h"] == 1.0


@pytest.mark.parametrize(
    ("given", "units", "message"),
    [
        (box(10, 10, 0, 5), "pixels", r"f, line 3: the box 'cat' has zero or negative"),
        (box(10, 10, 5, -1), "pixels", r"zero or negative size \(5 × -1 pixels\)"),
        (box(600, 10, 41, 5), "pixels", r"reaches outside the 640 × 480 image"),
        (box(0.5, 0.5, 0.5, 0.6), "relative", r"reaches outside the 640 × 480 image"),
    ],
)
def test_a_box_of_no_size_or_outside_the_image_is_refused_with_its_place(
    given: dict[str, object], units: str, message: str
) -> None:
    with pytest.raises(InvalidLabelError, match=message):
        relative_box(given, units, 640, 480, "f, line 3")


def test_an_image_is_found_by_its_path_then_by_its_file_name_under_each_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "images" / "pets").mkdir(parents=True)
    cat = tmp_path / "images" / "pets" / "cat.jpg"
    cat.write_bytes(b"")
    assert find_image("pets/cat.jpg", [None, tmp_path, tmp_path / "images"]) == cat
    # A Label Studio upload path and local-files URL.
    assert find_image("/data/upload/3/cat.jpg", [tmp_path / "images" / "pets"]) == cat
    assert find_image("/data/local-files/?d=pets/cat.jpg", [tmp_path / "images"]) == cat
    assert find_image(str(cat), []) == cat
    assert find_image("../images/pets/cat.jpg", [tmp_path]) == cat
    assert find_image("dog.jpg", [tmp_path, tmp_path / "images"]) is None


def test_the_orphans_note_names_twenty_files_and_counts_the_rest() -> None:
    names = [f"labels/{n:03d}.txt" for n in range(23)]
    note = orphans_note(Path("set"), names)
    assert note.startswith("set: 23 label files have no image and were not imported: ")
    assert "labels/019.txt and 3 more." in note and "labels/020.txt" not in note
