"""The ``yolo`` detector plug-in: Ultralytics YOLO, fine-tuned in the loop.

Installed with the ``detector`` extra (``pip install 'activelabel[detector]'``,
which needs ``torch`` and ``torchvision``) and named in a project's settings
(``detector = "yolo"``). It

* starts from the weights file the project's ``detector_weights`` setting
  names (an Ultralytics ``.pt``, e.g. a COCO-pretrained ``yolov8n.pt`` the
  team downloaded once), else from the model configuration ``model`` (default
  ``yolov8n.yaml``: the architecture, randomly initialised, which needs many
  labels before it finds anything);
* fine-tunes on the labeled images, written as a YOLO folder (images linked,
  ``labels/*.txt``, ``data.yaml``) in a temporary folder, for ``epochs``
  epochs at ``imgsz`` pixels on the CPU (``device``);
* predicts boxes, classes and scores for the pool in batches, keeping boxes
  scored at least ``conf``;
* stores itself as its architecture, class names and weights
  (``torch.save`` of tensors and plain values, read back with
  ``weights_only=True``: no pickled code runs when a model version loads).

**Nothing is downloaded at run time.** Ultralytics fetches files in a few
places; each is turned off here: a missing weights file is refused (rather
than fetched from its releases), plots (which fetch a font) are off, the AMP
check (which fetches a model) is off with ``amp=False``, and ``YOLO_OFFLINE``
is set before Ultralytics is imported (its analytics events, update checks
and asset downloads ask whether it is online first), with
``YOLO_AUTOINSTALL`` off so a missing requirement is an error rather than a
``pip install``. No detector package on PyPI ships pretrained weights inside
its wheel (Ultralytics, yolov5 and effdet download theirs), so there is no
packaged starting point: ``detector_weights`` is the team's own file.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from activelabel.exceptions import ConfigError
from activelabel.ml.detectors import Box, DetectorImage

__all__ = ["DEFAULT_OPTIONS", "FittedYolo", "YoloDetector", "make_detector"]

#: Options a project may change (``detector_options`` in the plug-in's make).
DEFAULT_OPTIONS: Final[dict[str, Any]] = {
    "model": "yolov8n.yaml",
    "epochs": 10,
    "imgsz": 640,
    "batch": 8,
    "conf": 0.05,
    "device": "cpu",
    "seed": 0,
}


def _ultralytics() -> Any:
    """Ultralytics, imported with every download and phone-home turned off."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    os.environ.setdefault("YOLO_VERBOSE", "false")
    try:
        # By name: the extra is optional, and its absence is a sentence below.
        ultralytics = importlib.import_module("ultralytics")
    except ImportError as exc:
        raise ConfigError(
            "The yolo detector needs Ultralytics: pip install 'activelabel[detector]' "
            f"(with torch and torchvision installed first). ({exc})"
        ) from exc
    # YOLO_OFFLINE makes Ultralytics' ONLINE false, which turns off its
    # analytics events, update checks and downloads of missing assets.
    return ultralytics


class FittedYolo:
    """A YOLO model fitted on a project's boxes."""

    def __init__(self, model: Any, labels: Sequence[str], options: Mapping[str, Any]):
        self.model = model
        self.labels = list(labels)
        self.options = dict(options)

    def predict(self, images: Sequence[DetectorImage]) -> list[list[Box]]:
        """Boxes relative to each image's size, with the label and the score."""
        if not images:
            return []
        results = self.model.predict(
            [image.path for image in images],
            imgsz=self.options["imgsz"],
            conf=self.options["conf"],
            device=self.options["device"],
            batch=max(1, len(images)),
            verbose=False,
            save=False,
        )
        out: list[list[Box]] = []
        for result in results:
            boxes: list[Box] = []
            found = result.boxes
            for (x1, y1, x2, y2), score, cls in zip(
                found.xyxyn.tolist(),
                found.conf.tolist(),
                found.cls.tolist(),
                strict=True,
            ):
                x1, y1 = max(0.0, x1), max(0.0, y1)
                x2, y2 = min(1.0, x2), min(1.0, y2)
                if x2 <= x1 or y2 <= y1:
                    continue
                boxes.append(
                    {
                        "x": x1,
                        "y": y1,
                        "w": x2 - x1,
                        "h": y2 - y1,
                        "label": self.labels[int(cls)],
                        "score": float(score),
                    }
                )
            out.append(boxes)
        return out

    def to_bytes(self) -> bytes:
        """Architecture, class names, options and weights (tensors and plain values)."""
        import torch

        network = self.model.model
        buffer = io.BytesIO()
        torch.save(
            {
                "yaml": dict(network.yaml),
                "labels": self.labels,
                "options": self.options,
                "state_dict": {
                    k: v.detach().cpu() for k, v in network.state_dict().items()
                },
            },
            buffer,
        )
        return buffer.getvalue()


class YoloDetector:
    """The ``yolo`` plug-in: a YOLO model configured, not yet fitted."""

    name = "yolo"

    def __init__(self, weights: str | None = None, **options: Any) -> None:
        unknown = sorted(set(options) - set(DEFAULT_OPTIONS))
        if unknown:
            raise ConfigError(
                f"The yolo detector has no option {unknown[0]!r}; its options are: "
                f"{', '.join(DEFAULT_OPTIONS)}."
            )
        if weights is not None and not Path(weights).is_file():
            raise ConfigError(
                f"The detector weights file {weights} does not exist; the yolo "
                "detector never downloads weights: point detector_weights at a "
                ".pt file on this machine, or leave it unset to start from the "
                "model configuration."
            )
        self.weights = weights
        self.options: Mapping[str, Any] = {**DEFAULT_OPTIONS, **options}

    def _start(self) -> Any:
        ultralytics = _ultralytics()
        source = self.weights or str(self.options["model"])
        if not source.endswith((".yaml", ".yml")) and not Path(source).is_file():
            raise ConfigError(
                f"The yolo model {source} is neither a configuration (.yaml) nor a "
                "file on this machine; nothing is downloaded."
            )
        return ultralytics.YOLO(source, task="detect")

    def fit(
        self,
        images: Sequence[DetectorImage],
        boxes: Sequence[Sequence[Box]],
        *,
        labels: Sequence[str],
    ) -> FittedYolo:
        """Fine-tune on the labeled images, written as a YOLO folder for the trainer."""
        model = self._start()
        with tempfile.TemporaryDirectory(prefix="activelabel-yolo-") as folder:
            data = _write_dataset(Path(folder), images, boxes, labels)
            model.train(
                data=str(data),
                epochs=int(self.options["epochs"]),
                imgsz=int(self.options["imgsz"]),
                batch=int(self.options["batch"]),
                device=self.options["device"],
                seed=int(self.options["seed"]),
                project=str(Path(folder) / "runs"),
                name="fit",
                exist_ok=True,
                plots=False,  # plots fetch a font
                amp=False,  # the AMP check fetches a model
                val=False,  # the round scores the model on its own held-out images
                workers=0,
                verbose=False,
                save=True,
                pretrained=self.weights is not None,
            )
            trainer = getattr(model, "trainer", None)
            best = getattr(trainer, "last", None) if trainer is not None else None
            if best is not None and Path(best).is_file():
                model = _ultralytics().YOLO(str(best), task="detect")
        return FittedYolo(model, labels, self.options)

    def load(self, data: bytes) -> FittedYolo:
        """A fitted model from :meth:`FittedYolo.to_bytes` (tensors only)."""
        import torch

        ultralytics = _ultralytics()
        tasks = importlib.import_module("ultralytics.nn.tasks")

        stored = torch.load(io.BytesIO(data), weights_only=True)
        labels = list(stored["labels"])
        network = tasks.DetectionModel(stored["yaml"], nc=len(labels), verbose=False)
        network.load_state_dict(stored["state_dict"])
        network.names = dict(enumerate(labels))
        model = ultralytics.YOLO(str(stored["yaml"].get("yaml_file") or "yolov8n.yaml"))
        model.model = network
        return FittedYolo(model, labels, {**self.options, **stored["options"]})


def _write_dataset(
    folder: Path,
    images: Sequence[DetectorImage],
    boxes: Sequence[Sequence[Box]],
    labels: Sequence[str],
) -> Path:
    """The labeled images as a YOLO folder: links to the images, a label file
    each (class, centre, size; an image without boxes gets an empty one), and
    ``data.yaml`` naming every class in the project's order."""
    index = {label: k for k, label in enumerate(labels)}
    (folder / "images").mkdir()
    (folder / "labels").mkdir()
    for number, (image, image_boxes) in enumerate(zip(images, boxes, strict=True)):
        suffix = Path(image.path).suffix.lower() or ".jpg"
        stem = f"{number:06d}"
        (folder / "images" / f"{stem}{suffix}").symlink_to(Path(image.path).resolve())
        lines = [
            f"{index[b['label']]} {b['x'] + b['w'] / 2:.6f} {b['y'] + b['h'] / 2:.6f} "
            f"{b['w']:.6f} {b['h']:.6f}"
            for b in image_boxes
            if b["label"] in index
        ]
        (folder / "labels" / f"{stem}.txt").write_text("".join(f"{x}\n" for x in lines))
    # JSON strings are YAML strings, whatever a label holds.
    names = "".join(f"  {k}: {json.dumps(label)}\n" for k, label in enumerate(labels))
    data = folder / "data.yaml"
    data.write_text(
        f"path: {folder}\ntrain: images\nval: images\nnc: {len(labels)}\nnames:\n{names}"
    )
    return data


def make_detector(weights: str | None = None, **options: Any) -> YoloDetector:
    """The entry point ``yolo`` of the group ``activelabel.detectors``."""
    return YoloDetector(weights, **options)
