"""The shipped ``yolo`` detector (the ``detector`` extra): fitted on the coco128
fixture, predicting in batches, stored and loaded back, with the network shut.

Skipped where Ultralytics is not installed (the extra is optional). The model
is built from its configuration (no weights ship with any detector package)
and trained two epochs at 64 pixels: this checks the mechanics, not accuracy.
"""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activelabel.exceptions import ConfigError
from activelabel.ml.detectors import (
    ENTRY_POINT_GROUP,
    DetectorImage,
    installed_detectors,
    load_detector,
    predict_in_batches,
)

# Not imported here: the adapter sets Ultralytics' environment before its import.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("ultralytics") is None,
    reason="the detector extra (Ultralytics) is not installed",
)

DETECTION = Path(__file__).parents[1] / "fixtures" / "detection"
CLASSES = (DETECTION / "classes.txt").read_text().split("\n")[:80]
TINY = {"epochs": 2, "imgsz": 64, "batch": 4, "conf": 0.0001}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: the adapter must not download."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"the detector tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def yolo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``yolo`` as installed by the extra, else declared by a dist-info here
    (an editable install made before the entry point was added)."""
    if "yolo" not in installed_detectors():
        info = tmp_path / "activelabel_yolo-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: activelabel-yolo\nVersion: 0.1\n"
        )
        (info / "entry_points.txt").write_text(
            f"[{ENTRY_POINT_GROUP}]\nyolo = activelabel.ml.yolo_detector:make_detector\n"
        )
        monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
    yield "yolo"


def fixture_images() -> tuple[list[DetectorImage], list[list[dict[str, Any]]]]:
    images, boxes = [], []
    for number, label_file in enumerate(sorted((DETECTION / "labels").glob("*.txt"))):
        image = DETECTION / "images" / f"{label_file.stem}.jpg"
        if not image.is_file():
            continue  # the orphan label file
        image_boxes = []
        for line in label_file.read_text().splitlines():
            c, xc, yc, w, h = (float(v) for v in line.split())
            image_boxes.append(
                {
                    "x": xc - w / 2,
                    "y": yc - h / 2,
                    "w": w,
                    "h": h,
                    "label": CLASSES[int(c)],
                }
            )
        images.append(DetectorImage(number, str(image)))
        boxes.append(image_boxes)
    return images, boxes


def test_yolo_fits_on_the_fixture_predicts_in_batches_and_loads_back(
    yolo: str, no_network: None
) -> None:
    images, boxes = fixture_images()
    assert len(images) == 10
    detector = load_detector(yolo, options=TINY)
    fitted = detector.fit(images, boxes, labels=CLASSES)
    pool = [*images, DetectorImage(99, str(DETECTION / "images" / "000000000250.jpg"))]
    predicted: list[list[dict[str, Any]]] = []
    for batch, found in predict_in_batches(fitted, pool, batch_size=4):
        assert len(found) == len(batch)
        predicted.extend(found)
    assert len(predicted) == 11
    flat = [box for found in predicted for box in found]
    # Two epochs from a random start find nothing real, but at this threshold
    # some boxes come out, so their conversion to relative boxes is checked.
    assert flat
    for box in flat:
        assert box["label"] in CLASSES
        assert 0.0 <= box["score"] <= 1.0
        assert box["w"] > 0 and box["h"] > 0
        assert box["x"] >= 0 and box["x"] + box["w"] <= 1 + 1e-6
    data = fitted.to_bytes()
    again = load_detector(yolo, options=TINY).load(data)
    for ours, theirs in zip(
        fitted.predict(pool[:3]), again.predict(pool[:3]), strict=True
    ):
        assert [b["label"] for b in ours] == [b["label"] for b in theirs]
        assert [b["score"] for b in ours] == pytest.approx(
            [b["score"] for b in theirs], abs=1e-5
        )


def test_a_missing_weights_file_is_refused_not_downloaded(
    yolo: str, no_network: None
) -> None:
    with pytest.raises(
        ConfigError,
        match=r"yolov8n\.pt does not exist; the yolo detector never downloads",
    ):
        load_detector(yolo, weights="yolov8n.pt")
    with pytest.raises(ConfigError, match="has no option 'epoch'"):
        load_detector(yolo, options={"epoch": 1})


def test_yolo_fine_tunes_from_a_weights_file_it_is_pointed_to(
    yolo: str, no_network: None, tmp_path: Path
) -> None:
    images, boxes = fixture_images()
    first = load_detector(yolo, options={**TINY, "epochs": 1}).fit(
        images, boxes, labels=CLASSES
    )
    weights = tmp_path / "start.pt"
    first.model.save(str(weights))  # an Ultralytics weights file, as a team has
    tuned = load_detector(yolo, weights=str(weights), options={**TINY, "epochs": 1})
    fitted = tuned.fit(images[:4], boxes[:4], labels=CLASSES)
    assert len(fitted.predict(images[4:6])) == 2
    # Fine-tuning moved the weights away from the file it started from.
    start = load_detector(yolo, options=TINY).load(first.to_bytes()).model.model
    after = fitted.model.model.state_dict()
    changed = [
        k
        for k, v in start.state_dict().items()
        if v.dtype.is_floating_point and not (after[k] == v).all()
    ]
    assert changed


def test_a_round_with_the_yolo_detector_stores_its_model_and_queues_the_pool(
    yolo: str, no_network: None, store: Any, project_factory: Any
) -> None:
    from sqlalchemy import select

    from activelabel.io.importer import import_path
    from activelabel.loop import run_round
    from activelabel.store.annotations import add_annotation
    from activelabel.store.models import Item, ModelVersion, Project, QueueEntry

    project = project_factory(
        "yolo", task="detection", modality="image", labels=CLASSES,
        config={"detector": yolo},
    )  # fmt: skip
    import_path(store, "yolo", DETECTION / "coco_predictions.json", as_predictions=True)
    images, boxes = fixture_images()
    by_name = {Path(i.path).name: b for i, b in zip(images, boxes, strict=True)}
    with store.session(write=True) as session:
        row = session.get_one(Project, project.id)
        items = session.execute(select(Item.id, Item.external_id)).all()
        labeled = [(i, name) for i, name in items if Path(name).name in by_name][:5]
        for item_id, name in labeled:
            add_annotation(
                session, project=row, item_id=item_id, value=by_name[Path(name).name]
            )
    # The project's settings name the detector; its default options train
    # 10 epochs at 640 pixels on the CPU.
    report = run_round(store, project.id, queue_size=20)
    assert report.model_version is not None
    assert "train" in report.seconds and "predict" in report.seconds
    with store.session() as session:
        version = session.scalars(select(ModelVersion)).one()
        queued = session.scalars(select(QueueEntry)).all()
        assert version.metrics["detector"] == "yolo"
        assert version.metrics["held_out"] == 1
        assert version.featurizer == "detector:yolo"
        assert {e.item_id for e in queued} == {i for i, _ in items} - {
            i for i, _ in labeled
        }
        for entry in queued:
            assert entry.suggestion is None or {
                b["source"] for b in entry.suggestion
            } == {"model"}
