"""Cut tests/fixtures/detection/ from coco128 and write its boxes in COCO, VOC and Label Studio.

Usage (from the repository root)::

    python scripts/make_detection_fixture.py ../shared/datasets/coco128 tests/fixtures/detection

coco128 is the Ultralytics tutorial set (lightly-ai/coco128_yolo @6d6f7a05): JPEGs in
``images/train2017``, YOLO label files in ``labels/train2017``, 80 names in
``classes.txt``. The cut keeps the ten smallest labeled JPEGs, one image that has no
label file and one label file that has no image (coco128 has two of each), so the
fixture stays under 2 MB. The YOLO files are copied unchanged; the other formats are
derived from them with each image's pixel size, as a tool exporting them would write:

* ``coco.json``: COCO detection JSON, ``bbox`` ``[x, y, w, h]`` in pixels (2 decimals),
  category ids from 1 in ``classes.txt`` order, ``file_name`` the image's name (found in
  the ``images/`` folder beside the JSON);
* ``coco_predictions.json``: the same boxes with a ``score`` on each annotation, as a
  detector's output;
* ``voc/*.xml``: Pascal VOC, integer pixel edges ``xmin ymin xmax ymax`` as LabelImg
  writes them (images found in the ``images/`` folder beside ``voc/``);
* ``labelstudio.json``: Label Studio JSON export of an image project, ``rectanglelabels``
  in percent of the image, half of the tasks with their boxes as ``predictions`` (with
  a score) instead of ``annotations``.

The scores are made up (deterministic, from the box's position in the file): the
fixture only needs scores to exist and to differ.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

LABELED = [
    "000000000536",
    "000000000643",
    "000000000562",
    "000000000472",
    "000000000359",
    "000000000326",
    "000000000143",
    "000000000349",
    "000000000149",
    "000000000030",
]
WITHOUT_LABEL_FILE = "000000000250"
ORPHAN_LABEL_FILE = "000000000656"


def read_yolo(path: Path) -> list[tuple[int, float, float, float, float]]:
    """The rows of a YOLO label file: class id, centre x, centre y, width, height."""
    rows = []
    for line in path.read_text().splitlines():
        if line.strip():
            c, xc, yc, w, h = line.split()[:5]
            rows.append((int(c), float(xc), float(yc), float(w), float(h)))
    return rows


def score_of(image_index: int, box_index: int) -> float:
    """A made-up, repeatable detector score in (0.3, 0.99)."""
    return round(0.3 + ((image_index * 7 + box_index * 13) % 70) / 100, 2)


def main(source: Path, target: Path) -> None:
    """Copy the cut into ``target`` and write the derived formats."""
    classes = (source / "classes.txt").read_text().split("\n")
    classes = [c for c in classes if c]
    (target / "images").mkdir(parents=True, exist_ok=True)
    (target / "labels").mkdir(exist_ok=True)
    (target / "voc").mkdir(exist_ok=True)
    shutil.copyfile(source / "classes.txt", target / "classes.txt")
    for stem in [*LABELED, WITHOUT_LABEL_FILE]:
        shutil.copyfile(
            source / "images/train2017" / f"{stem}.jpg",
            target / "images" / f"{stem}.jpg",
        )
    for stem in [*LABELED, ORPHAN_LABEL_FILE]:
        shutil.copyfile(
            source / "labels/train2017" / f"{stem}.txt",
            target / "labels" / f"{stem}.txt",
        )

    coco_images = []
    annotations = []
    predictions = []
    tasks = []
    for index, stem in enumerate([*LABELED, WITHOUT_LABEL_FILE], start=1):
        name = f"{stem}.jpg"
        with Image.open(target / "images" / name) as image:
            width, height = image.size
        coco_images.append(
            {"id": index, "file_name": name, "width": width, "height": height}
        )
        label_file = target / "labels" / f"{stem}.txt"
        rows = read_yolo(label_file) if label_file.exists() else []
        objects = []
        results = []
        for box_index, (c, xc, yc, w, h) in enumerate(rows):
            x, y = xc - w / 2, yc - h / 2
            bbox = [
                round(x * width, 2),
                round(y * height, 2),
                round(w * width, 2),
                round(h * height, 2),
            ]
            annotation = {
                "id": len(annotations) + 1,
                "image_id": index,
                "category_id": c + 1,
                "bbox": bbox,
                "area": round(bbox[2] * bbox[3], 2),
                "iscrowd": 0,
            }
            annotations.append(annotation)
            predictions.append({**annotation, "score": score_of(index, box_index)})
            objects.append(
                "  <object>\n"
                f"    <name>{escape(classes[c])}</name>\n"
                "    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n"
                "    <difficult>0</difficult>\n    <bndbox>\n"
                f"      <xmin>{round(x * width)}</xmin>\n"
                f"      <ymin>{round(y * height)}</ymin>\n"
                f"      <xmax>{round((x + w) * width)}</xmax>\n"
                f"      <ymax>{round((y + h) * height)}</ymax>\n"
                "    </bndbox>\n  </object>\n"
            )
            results.append(
                {
                    "id": f"{stem}-{box_index}",
                    "type": "rectanglelabels",
                    "from_name": "label",
                    "to_name": "image",
                    "original_width": width,
                    "original_height": height,
                    "image_rotation": 0,
                    "value": {
                        "x": round(x * 100, 4),
                        "y": round(y * 100, 4),
                        "width": round(w * 100, 4),
                        "height": round(h * 100, 4),
                        "rotation": 0,
                        "rectanglelabels": [classes[c]],
                    },
                }
            )
        if label_file.exists():
            (target / "voc" / f"{stem}.xml").write_text(
                "<annotation>\n  <folder>images</folder>\n"
                f"  <filename>{name}</filename>\n"
                f"  <size>\n    <width>{width}</width>\n    <height>{height}</height>\n"
                "    <depth>3</depth>\n  </size>\n  <segmented>0</segmented>\n"
                + "".join(objects)
                + "</annotation>\n"
            )
        task: dict[str, object] = {"id": index, "data": {"image": f"images/{name}"}}
        if not label_file.exists():
            task["annotations"] = []
        elif index % 2:
            task["annotations"] = [{"id": index, "result": results}]
        else:
            for box_index, result in enumerate(results):
                result["score"] = score_of(index, box_index)
            task["annotations"] = []
            task["predictions"] = [
                {"model_version": "yolo-fixture", "score": 0.5, "result": results}
            ]
        tasks.append(task)

    categories = [
        {"id": i, "name": name, "supercategory": ""}
        for i, name in enumerate(classes, start=1)
    ]
    info = {"description": "coco128 cut (see README.md)"}
    dataset = {
        "info": info,
        "licenses": [],
        "images": coco_images,
        "annotations": annotations,
        "categories": categories,
    }
    (target / "coco.json").write_text(json.dumps(dataset, indent=1) + "\n")
    (target / "coco_predictions.json").write_text(
        json.dumps({**dataset, "annotations": predictions}, indent=1) + "\n"
    )
    (target / "labelstudio.json").write_text(json.dumps(tasks, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
