"""Object detection: importing and exporting 10,000 images with 100,000 boxes.

The images are generated, not taken from a dataset: 10,000 tiny real PNG files
(64 × 48, one flat colour each, made with Pillow in a temporary folder) with
10 synthetic boxes each (seeded; 5 classes; sizes 5–50 % of the image). The
same set is written once as a YOLO folder (``images/``, ``labels/``,
``classes.txt``) and a COCO JSON file, which are what the import reads.

* **import** (``formats`` section): a fresh detection project imports the YOLO
  folder and the COCO file, against a baseline in the same run that reads
  the same files in plain Python (the label files parsed into floats, the
  COCO JSON loaded and grouped by image, each image opened and decoded with
  Pillow as the import does to prove it is an image). The boxes stored are
  counted afterwards against the set's.
* **export** (``formats`` section): the project exports to COCO and YOLO
  (and Pascal VOC and Label Studio for reference), against a baseline that
  writes the same files from boxes already in memory with ``json`` and
  ``pathlib`` (a COCO document; a label file per image, a symbolic link per
  image, ``classes.txt``, ``data.yaml``).

Seconds are this process's CPU seconds (``time.process_time``) with the wall
clock beside them: the machine is shared, and the wall clock measures the
neighbours too (the load average is in the JSON). Results go to
``benchmarks/results/detection.json`` (sections not run keep their earlier
figures) and a table on stdout.

    python benchmarks/bench_detection.py                      # SQLite, 10,000 images
    python benchmarks/bench_detection.py --backend both --images 2000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from activelabel.io.export import export_labels
from activelabel.io.importer import import_path
from activelabel.store.engine import Store, open_store
from activelabel.store.models import Annotation
from activelabel.store.projects import create_project, get_project

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench_box_ranking import ranking_table, run_ranking  # noqa: E402
from bench_export import postgres_url, sqlite_url  # noqa: E402

RESULTS = HERE / "results" / "detection.json"
CLASSES = ("person", "car", "dog", "bicycle", "bottle")
SIZE = (64, 48)

Box = dict[str, Any]


@dataclass(frozen=True)
class Synthetic:
    """The generated set: its folder and each image's path and boxes."""

    folder: Path
    images: list[tuple[str, list[Box]]]

    @property
    def boxes(self) -> int:
        return sum(len(boxes) for _, boxes in self.images)


def synthetic_boxes(rng: random.Random, n: int) -> list[Box]:
    """``n`` boxes inside the image, relative to its size."""
    boxes = []
    for _ in range(n):
        w, h = rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.5)
        boxes.append(
            {
                "x": round(rng.uniform(0, 1 - w), 6),
                "y": round(rng.uniform(0, 1 - h), 6),
                "w": round(w, 6),
                "h": round(h, 6),
                "label": rng.choice(CLASSES),
            }
        )
    return boxes


def make_dataset(
    folder: Path, n_images: int, per_image: int, seed: int = 0
) -> Synthetic:
    """Write the PNGs, their YOLO label files, ``classes.txt`` and a COCO file."""
    rng = random.Random(seed)
    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    images: list[tuple[str, list[Box]]] = []
    for number in range(n_images):
        png = io.BytesIO()
        colour = (number % 256, (number // 256) % 256, (number // 65536) % 256)
        Image.new("RGB", SIZE, colour).save(png, format="PNG")
        name = f"images/{number:06d}.png"
        (folder / name).write_bytes(png.getvalue())
        images.append((name, synthetic_boxes(rng, per_image)))
    baseline_yolo(folder, images, labels_only=True)
    (folder / "annotations.json").write_text(json.dumps(baseline_coco(images)))
    return Synthetic(folder, images)


# --- baselines: the same files written and read in plain Python ---------------


def baseline_coco(images: list[tuple[str, list[Box]]]) -> dict[str, Any]:
    """The COCO document of ``images``, built in memory."""
    width, height = SIZE
    category = {label: number for number, label in enumerate(CLASSES, start=1)}
    coco: dict[str, Any] = {
        "info": {"description": "baseline"},
        "licenses": [],
        "categories": [
            {"id": i, "name": c, "supercategory": ""} for c, i in category.items()
        ],
        "images": [],
        "annotations": [],
    }
    for image_id, (name, boxes) in enumerate(images, start=1):
        coco["images"].append(
            {"id": image_id, "file_name": name, "width": width, "height": height}
        )
        for box in boxes:
            w, h = box["w"] * width, box["h"] * height
            coco["annotations"].append(
                {
                    "id": len(coco["annotations"]) + 1,
                    "image_id": image_id,
                    "category_id": category[box["label"]],
                    "bbox": [box["x"] * width, box["y"] * height, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
    return coco


def baseline_yolo(
    folder: Path,
    images: list[tuple[str, list[Box]]],
    *,
    source: Path | None = None,
    labels_only: bool = False,
) -> None:
    """A YOLO folder for ``images`` with pathlib: label files, classes.txt, and
    (unless ``labels_only``) a link per image and data.yaml."""
    ids = {label: number for number, label in enumerate(CLASSES)}
    (folder / "labels").mkdir(parents=True, exist_ok=True)
    if not labels_only:
        (folder / "images").mkdir(exist_ok=True)
    for name, boxes in images:
        stem = Path(name).stem
        (folder / "labels" / f"{stem}.txt").write_text(
            "".join(
                f"{ids[b['label']]} {b['x'] + b['w'] / 2:.6f} {b['y'] + b['h'] / 2:.6f} "
                f"{b['w']:.6f} {b['h']:.6f}\n"
                for b in boxes
            )
        )
        if source is not None and not labels_only:
            os.symlink((source / name).absolute(), folder / "images" / Path(name).name)
    (folder / "classes.txt").write_text("".join(f"{c}\n" for c in CLASSES))
    if not labels_only:
        names = "".join(f"  {i}: {c}\n" for i, c in enumerate(CLASSES))
        (folder / "data.yaml").write_text(
            f"path: {folder.absolute()}\ntrain: images\nval: images\nnames:\n{names}"
        )


def baseline_read(dataset: Synthetic, fmt: str) -> int:
    """Read the set's files as ``fmt`` says in plain Python; return the boxes read."""
    read = 0
    if fmt == "yolo":
        for path in sorted((dataset.folder / "images").iterdir()):
            with Image.open(path) as image:
                image.load()
            label_file = dataset.folder / "labels" / f"{path.stem}.txt"
            for line in label_file.read_text().splitlines():
                _, *numbers = line.split()
                [float(n) for n in numbers]
                read += 1
    else:
        coco = json.loads((dataset.folder / "annotations.json").read_text())
        by_image: dict[int, list[Any]] = {}
        for annotation in coco["annotations"]:
            by_image.setdefault(annotation["image_id"], []).append(annotation["bbox"])
        for image_entry in coco["images"]:
            with Image.open(dataset.folder / image_entry["file_name"]) as image:
                image.load()
            read += len(by_image.get(image_entry["id"], []))
    return read


# --- measured: activelabel's import and export ---------------------------------


def timed(fn: Callable[[], Any]) -> tuple[dict[str, float], Any]:
    """Run ``fn``; its CPU and wall seconds, and what it returned."""
    cpu, wall = time.process_time(), time.perf_counter()
    value = fn()
    return {
        "cpu_s": round(time.process_time() - cpu, 2),
        "wall_s": round(time.perf_counter() - wall, 2),
    }, value


def new_project(store: Store, name: str) -> None:
    with store.session() as session:
        create_project(
            session, name=name, task="detection", labels=list(CLASSES), modality="image"
        )


def import_set(store: Store, name: str, fmt: str, dataset: Synthetic) -> int:
    """Import the set into ``name`` with the ``fmt`` reader; the labels added."""
    if fmt == "yolo":
        return import_path(store, name, dataset.folder, fmt=fmt).labels_added
    return import_path(
        store, name, dataset.folder / "annotations.json", fmt=fmt,
        media_root=dataset.folder,
    ).labels_added  # fmt: skip


def stored_boxes(store: Store, name: str) -> int:
    """How many boxes the project's active annotations hold."""
    with store.session() as session:
        project = get_project(session, name).id
        values = session.scalars(
            select(Annotation.value).where(
                Annotation.project_id == project, Annotation.status == "active"
            )
        )
        return sum(len(value) for value in values)


def bench_imports(store: Store, dataset: Synthetic) -> list[dict[str, Any]]:
    """Import the set with each box reader there is (timed, with its baseline)."""
    rows: list[dict[str, Any]] = []
    for fmt in ("yolo", "coco"):
        name = f"import-{fmt}"
        new_project(store, name)
        took, labels = timed(partial(import_set, store, name, fmt, dataset))
        base, read = timed(partial(baseline_read, dataset, fmt))
        assert read == dataset.boxes
        assert stored_boxes(store, name) == dataset.boxes, "the import lost boxes"
        rows.append(
            {"format": fmt, "images": len(dataset.images), "labels": labels,
             "boxes": dataset.boxes, **took,
             "baseline_cpu_s": base["cpu_s"], "baseline_wall_s": base["wall_s"]}
        )  # fmt: skip
        print(f"  import {rows[-1]}", flush=True)
    return rows


def write_baseline_coco(target: Path, dataset: Synthetic) -> None:
    target.write_text(json.dumps(baseline_coco(dataset.images)))


def bench_exports(store: Store, dataset: Synthetic, out: Path) -> list[dict[str, Any]]:
    """Export the imported project to each box format (timed), and write the
    same COCO and YOLO files with the baseline."""
    baselines: dict[str, Callable[[], Any]] = {
        "coco": partial(write_baseline_coco, out / "baseline.json", dataset),
        "yolo": partial(
            baseline_yolo, out / "baseline-yolo", dataset.images, source=dataset.folder
        ),
    }
    rows: list[dict[str, Any]] = []
    for fmt in ("coco", "yolo", "voc", "labelstudio"):
        target = out / f"export-{fmt}"
        took, report = timed(
            partial(export_labels, store, "import-yolo", target, fmt=fmt)
        )
        row: dict[str, Any] = {"format": fmt, "images": report.rows, **took}
        if fmt in baselines:
            base, _ = timed(baselines[fmt])
            row |= {"baseline_cpu_s": base["cpu_s"], "baseline_wall_s": base["wall_s"]}
        rows.append(row)
        print(f"  export {row}", flush=True)
    return rows


def run_formats(args: argparse.Namespace) -> dict[str, Any]:
    """The import and export figures on each backend asked for."""
    figures: dict[str, Any] = {
        "images": args.images,
        "boxes_per_image": args.boxes_per_image,
        "image_size": list(SIZE),
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-detection-") as tmp:
        work = Path(tmp)
        took, dataset = timed(
            partial(make_dataset, work / "set", args.images, args.boxes_per_image)
        )
        figures["generate"] = took
        print(f"==> generated {args.images:,} images, {dataset.boxes:,} boxes {took}")
        backends = (
            ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        )
        for backend in backends:
            opener: AbstractContextManager[str] = (
                sqlite_url(work) if backend == "sqlite" else postgres_url()
            )
            with opener as url:
                store = open_store(url)
                try:
                    print(f"==> {backend}", flush=True)
                    out = work / backend
                    out.mkdir()
                    figures["backends"][backend] = {
                        "import": bench_imports(store, dataset),
                        "export": bench_exports(store, dataset, out),
                    }
                finally:
                    store.close()
    return figures


def formats_table(figures: dict[str, Any]) -> Iterator[str]:
    """The import and export figures as a Markdown table; ``× baseline`` is
    CPU seconds over the baseline's CPU seconds."""
    boxes = figures["images"] * figures["boxes_per_image"]
    width, height = figures["image_size"]
    yield (
        f"{figures['images']:,} generated {width}×{height} PNG images, {boxes:,} "
        "boxes; CPU seconds of this process (wall seconds beside them)"
    )
    yield ""
    yield "| backend | step | format | CPU s (wall) | baseline CPU s (wall) | × baseline |"
    yield "|---|---|---|---|---|---|"
    for backend, steps in figures["backends"].items():
        for step in ("import", "export"):
            for row in steps[step]:
                base, ratio = "", ""
                if "baseline_cpu_s" in row:
                    base = f"{row['baseline_cpu_s']} ({row['baseline_wall_s']})"
                    ratio = f"{row['cpu_s'] / max(row['baseline_cpu_s'], 0.01):.1f}"
                yield (
                    f"| {backend} | {step} | {row['format']} | {row['cpu_s']} "
                    f"({row['wall_s']}) | {base} | {ratio} |"
                )


#: Each section of the benchmark: what it measures, and its table.
SECTIONS: dict[
    str,
    tuple[
        Callable[[argparse.Namespace], dict[str, Any]],
        Callable[[dict[str, Any]], Iterator[str]],
    ],
] = {
    "formats": (run_formats, formats_table),
    # Ranking images from their predicted boxes (benchmarks/bench_box_ranking.py).
    "ranking": (run_ranking, ranking_table),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--boxes-per-image", type=int, default=10)
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="sqlite"
    )
    parser.add_argument("--ranking-images", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections to run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    ran: dict[str, Any] = {}
    for name in [s for s in args.only.split(",") if s]:
        run, _ = SECTIONS[name]
        machine = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        }
        ran[name] = {"machine": machine, **run(args)}
        machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    # Read just before writing: a run of another section meanwhile keeps its figures.
    results: dict[str, Any] = (
        json.loads(args.out.read_text()) if args.out.is_file() else {}
    )
    results |= ran
    for name, (_, table) in SECTIONS.items():
        if name in results:
            print("\n".join(table(results[name])))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
