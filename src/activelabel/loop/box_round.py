"""A round for boxes on images: a detector's or imported predictions order the queue.

:func:`activelabel.loop.round.compute_round` comes here when the project's
task adapter names a model family that learns from images
(:func:`activelabel.ml.model_families.family_input`). The round

1. reads the pool and the labeled images' boxes
   (:mod:`activelabel.loop.training_labels`);
2. **with a detector** (the project's ``detector`` setting, an installed
   plug-in: :mod:`activelabel.ml.detectors`) and enough labels (the adapter's
   ``can_train``): holds out :data:`HELD_OUT_SHARE` of the labeled images,
   fits the detector on the rest, in this (the worker) process, scores it by
   mAP at IoU 0.5 on the held-out images (:mod:`activelabel.ml.box_metrics`),
   and predicts every unlabeled image in batches; its boxes carry
   ``"source": "model"``. The fit is not repeated on all labels: a detector's
   fit is the round's longest step, and the next round sees the held-out
   images anyway.
3. **without one** (no setting, or too few labels): each unlabeled image's
   newest imported prediction (``import --as-predictions``, newest as
   :func:`activelabel.store.predictions.latest_predictions` says), its boxes
   carrying ``"source": "prediction"``;
4. scores each image with the project's box strategy
   (:data:`activelabel.al.box_scores.BOX_STRATEGIES`, default the least
   confident box) and queues the highest first, each with its boxes as the
   suggestion, the best box score as its confidence and the image's score.
   Images with no prediction (or a box without a score) follow in random
   order; before any prediction exists the whole queue is random.

It reads the store only; :func:`activelabel.loop.write.write_round` writes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
from sqlalchemy import select

from activelabel.al.box_scores import BOX_STRATEGIES, ImageBoxes
from activelabel.io.media_roots import media_file, root_paths
from activelabel.loop.pool_memo import PoolMemo
from activelabel.loop.round_start import kind_strategy, read_round_inputs
from activelabel.loop.write import ComputedRound, NewModelVersion
from activelabel.ml.box_metrics import map_at_50
from activelabel.ml.detectors import DetectorImage, predict_in_batches
from activelabel.ml.model_families import fit_image_family
from activelabel.store.engine import Store
from activelabel.store.models import Item, Prediction
from activelabel.store.queue import QueueCandidate
from activelabel.tasks import TaskAdapter

__all__ = ["HELD_OUT_SHARE", "box_strategy", "compute_box_round"]

#: Share of the labeled images kept out of the fit to score the detector.
HELD_OUT_SHARE: Final = 0.2
#: What a detector's model version says its ``cv_score`` is.
SCORE_METRIC: Final = "map50"
#: Items whose rows are read per query.
_CHUNK: Final = 2_000


def box_strategy(adapter: TaskAdapter, asked: str | None) -> str:
    """The strategy that orders a box project's queue (:func:`kind_strategy`)."""
    return kind_strategy(adapter, asked, BOX_STRATEGIES, "images by their boxes")


def compute_box_round(
    store: Store,
    project_id: int,
    *,
    adapter: TaskAdapter,
    queue_size: int = 500,
    strategy: str | None = None,
    random_state: int = 0,
    memo: PoolMemo | None = None,
) -> ComputedRound:
    """Everything of a box round but its writes (see the module docstring)."""
    timings: dict[str, float] = {}
    started = time.monotonic()
    t = time.perf_counter()
    inputs = read_round_inputs(store, project_id, memo)
    report, rows, labels = inputs.report, inputs.rows, inputs.labels
    settings = inputs.project.settings
    label_names = [str(label) for label in inputs.project.labels]
    if not rows:
        report.note = "The project has no items yet."
        return ComputedRound(project_id=project_id, report=report, empty=True)
    item_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    labeled_ids = [i for i, v in labels.items() if isinstance(v, list)]
    report.n_labels = len(labeled_ids)
    pool_ids = [int(i) for i in item_ids if int(i) not in labels]
    timings["load"] = time.perf_counter() - t

    detector = getattr(settings, "detector", None)
    weights = getattr(settings, "detector_weights", None)
    family = adapter.model_family
    new_model = None
    values = [labels[i] for i in labeled_ids]
    if detector and family is not None and adapter.can_train(values):
        t = time.perf_counter()
        fitted, new_model = _fit(
            store, project_id, family, detector, weights, label_names,
            labeled_ids, labels, random_state,
        )  # fmt: skip
        timings["train"] = time.perf_counter() - t
        t = time.perf_counter()
        boxes_of, source = _predict_pool(store, project_id, fitted, pool_ids), "model"
        timings["predict"] = time.perf_counter() - t
    else:
        t = time.perf_counter()
        boxes_of, source = _imported(store, project_id, pool_ids), "prediction"
        timings["predictions"] = time.perf_counter() - t
        report.note = _why_no_detector(detector, adapter, values)

    t = time.perf_counter()
    name = box_strategy(adapter, strategy or settings.strategy)
    if not boxes_of:
        name = "random"
    order, scores = _order(pool_ids, boxes_of, name, random_state)
    if name != "random" and pool_ids and np.isnan(scores).all():
        # Boxes without scores (labels imported as predictions) order nothing.
        name = "random"
        report.note = (
            f"{report.note or ''} The predictions carry no scores, so the "
            "queue is random; each image still shows its boxes."
        ).strip()
    picked = order[:queue_size]
    candidates = [
        _candidate(pool_ids[p], boxes_of.get(pool_ids[p]), source, scores[p], rank, picked.size)
        for rank, p in enumerate(picked)
    ]  # fmt: skip
    timings["score"] = time.perf_counter() - t
    report.strategy = name
    report.seconds = {k: round(v, 3) for k, v in timings.items()}
    if new_model is not None:
        report.cv_score = new_model.cv_score
    return ComputedRound(
        project_id=project_id,
        report=report,
        strategy=name,
        pool_size=len(pool_ids),
        candidates=candidates,
        model=new_model,
        started=started,
    )


def _why_no_detector(
    detector: str | None, adapter: TaskAdapter, values: Sequence[Any]
) -> str:
    if not detector:
        return (
            "No detector is set (the project's detector setting); imported "
            "predictions order the queue, images without one come last at random."
        )
    return (
        f"The detector {detector!r} fits once enough images are labeled "
        f"({len(values)} so far, with "
        f"{sum(len(v) for v in values)} boxes); imported predictions order the "
        "queue meanwhile."
    )


def _order(
    pool_ids: Sequence[int],
    boxes_of: Mapping[int, tuple[list[dict[str, Any]], float | None]],
    name: str,
    random_state: int,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Pool positions best first, and each image's score (NaN: unscored).

    Scored images by score, ties in random order; then the unscored at random.
    """
    n = len(pool_ids)
    scores = np.full(n, np.nan)
    tiebreak = np.random.default_rng(random_state).random(n)
    if name != "random" and n:
        have = [p for p, i in enumerate(pool_ids) if i in boxes_of]
        batch = ImageBoxes.from_lists(
            [boxes_of[pool_ids[p]][0] for p in have],
            default_scores=[boxes_of[pool_ids[p]][1] for p in have],
        )
        image_scores = BOX_STRATEGIES[name](batch)
        # A box without any score leaves its image unscored, not scored as sure.
        owner = np.repeat(np.arange(len(have)), batch.counts)
        unknown = (
            np.bincount(owner, weights=np.isnan(batch.scores), minlength=len(have)) > 0
        )
        image_scores[unknown] = np.nan
        scores[np.asarray(have, dtype=np.intp)] = image_scores
    scored = ~np.isnan(scores)
    # lexsort: last key first: scored before unscored, higher score, then tiebreak.
    order = np.lexsort((tiebreak, -np.nan_to_num(scores, nan=0.0), ~scored))
    return order, scores


def _candidate(
    item_id: int,
    found: tuple[list[dict[str, Any]], float | None] | None,
    source: str,
    score: float,
    rank: int,
    n: int,
) -> QueueCandidate:
    """A queue entry: the image's boxes as the suggestion, each marked with its
    source and score; the best box score as the confidence."""
    suggestion = None
    confidence = None
    if found is not None and found[0]:
        boxes, default = found
        suggestion = [
            {
                **{k: v for k, v in box.items() if k != "probabilities"},
                "source": source,
                "score": default if box.get("score") is None else box["score"],
            }
            for box in boxes
        ]
        known = [b["score"] for b in suggestion if b["score"] is not None]
        confidence = float(max(known)) if known else None
    return QueueCandidate(
        item_id=item_id,
        priority=float(n - rank),
        suggestion=suggestion,
        confidence=confidence,
        score=None if np.isnan(score) else float(score),
    )


def _imported(
    store: Store, project_id: int, pool_ids: Sequence[int]
) -> dict[int, tuple[list[dict[str, Any]], float | None]]:
    """Each unlabeled image's newest imported boxes and the prediction's score.

    The newest as :func:`activelabel.store.predictions.latest_predictions`
    picks it (import time, then id), but read in one scan of the project's
    predictions: every image of the pool is scored, and 50 queries of 2,000
    ids cost half of a 100,000-image round's reading on SQLite.
    """
    wanted = set(pool_ids)
    newest: dict[int, tuple[Any, int, Any, float | None]] = {}
    with store.session() as session:
        rows = session.execute(
            select(
                Prediction.item_id,
                Prediction.created_at,
                Prediction.id,
                Prediction.value,
                Prediction.score,
            )
            .where(Prediction.project_id == project_id)
            .execution_options(yield_per=5_000)
        )
        for item_id, created, row_id, value, score in rows:
            if item_id not in wanted:
                continue
            known = newest.get(item_id)
            if known is None or (created, row_id) > known[:2]:
                newest[item_id] = (created, row_id, value, score)
    return {
        item_id: (_boxes(value), score)
        for item_id, (_, _, value, score) in newest.items()
        if isinstance(value, list)
    }


def _boxes(value: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        dict(box)
        for box in value
        if isinstance(box, dict) and {"x", "y", "w", "h", "label"} <= set(box)
    ]


def detector_images(
    store: Store, project_id: int, item_ids: Sequence[int]
) -> dict[int, DetectorImage]:
    """The image file and pixel size of each item (items without a file are absent)."""
    images: dict[int, DetectorImage] = {}
    with store.session() as session:
        for start in range(0, len(item_ids), _CHUNK):
            chunk = list(item_ids[start : start + _CHUNK])
            placed = session.execute(
                select(Item.id, Item.media_root_id, Item.media_path, Item.data).where(
                    Item.project_id == project_id, Item.id.in_(chunk)
                )
            ).all()
            roots = root_paths(session, (row[1] for row in placed))
            for item_id, root_id, path, data in placed:
                if root_id not in roots or not path:
                    continue
                size = data if isinstance(data, dict) else {}
                images[item_id] = DetectorImage(
                    item_id=item_id,
                    path=str(media_file(roots[root_id], path)),
                    width=_int_or_none(size.get("width")),
                    height=_int_or_none(size.get("height")),
                )
    return images


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _fit(
    store: Store,
    project_id: int,
    family: str,
    detector: str,
    weights: str | None,
    label_names: list[str],
    labeled_ids: list[int],
    labels: Mapping[int, Any],
    random_state: int,
) -> tuple[Any, NewModelVersion]:
    """Fit the detector on most labeled images, score it on the rest."""
    images = detector_images(store, project_id, labeled_ids)
    usable = [i for i in labeled_ids if i in images]
    rng = np.random.default_rng(random_state)
    shuffled = [usable[k] for k in rng.permutation(len(usable))]
    n_held = round(len(shuffled) * HELD_OUT_SHARE) if len(shuffled) >= 5 else 0
    held, train = shuffled[:n_held], shuffled[n_held:]
    fitted = fit_image_family(
        family,
        [images[i] for i in train],
        [_boxes(labels[i]) for i in train],
        labels=label_names,
        detector=detector,
        weights=weights,
    )
    score: float | None = None
    per_class: dict[str, dict[str, float]] = {}
    if held:
        predicted: list[list[dict[str, Any]]] = []
        for _, boxes in predict_in_batches(fitted, [images[i] for i in held]):
            predicted.extend(boxes)
        score, per_class = map_at_50([_boxes(labels[i]) for i in held], predicted)
    from activelabel.ml.training import model_version_name

    trained_at = dt.datetime.now(dt.UTC)
    metrics: dict[str, Any] = {
        "score_metric": SCORE_METRIC,
        "map50": score,
        # AP, precision, recall and support per labeled class (the page reads
        # precision, recall and support, as for classifiers).
        "per_class": per_class,
        "unlearned": [k for k, f in per_class.items() if not f["recall"]],
        "classes": list(fitted.labels),
        "held_out": len(held),
        "cv_folds": 0,
        "cv_note": (
            f"mAP at IoU 0.5 on {len(held)} labeled images held out of the fit."
            if held
            else "Fewer than 5 labeled images: none held out, no score."
        ),
        "multilabel": False,
        "model_family": family,
        "detector": detector,
        "detector_weights": weights,
        "estimator": type(fitted).__name__,
        "trained_at": trained_at.isoformat(),
    }
    version = NewModelVersion(
        name=model_version_name(trained_at, score),
        n_labels=len(train),
        featurizer=f"detector:{detector}",
        cv_score=score,
        metrics=metrics,
        artifact=fitted.to_bytes(),
    )
    return fitted, version


def _predict_pool(
    store: Store, project_id: int, fitted: Any, pool_ids: Sequence[int]
) -> dict[int, tuple[list[dict[str, Any]], float | None]]:
    """The fitted detector's boxes for every unlabeled image, batch by batch."""
    found: dict[int, tuple[list[dict[str, Any]], float | None]] = {}
    for start in range(0, len(pool_ids), _CHUNK):
        images = detector_images(store, project_id, pool_ids[start : start + _CHUNK])
        ordered = [images[i] for i in pool_ids[start : start + _CHUNK] if i in images]
        for batch, boxes in predict_in_batches(fitted, ordered):
            for image, image_boxes in zip(batch, boxes, strict=True):
                found[image.item_id] = (_boxes(image_boxes), None)
    return found
