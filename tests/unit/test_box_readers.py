"""The box readers: YOLO folders, COCO JSON, Pascal VOC folders, Label Studio rectangles.

Each yields one row per image (the file found, its boxes in the format's units,
``None`` for an image nobody labeled) and refuses bad input with a sentence
naming the file and line. The fixture is a cut of coco128 whose boxes are
written in every format (tests/fixtures/detection/README.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import ConfigError, ImportFormatError
from activelabel.io.readers import detect_folder_format, detect_format, read_batches
from activelabel.io.readers.box_sources import BOXES, IMAGE, PREDICTED, UNITS
from activelabel.io.readers.yolo import label_file_of

DETECTION = Path(__file__).parent.parent / "fixtures" / "detection"
CLASSES = (DETECTION / "classes.txt").read_text().split("\n")[:80]
LABELED = sorted(p.stem for p in (DETECTION / "voc").glob("*.xml"))


def rows(path: Path, fmt: str, **kw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    notes: list[str] = []
    found = [
        row
        for batch in read_batches(path, fmt=fmt, boxes=True, notes=notes, **kw)
        for row in batch.rows
    ]
    return found, notes


def by_stem(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {Path(row[IMAGE]).stem: row for row in found}


def yolo_boxes(stem: str) -> list[tuple[str, float, float, float, float]]:
    """The fixture's YOLO boxes of an image, as (label, x, y, w, h) relative."""
    boxes = []
    for line in (DETECTION / "labels" / f"{stem}.txt").read_text().splitlines():
        c, xc, yc, w, h = line.split()
        boxes.append(
            (
                CLASSES[int(c)],
                float(xc) - float(w) / 2,
                float(yc) - float(h) / 2,
                float(w),
                float(h),
            )
        )
    return boxes


def test_a_yolo_folder_yields_every_image_with_its_boxes_and_names_the_orphan_label_file() -> (
    None
):
    found, notes = rows(DETECTION, "yolo")
    images = by_stem(found)
    assert len(found) == 11
    assert images["000000000250"][BOXES] is None  # no label file: unlabeled
    for stem in LABELED:
        row = images[stem]
        assert row[UNITS] == "relative"
        got = [(b["label"], b["x"], b["y"], b["w"], b["h"]) for b in row[BOXES]]
        for (label, *box), (want_label, *want) in zip(
            got, yolo_boxes(stem), strict=True
        ):
            assert label == want_label
            assert box == pytest.approx(want, abs=1e-6)
            assert min(box) >= 0 and box[0] + box[2] <= 1 and box[1] + box[3] <= 1
    assert notes == [
        f"{DETECTION}: 1 label file has no image and was not imported: "
        "labels/000000000656.txt."
    ]


def test_an_empty_yolo_label_file_is_an_image_labeled_with_no_boxes(
    tmp_path: Path,
) -> None:
    shutil.copy(DETECTION / "images" / "000000000250.jpg", tmp_path / "a.jpg")
    shutil.copy(DETECTION / "images" / "000000000472.jpg", tmp_path / "b.jpg")
    (tmp_path / "a.txt").write_text("")
    (tmp_path / "b.txt").write_text("1 0.5 0.5 0.2 0.4 0.75\n")
    found, _ = rows(tmp_path, "yolo", classes=("cat", "dog"))
    images = by_stem(found)
    assert images["a"][BOXES] == []
    (box,) = images["b"][BOXES]
    assert box["label"] == "dog" and box["score"] == 0.75
    assert (box["x"], box["y"], box["w"], box["h"]) == pytest.approx(
        (0.4, 0.3, 0.2, 0.4)
    )


def test_a_yolo_label_file_is_found_by_swapping_the_last_images_folder_for_labels(
    tmp_path: Path,
) -> None:
    image = tmp_path / "images" / "train" / "x.jpg"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"")
    swapped = tmp_path / "labels" / "train" / "x.txt"
    swapped.parent.mkdir(parents=True)
    swapped.write_text("")
    assert label_file_of(image, tmp_path) == swapped
    swapped.unlink()
    assert label_file_of(image, tmp_path) is None
    image.with_suffix(".txt").write_text("")
    assert label_file_of(image, tmp_path) == image.with_suffix(".txt")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("0 0.5 0.5 1.2 0.1", r"line 2: width is 1\.2, outside 0 to 1"),
        ("0 -0.1 0.5 0.1 0.1", r"line 2: x_centre is -0\.1, outside 0 to 1"),
        ("7 0.5 0.5 0.1 0.1", r"line 2: the class id 7 is outside the 2 classes"),
        ("0 0.5 0.5 0 0.1", r"line 2: the box has zero size"),
        ("0 0.05 0.5 0.5 0.1", r"line 2: the box centred at .* reaches outside"),
        ("0 0.5 0.5 0.1", r"line 2: a YOLO box line has 5 values"),
        ("cat 0.5 0.5 0.1 0.1", r"line 2: the class id must be a whole number"),
        ("0 0.5 0.5 0.1 0.1 1.5", r"line 2: the score 1\.5 is outside 0 to 1"),
    ],
)
def test_a_bad_yolo_line_is_refused_with_its_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    shutil.copy(DETECTION / "images" / "000000000472.jpg", tmp_path / "a.jpg")
    (tmp_path / "a.txt").write_text(f"1 0.5 0.5 0.1 0.1\n{line}\n")
    with pytest.raises(ImportFormatError, match=rf"a\.txt, {message}"):
        rows(tmp_path, "yolo", classes=("cat", "dog"))


def test_a_yolo_folder_without_class_names_asks_for_classes_txt_or_classes(
    tmp_path: Path,
) -> None:
    shutil.copy(DETECTION / "images" / "000000000472.jpg", tmp_path / "a.jpg")
    (tmp_path / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    with pytest.raises(ConfigError, match=r"no classes\.txt .* --classes a,b,c"):
        rows(tmp_path, "yolo")


def test_coco_boxes_are_the_yolo_boxes_in_pixels_and_images_without_annotations_are_unlabeled() -> (
    None
):
    found, notes = rows(DETECTION / "coco.json", "coco")
    assert notes == []
    images = by_stem(found)
    assert images["000000000250"][BOXES] is None
    sizes = {
        Path(i["file_name"]).stem: (i["width"], i["height"])
        for i in json.loads((DETECTION / "coco.json").read_text())["images"]
    }
    for stem in LABELED:
        width, height = sizes[stem]
        assert images[stem][UNITS] == "pixels"
        got = [
            (
                b["label"],
                b["x"] / width,
                b["y"] / height,
                b["w"] / width,
                b["h"] / height,
            )
            for b in images[stem][BOXES]
        ]
        for (label, *box), (want_label, *want) in zip(
            got, yolo_boxes(stem), strict=True
        ):
            assert label == want_label
            assert box == pytest.approx(want, abs=0.01 / min(width, height))


def test_coco_predictions_keep_each_annotations_score() -> None:
    found, _ = rows(DETECTION / "coco_predictions.json", "coco")
    scores = [b["score"] for row in found for b in row[BOXES] or []]
    assert len(scores) == sum(len(yolo_boxes(s)) for s in LABELED)
    assert all(0.3 <= s < 1 for s in scores) and len(set(scores)) > 10


def test_a_coco_annotation_of_a_missing_image_id_is_refused_with_its_place(
    tmp_path: Path,
) -> None:
    document = json.loads((DETECTION / "coco.json").read_text())
    document["annotations"][3]["image_id"] = 999
    bad = tmp_path / "coco.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(
        ImportFormatError,
        match=r"coco\.json, annotation 4 \(id 4\): its image_id 999 is not the id of "
        "any image",
    ):
        rows(bad, "coco", media_root=DETECTION / "images")


def test_coco_images_not_on_disk_are_named_in_the_notes_and_none_found_is_refused(
    tmp_path: Path,
) -> None:
    document = json.loads((DETECTION / "coco.json").read_text())
    document["images"][0]["file_name"] = "gone.jpg"
    partly = tmp_path / "coco.json"
    partly.write_text(json.dumps(document))
    found, notes = rows(partly, "coco", media_root=DETECTION / "images")
    assert len(found) == 10
    assert "1 image named in the file was not found" in notes[0]
    assert notes[0].endswith(": gone.jpg.")
    with pytest.raises(ImportFormatError, match=r"none of the images it names"):
        rows(partly, "coco")


def test_a_coco_results_list_and_invalid_json_are_refused_with_a_sentence(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results.json"
    results.write_text('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]')
    with pytest.raises(ImportFormatError, match=r"a COCO results file"):
        rows(results, "coco")
    broken = tmp_path / "broken.json"
    broken.write_text('{"images": [\n  {"id": 1,\n  }\n]}')
    with pytest.raises(
        ImportFormatError, match=r"broken\.json, line 2: .*not valid JSON"
    ):
        rows(broken, "coco")


def test_voc_boxes_are_pixel_edges_of_the_image_found_beside_the_folder() -> None:
    found, notes = rows(DETECTION / "voc", "voc")
    assert notes == []
    images = by_stem(found)
    assert sorted(images) == LABELED
    assert (
        Path(images["000000000472"][IMAGE])
        == (DETECTION / "images" / "000000000472.jpg").resolve()
    )
    (box,) = images["000000000472"][BOXES]
    assert box == {
        "x": 395.0,
        "y": 57.0,
        "w": 87.0,
        "h": 31.0,
        "label": "airplane",
        "where": f"{DETECTION / 'voc' / '000000000472.xml'}, line 10",
    }


def test_malformed_voc_xml_is_refused_with_the_parsers_line(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(
        "<annotation>\n  <filename>a.jpg</filename>\n  <object>\n</annotation>\n"
    )
    with pytest.raises(ImportFormatError, match=r"a\.xml, line 4: malformed XML"):
        rows(tmp_path, "voc")


def test_a_voc_file_with_a_dtd_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "xx">]>\n<annotation/>\n'
    )
    with pytest.raises(ImportFormatError, match=r"a\.xml, line 2: .*document type"):
        rows(tmp_path, "voc")


def test_voc_images_without_xml_are_unlabeled_and_xml_without_image_is_noted(
    tmp_path: Path,
) -> None:
    shutil.copy(DETECTION / "images" / "000000000250.jpg", tmp_path / "plain.jpg")
    shutil.copy(DETECTION / "voc" / "000000000472.xml", tmp_path / "lost.xml")
    found, notes = rows(tmp_path, "voc")
    assert [(Path(r[IMAGE]).name, r[BOXES]) for r in found] == [("plain.jpg", None)]
    assert notes == [
        f"{tmp_path}: 1 label file has no image and was not imported: lost.xml."
    ]


def test_label_studio_rectangles_are_percent_made_relative_with_predictions_scored() -> (
    None
):
    found, notes = rows(DETECTION / "labelstudio.json", "labelstudio")
    assert notes == []
    images = by_stem(found)
    assert images["000000000250"][BOXES] is None
    assert PREDICTED not in images["000000000250"]
    labeled = [s for s in LABELED if images[s][BOXES]]
    predicted = [s for s in LABELED if PREDICTED in images[s]]
    assert len(labeled) == 5 and len(predicted) == 5
    for stem in LABELED:
        row = images[stem]
        boxes = row[BOXES] or row[PREDICTED]["boxes"]
        got = [(b["label"], b["x"], b["y"], b["w"], b["h"]) for b in boxes]
        for (label, *box), (want_label, *want) in zip(
            got, yolo_boxes(stem), strict=True
        ):
            assert label == want_label
            assert box == pytest.approx(want, abs=1e-6)
    prediction = images[predicted[0]][PREDICTED]
    assert prediction["model_name"] == "yolo-fixture" and prediction["score"] == 0.5
    assert all("score" in b for b in prediction["boxes"])


def test_a_rotated_label_studio_rectangle_is_refused(tmp_path: Path) -> None:
    tasks = json.loads((DETECTION / "labelstudio.json").read_text())
    tasks[0]["annotations"][0]["result"][0]["value"]["rotation"] = 30
    bad = tmp_path / "ls.json"
    bad.write_text(json.dumps(tasks))
    with pytest.raises(
        ImportFormatError, match=r"task 1 \(id 1\), result 1: .*rotated"
    ):
        rows(bad, "labelstudio", media_root=DETECTION)


def test_a_box_project_tells_box_formats_apart_by_content() -> None:
    assert detect_format(DETECTION / "coco.json", task="detection") == "coco"
    assert (
        detect_format(DETECTION / "labelstudio.json", task="detection") == "labelstudio"
    )
    assert detect_format(DETECTION / "coco.json", task="classification") == "json"
    assert detect_folder_format(DETECTION, "detection", None) == "yolo"
    assert detect_folder_format(DETECTION / "voc", "detection", None) == "voc"
    assert detect_folder_format(DETECTION / "images", "detection", None) is None
    assert detect_folder_format(DETECTION, "classification", None) is None
    with pytest.raises(ConfigError, match=r"coco is read from a file"):
        detect_folder_format(DETECTION, "detection", "coco")


def test_classes_are_only_for_yolo() -> None:
    with pytest.raises(ConfigError, match=r"--classes names the class ids"):
        rows(DETECTION / "coco.json", "coco", classes=("a",))
