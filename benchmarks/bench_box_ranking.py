"""Ranking images from their predicted boxes: the ``ranking`` section of
``benchmarks/bench_detection.py`` (run it with ``--only ranking``).

100,000 images (``--ranking-images``), each with 0-20 predicted boxes (seeded;
about a million boxes), scores drawn from a Beta(2, 2) so that many fall in
the uncertain band. Each strategy of :mod:`activelabel.al.box_scores` is timed
two ways, best of three:

* **from stored boxes**: the boxes as the round holds them after reading the
  predictions (a list of ``{"x", "y", "w", "h", "label", "score"}`` per image)
  turned into flat arrays (:meth:`ImageBoxes.from_lists`), scored, and the
  pool ordered (``argsort``);
* **from arrays**: the same boxes already flat (a detector's output), scored
  and ordered.

A baseline in the same run computes the least-confident box in plain Python
(a loop over images and their boxes, ``sorted``), as a round would without
the arrays. The goal: ranking 100,000 images in at most 1 s.

**round** (SQLite): the same boxes stored as imported predictions of a
detection project, and a whole box round computed over it
(:func:`activelabel.loop.round.compute_round`, no detector): reading the
pool and every image's newest prediction, scoring, ordering, the queue's
500 suggestions. Its steps' seconds show where the time goes.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from activelabel.al.box_scores import BOX_STRATEGIES, ImageBoxes
from activelabel.loop.round import compute_round
from activelabel.store.engine import open_store
from activelabel.store.models import Item
from activelabel.store.predictions import PredictionRow, write_predictions
from activelabel.store.projects import create_project

GOAL_SECONDS = 1.0


def _timed(fn: Callable[[], Any], repeat: int = 3) -> dict[str, float]:
    """Best of ``repeat``: this process's CPU seconds and the wall clock."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return {"cpu_s": round(best_cpu, 3), "wall_s": round(best_wall, 3)}


def synthetic_predictions(
    n_images: int, seed: int = 0
) -> tuple[list[list[dict[str, Any]]], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Stored-shaped boxes per image, and the same as flat scores and counts."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 21, size=n_images)
    scores = rng.beta(2.0, 2.0, size=int(counts.sum()))
    corners = rng.random((scores.size, 2)) * 0.5
    sizes = 0.05 + rng.random((scores.size, 2)) * 0.4
    labels = ("person", "car", "dog", "bicycle", "bottle")
    stored: list[list[dict[str, Any]]] = []
    k = 0
    for count in counts:
        boxes = []
        for j in range(k, k + int(count)):
            boxes.append(
                {
                    "x": float(corners[j, 0]),
                    "y": float(corners[j, 1]),
                    "w": float(sizes[j, 0]),
                    "h": float(sizes[j, 1]),
                    "label": labels[j % 5],
                    "score": float(scores[j]),
                }
            )
        stored.append(boxes)
        k += int(count)
    return stored, scores, counts


def _python_least_confident(stored: list[list[dict[str, Any]]]) -> list[int]:
    scores = [
        1.0 - max(box["score"] for box in boxes) if boxes else 0.0 for boxes in stored
    ]
    return sorted(range(len(scores)), key=lambda i: -scores[i])


def run_ranking(args: argparse.Namespace) -> dict[str, Any]:
    """Time each box strategy over a pool of images (see the module docstring)."""
    n = int(getattr(args, "ranking_images", 100_000))
    stored, flat_scores, counts = synthetic_predictions(n)
    rows = []
    for name, score in BOX_STRATEGIES.items():

        def from_stored(score: Any = score) -> None:
            np.argsort(-score(ImageBoxes.from_lists(stored)), kind="stable")

        def from_arrays(score: Any = score) -> None:
            np.argsort(
                -score(ImageBoxes.from_counts(flat_scores, counts)), kind="stable"
            )

        rows.append(
            {
                "strategy": name,
                "from_stored": _timed(from_stored),
                "from_arrays": _timed(from_arrays),
            }
        )
    baseline = _timed(lambda: _python_least_confident(stored))
    # The two ways agree on the order (a check, not a timing).
    ours = np.argsort(
        -BOX_STRATEGIES["least_confident_box"](ImageBoxes.from_lists(stored)),
        kind="stable",
    )
    agree = bool(np.array_equal(ours, np.asarray(_python_least_confident(stored))))
    return {
        "round": _round_from_the_store(stored),
        "images": n,
        "boxes": int(flat_scores.size),
        "goal_s": GOAL_SECONDS,
        "strategies": rows,
        "python_baseline_least_confident": baseline,
        "same_order_as_baseline": agree,
    }


def _round_from_the_store(stored: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """A box round over ``stored`` as imported predictions in SQLite (best of 2)."""
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'ranking.db'}")
        try:
            with store.session(write=True) as session:
                project = create_project(
                    session,
                    name="ranking",
                    task="detection",
                    labels=["person", "car", "dog", "bicycle", "bottle"],
                    modality="image",
                )
                project_id = project.id
                session.execute(
                    insert(Item),
                    [
                        {
                            "project_id": project_id,
                            "external_id": f"{i}.png",
                            "content_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                            "data": {"path": f"{i}.png", "width": 64, "height": 48},
                        }
                        for i in range(len(stored))
                    ],
                )
                ids = list(session.scalars(select(Item.id).order_by(Item.id)))
                write_predictions(
                    session,
                    project_id,
                    [
                        PredictionRow(i, "bench", b)
                        for i, b in zip(ids, stored, strict=True)
                    ],
                )
            best: dict[str, Any] = {}
            for _ in range(2):
                cpu, wall = time.process_time(), time.perf_counter()
                computed = compute_round(store, project_id, queue_size=500)
                figures = {
                    "cpu_s": round(time.process_time() - cpu, 3),
                    "wall_s": round(time.perf_counter() - wall, 3),
                    "steps_s": computed.report.seconds,
                    "queued": len(computed.candidates),
                }
                if not best or figures["cpu_s"] < best["cpu_s"]:
                    best = figures
            return best
        finally:
            store.close()


def ranking_table(figures: dict[str, Any]) -> Iterator[str]:
    """The ranking section as a Markdown table."""
    base = figures["python_baseline_least_confident"]
    yield ""
    yield (
        f"Ranking {figures['images']:,} images ({figures['boxes']:,} boxes), "
        f"goal <= {figures['goal_s']} s; CPU s (wall s), best of 3"
    )
    yield ""
    yield "| strategy | from stored boxes | from arrays | plain Python (least confident) |"
    yield "|---|---|---|---|"
    for row in figures["strategies"]:
        stored, arrays = row["from_stored"], row["from_arrays"]
        yield (
            f"| {row['strategy']} | {stored['cpu_s']} ({stored['wall_s']}) "
            f"| {arrays['cpu_s']} ({arrays['wall_s']}) "
            f"| {base['cpu_s']} ({base['wall_s']}) |"
        )
    whole = figures.get("round")
    if whole:
        steps = ", ".join(f"{k} {v} s" for k, v in whole["steps_s"].items())
        yield ""
        yield (
            f"A whole box round over them as imported predictions (SQLite): "
            f"{whole['cpu_s']} CPU s ({whole['wall_s']} wall): {steps}."
        )
