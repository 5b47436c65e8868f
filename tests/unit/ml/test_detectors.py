"""Detector plug-ins are found through their entry points, and mAP at IoU 0.5."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import ConfigError
from activelabel.ml.box_metrics import average_precision, box_iou, map_at_50
from activelabel.ml.detectors import (
    ENTRY_POINT_GROUP,
    Detector,
    DetectorImage,
    installed_detectors,
    load_detector,
    predict_in_batches,
)

PLUGIN = Path(__file__).parents[2] / "fixtures" / "detector_plugin" / "nearest_boxes.py"
IMAGES = Path(__file__).parents[2] / "fixtures" / "detection" / "images"


def install(target: Path, entry_points: str) -> None:
    """A distribution with ``entry_points`` (and the plug-in's module) in ``target``."""
    shutil.copy(PLUGIN, target / "nearest_boxes.py")
    info = target / "activelabel_test_detectors-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: activelabel-test-detectors\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry_points}\n")


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    install(
        tmp_path,
        "nearest-boxes = nearest_boxes:make_detector\n"
        "not-a-detector = types:SimpleNamespace\n"
        "refuses = nearest_boxes:thumbnail\n"
        "broken = no_such_module:make",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_an_installed_plugin_is_found_by_its_entry_point_name(plugins: Path) -> None:
    assert {"nearest-boxes", "broken"} <= set(installed_detectors())
    detector = load_detector("nearest-boxes", weights="w.pt", options={"epochs": 2})
    assert isinstance(detector, Detector)
    assert detector.name == "nearest-boxes"
    assert dict(detector.options) == {"epochs": 2}


def test_an_unknown_name_says_which_detectors_are_installed(plugins: Path) -> None:
    with pytest.raises(ConfigError, match="No detector named 'rcnn' is installed") as e:
        load_detector("rcnn")
    assert "nearest-boxes" in str(e.value)
    assert "activelabel.detectors" in str(e.value)


def test_a_plugin_that_fails_to_load_or_makes_no_detector_is_refused(
    plugins: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"'broken' .* could not be loaded"):
        load_detector("broken")
    with pytest.raises(ConfigError, match="made a SimpleNamespace, which lacks fit"):
        load_detector("not-a-detector")
    with pytest.raises(ConfigError, match=r"'refuses' .* could not start: .*weights"):
        load_detector("refuses")


def test_a_fitted_plugin_predicts_in_batches_and_loads_back(plugins: Path) -> None:
    paths = sorted(IMAGES.glob("*.jpg"))
    images = [DetectorImage(i, str(p)) for i, p in enumerate(paths)]
    box = {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"}
    fitted = load_detector("nearest-boxes").fit(
        images[:3], [[box], [], [box]], labels=["cat", "dog"]
    )
    batches = list(predict_in_batches(fitted, images, batch_size=4))
    assert [len(batch) for batch, _ in batches] == [4, 4, 3]
    first = batches[0][1]
    # An image it was fitted on is its own nearest: distance 0, share 2/3.
    assert first[0] == [{**box, "score": pytest.approx(2 / 3, abs=1e-6)}]
    assert first[1] == []
    again = load_detector("nearest-boxes").load(fitted.to_bytes())
    assert again.predict(images[:4]) == first


class _Short:
    labels = ("cat",)

    def predict(self, images: Any) -> list[list[dict[str, Any]]]:
        return [[] for _ in images][1:]

    def to_bytes(self) -> bytes:
        return b""


def test_a_detector_answering_for_the_wrong_number_of_images_is_refused() -> None:
    images = [DetectorImage(i, f"{i}.jpg") for i in range(5)]
    with pytest.raises(ConfigError, match="boxes for 1 images when asked about 2"):
        list(predict_in_batches(_Short(), images, batch_size=2))


def test_iou_of_boxes_worked_by_hand() -> None:
    a = {"x": 0.0, "y": 0.0, "w": 0.5, "h": 0.5}
    b = {"x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5}
    # Overlap 0.25 x 0.25 = 0.0625; union 0.25 + 0.25 - 0.0625 = 0.4375.
    assert box_iou(a, b) == pytest.approx(0.0625 / 0.4375)
    assert box_iou(a, {"x": 0.6, "y": 0.6, "w": 0.1, "h": 0.1}) == 0.0


def test_average_precision_worked_by_hand() -> None:
    # Ranked hit, miss, hit against 2 labeled boxes: precision 1 at recall 0.5,
    # 2/3 at recall 1 -> AP = 0.5 * 1 + 0.5 * 2/3.
    assert average_precision([True, False, True], [0.9, 0.8, 0.7], 2) == (
        pytest.approx(0.5 + 1 / 3)
    )
    assert average_precision([], [], 3) == 0.0


def test_map_matches_by_class_and_takes_each_labeled_box_once() -> None:
    cat = {"x": 0.1, "y": 0.1, "w": 0.4, "h": 0.4, "label": "cat"}
    dog = {"x": 0.5, "y": 0.5, "w": 0.4, "h": 0.4, "label": "dog"}
    truth = [[cat], [dog]]
    predicted = [
        # The same box twice: the second is a false positive.
        [{**cat, "score": 0.9}, {**cat, "score": 0.8}],
        # Right place, wrong class: a miss for dog, a false "cat".
        [{**dog, "label": "cat", "score": 0.95}],
    ]
    score, per_class = map_at_50(truth, predicted)
    # cat: ranked miss(0.95), hit(0.9), miss(0.8) of 1 -> precision 1/2 at recall 1.
    assert per_class["cat"] == pytest.approx(
        {"ap50": 0.5, "precision": 1 / 3, "recall": 1.0, "support": 1.0}
    )
    assert per_class["dog"] == {
        "ap50": 0.0,
        "precision": 0.0,
        "recall": 0.0,
        "support": 1.0,
    }
    assert score == pytest.approx(0.25)
    assert map_at_50([[]], [[]]) == (None, {})
