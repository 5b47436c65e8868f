"""How good a detector's boxes are: mean average precision at IoU 0.5.

:func:`map_at_50` is the score a detector's model version records (its
``cv_score``, on labeled images held out of the fit), with the average
precision of each class. Pascal VOC's definition since 2010: a predicted box
is a hit when its IoU with a labeled box of the same class that no higher
scored box took is at least 0.5; the precision/recall curve, made monotone,
is integrated over every recall step (all points, not 11). Classes with no
labeled box in the held-out images are left out of the mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

__all__ = ["IOU_THRESHOLD", "average_precision", "box_iou", "map_at_50"]

#: Overlap at which a predicted box counts as finding a labeled one.
IOU_THRESHOLD: Final = 0.5


def box_iou(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Intersection over union of two boxes ``{"x", "y", "w", "h"}``."""
    left, top = max(a["x"], b["x"]), max(a["y"], b["y"])
    right = min(a["x"] + a["w"], b["x"] + b["w"])
    bottom = min(a["y"] + a["h"], b["y"] + b["h"])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    union = a["w"] * a["h"] + b["w"] * b["h"] - inter
    return float(inter / union) if union > 0 else 0.0


def average_precision(
    hits: Sequence[bool], scores: Sequence[float], n_true: int
) -> float:
    """All-point average precision of predictions (hit or not, with a score)
    against ``n_true`` labeled boxes."""
    if n_true == 0:
        return 0.0
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    hit = np.asarray(hits, dtype=np.float64)[order]
    true_positives = np.cumsum(hit)
    recall = true_positives / n_true
    precision = true_positives / np.arange(1, hit.size + 1)
    # Monotone precision envelope, then the area under the recall steps.
    recall = np.concatenate([[0.0], recall, [1.0]])
    precision = np.concatenate([[0.0], precision, [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


def _matches(
    true_boxes: Sequence[Mapping[str, Any]], boxes: Sequence[Mapping[str, Any]]
) -> list[tuple[str, bool, float]]:
    """Each predicted box of an image, best score first: its label, whether it
    took a labeled box of its class (IoU >= 0.5, each labeled box once), its score."""
    taken: set[int] = set()
    found = []
    for box in sorted(boxes, key=lambda b: -float(b.get("score", 0.0))):
        best, best_iou = -1, IOU_THRESHOLD
        for k, true_box in enumerate(true_boxes):
            if k in taken or true_box["label"] != box["label"]:
                continue
            iou = box_iou(box, true_box)
            if iou >= best_iou:
                best, best_iou = k, iou
        if best >= 0:
            taken.add(best)
        found.append((str(box["label"]), best >= 0, float(box.get("score", 0.0))))
    return found


def map_at_50(
    truth: Sequence[Sequence[Mapping[str, Any]]],
    predicted: Sequence[Sequence[Mapping[str, Any]]],
) -> tuple[float | None, dict[str, dict[str, float]]]:
    """mAP at IoU 0.5 over images (``truth[i]`` and ``predicted[i]`` are image
    ``i``'s labeled and predicted boxes), and per labeled class its AP
    (``ap50``), the precision and recall of every box the detector returned,
    and its number of labeled boxes (``support``).

    ``None`` and no classes when the images hold no labeled box.
    """
    per_class: dict[str, tuple[list[bool], list[float]]] = {}
    n_true: dict[str, int] = {}
    for true_boxes, boxes in zip(truth, predicted, strict=True):
        for box in true_boxes:
            n_true[box["label"]] = n_true.get(box["label"], 0) + 1
        for label, hit, score in _matches(true_boxes, boxes):
            hits, scores = per_class.setdefault(label, ([], []))
            hits.append(hit)
            scores.append(score)
    if not n_true:
        return None, {}
    figures: dict[str, dict[str, float]] = {}
    for label, count in sorted(n_true.items()):
        hits, scores = per_class.get(label, ([], []))
        figures[label] = {
            "ap50": average_precision(hits, scores, count),
            "precision": sum(hits) / len(hits) if hits else 0.0,
            "recall": sum(hits) / count,
            "support": float(count),
        }
    return float(np.mean([f["ap50"] for f in figures.values()])), figures
