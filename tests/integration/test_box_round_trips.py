"""Box round trips on SQLite and PostgreSQL: import → export → import.

The coco128 cut (``tests/fixtures/detection``: ten labeled images, one
without a label file) is imported from its YOLO folder, exported in each box
format, and the export imported into a fresh project: every image comes back
with the same boxes, each coordinate within 1e-6 of the image's size, and the
image nobody labeled comes back without boxes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, select

from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item
from activelabel.store.projects import get_project

FIXTURE = Path(__file__).parent.parent / "fixtures" / "detection"
CLASSES = (FIXTURE / "classes.txt").read_text(encoding="utf-8").splitlines()
#: The fixture's image without a label file.
UNLABELED = "000000000250.jpg"
#: How far a coordinate read back may be from the one written, in image sizes.
TOLERANCE = 1e-6


def boxes_by_image(store: Store, name: str) -> dict[str, Any]:
    """Each image's file name and its active boxes (``None``: no label)."""
    with store.session() as session:
        project = get_project(session, name)
        rows = session.execute(
            select(Item.media_path, Annotation.value)
            .outerjoin(
                Annotation,
                and_(Annotation.item_id == Item.id, Annotation.status == "active"),
            )
            .where(Item.project_id == project.id)
        ).all()
    found: dict[str, Any] = {}
    for media_path, value in rows:
        image = Path(media_path).name
        assert image not in found, f"two items hold {image}"
        found[image] = value
    return found


def assert_same_boxes(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    """The same boxes in any order, each coordinate within :data:`TOLERANCE`."""

    def key(box: dict[str, Any]) -> tuple[Any, ...]:
        return (
            box["label"],
            round(box["x"], 4),
            round(box["y"], 4),
            round(box["w"], 4),
        )

    assert len(got) == len(want)
    for a, b in zip(sorted(got, key=key), sorted(want, key=key), strict=True):
        assert a["label"] == b["label"]
        for k in ("x", "y", "w", "h"):
            assert abs(a[k] - b[k]) <= TOLERANCE, (k, a, b)


@pytest.fixture
def imported(store: Store, project_factory: Any, tmp_path: Path) -> Path:
    """The fixture copied under ``tmp_path/photos`` and imported from its YOLO
    folder into the project ``coco128``."""
    photos = tmp_path / "photos"
    shutil.copytree(FIXTURE, photos)
    project_factory("coco128", task="detection", modality="image", labels=CLASSES)
    report = import_path(store, "coco128", photos, fmt="yolo")
    assert report.items_added == 11
    return photos


# How each export is imported back: the reader's format, what to import
# (the export itself), and the media root (the folder holding the export and
# the originals its links lead to, or the images' folder a file names them in).
IMPORT_BACK = {
    "yolo": ("yolo", "export", "tmp"),
    "voc": ("voc", "export", "tmp"),
    "coco": ("coco", "export", "photos"),
    "labelstudio": ("labelstudio", "export", "photos"),
}


@pytest.mark.parametrize("fmt", list(IMPORT_BACK))
def test_an_export_imported_into_a_fresh_project_gives_the_same_boxes(
    store: Store, project_factory: Any, imported: Path, tmp_path: Path, fmt: str
) -> None:
    exported = tmp_path / f"export-{fmt}"
    report = export_labels(store, "coco128", exported, fmt=fmt)
    assert report.rows == 11
    reader, _, root = IMPORT_BACK[fmt]
    project_factory("copy", task="detection", modality="image", labels=CLASSES)
    media_root = tmp_path if root == "tmp" else imported
    back = import_path(store, "copy", exported, fmt=reader, media_root=media_root)
    assert back.items_added == 11
    original, copy = boxes_by_image(store, "coco128"), boxes_by_image(store, "copy")
    assert sorted(copy) == sorted(original)
    assert original[UNLABELED] is None
    assert not copy[UNLABELED]
    for image, boxes in original.items():
        if image != UNLABELED:
            assert_same_boxes(copy[image], boxes)


def test_the_yolo_export_holds_the_fixtures_own_label_files(
    store: Store, imported: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "export"
    export_labels(store, "coco128", exported, fmt="yolo")
    for label_file in sorted((imported / "labels").glob("*.txt")):
        if not (imported / "images" / f"{label_file.stem}.jpg").exists():
            continue  # the orphan label file: no image, no item
        ours = (exported / "labels" / label_file.name).read_text().splitlines()
        theirs = label_file.read_text().splitlines()
        assert [line.split()[0] for line in ours] == [
            line.split()[0] for line in theirs
        ]
        for a, b in zip(ours, theirs, strict=True):
            for x, y in zip(a.split()[1:], b.split()[1:], strict=True):
                assert abs(float(x) - float(y)) <= TOLERANCE
    assert (exported / "classes.txt").read_text().splitlines() == CLASSES


@pytest.mark.parametrize("fmt", ["yolo", "voc", "labelstudio"])
def test_a_labeled_image_without_boxes_stays_apart_from_an_unlabeled_one(
    store: Store, project_factory: Any, tmp_path: Path, fmt: str
) -> None:
    photos = tmp_path / "photos"
    shutil.copytree(FIXTURE, photos)
    # Someone looked at this image and found nothing: an empty label file.
    (photos / "labels" / "000000000030.txt").write_text("")
    project_factory("coco128", task="detection", modality="image", labels=CLASSES)
    import_path(store, "coco128", photos, fmt="yolo")
    exported = tmp_path / f"export-{fmt}"
    export_labels(store, "coco128", exported, fmt=fmt)
    project_factory("copy", task="detection", modality="image", labels=CLASSES)
    media_root = photos if fmt == "labelstudio" else tmp_path
    import_path(store, "copy", exported, fmt=fmt, media_root=media_root)
    copy = boxes_by_image(store, "copy")
    assert (copy["000000000030.jpg"], copy[UNLABELED]) == ([], None)
