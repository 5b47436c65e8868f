"""Benchmark: the review queue, the browse view and the review counts on a large project.

A project of ``--items`` texts (100,000 by default), 60 % labeled by one
annotator each, a tenth of those by a second annotator too (a quarter of
which disagree: conflicts), an imported prediction on half of the items, a
review on 5 % of the labeled items. Each list is timed as its route runs it
(one page of 50 with its total count), median of ``--repeat`` runs.

Baseline, measured in the same run: counting the labeled items, the one full
scan of the project's labels that ``activelabel stats`` always did. The table
gives each query's time and its ratio to that baseline.

Usage::

    python benchmarks/bench_review.py                  # SQLite, 100,000 items
    python benchmarks/bench_review.py --items 20000    # quicker
    python benchmarks/bench_review.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench

Writes ``benchmarks/results/review.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from activelabel.store.engine import Store, open_store
from activelabel.store.models import Annotation, Item, Prediction, Review, User
from activelabel.store.projects import create_project
from activelabel.store.review_counts import review_counts
from activelabel.store.review_filters import ItemFilters, ItemOrder
from activelabel.store.review_queue import browse_items, review_queue

RESULTS = Path(__file__).parent / "results" / "review.json"


from activelabel.io.importer import settle_after_import  # noqa: E402


def build(store: Store, n_items: int, seed: int) -> None:
    """The project ``bench`` with labels, predictions and reviews."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    with store.session(write=True) as session:
        project = create_project(
            session, name="bench", task="classification", labels=["ham", "spam"]
        )
        users = [User(name=f"ann{i}", token_hash=f"{i:064d}") for i in range(5)]
        session.add_all(users)
        session.flush()
        items = [
            {
                "project_id": project.id,
                "external_id": f"i{i}",
                "content_hash": f"{i:064x}",
                "data": {"text": f"message {i}"},
            }
            for i in range(n_items)
        ]
        for start in range(0, n_items, 20_000):
            session.execute(insert(Item), items[start : start + 20_000])
        ids = list(
            session.scalars(select(Item.id).where(Item.project_id == project.id))
        )
        labels, predictions, reviews = [], [], []
        for item_id in ids:
            value = rng.choice(["ham", "spam"])
            if rng.random() < 0.5:
                predictions.append(
                    {
                        "project_id": project.id,
                        "item_id": item_id,
                        "model_name": "other",
                        "value": rng.choice(["ham", "spam"]),
                        "score": rng.random(),
                    }
                )
            if rng.random() >= 0.6:
                continue
            first, second = rng.sample(users, 2)
            labels.append((item_id, first.id, value))
            if rng.random() < 0.1:
                other = (
                    value if rng.random() < 0.75 else ("ham", "spam")[value == "ham"]
                )
                labels.append((item_id, second.id, other))
            if rng.random() < 0.05:
                reviews.append(
                    {
                        "project_id": project.id,
                        "item_id": item_id,
                        "reviewer_id": users[-1].id,
                        "decision": "accepted",
                        "created_at": now,
                    }
                )
        rows = [
            {
                "project_id": project.id,
                "item_id": item_id,
                "annotator_id": user_id,
                "value": value,
                "source": "human",
                "status": "active",
                "created_at": now - dt.timedelta(minutes=1),
            }
            for item_id, user_id, value in labels
        ]
        for start in range(0, len(rows), 20_000):
            session.execute(insert(Annotation), rows[start : start + 20_000])
        for start in range(0, len(predictions), 20_000):
            session.execute(insert(Prediction), predictions[start : start + 20_000])
        if reviews:
            session.execute(insert(Review), reviews)
    # As an import leaves it: PostgreSQL's planner with statistics of the new
    # rows (without them it nests loops over the aggregates: 166 s at 100k).
    settle_after_import(store)


def timed(run: Callable[[], Any], repeat: int) -> float:
    """Median seconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="a database URL (default: a SQLite file)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        store = open_store(url)
        try:
            print(f"building {args.items:,} items on {store.dialect} ...", flush=True)
            build(store, args.items, args.seed)
            with store.session() as session:
                from activelabel.store.projects import get_project

                project = get_project(session, "bench")
                queries: dict[str, Callable[[], Any]] = {
                    "baseline: count labeled items": lambda: session.scalar(
                        select(func.count(func.distinct(Annotation.item_id))).where(
                            Annotation.project_id == project.id,
                            Annotation.status == "active",
                        )
                    ),
                    "review queue, first page": lambda: review_queue(session, project),
                    "review queue, conflicts only": lambda: review_queue(
                        session, project, ItemFilters(state="to_review", conflicts=True)
                    ),
                    "review queue, model disagrees": lambda: review_queue(
                        session,
                        project,
                        ItemFilters(state="to_review", model_disagrees=True),
                    ),
                    "review queue, random page 20": lambda: review_queue(
                        session, project, order=ItemOrder(key="random", seed=3), page=20
                    ),
                    "browse, by id, page 1000": lambda: browse_items(
                        session, project, page=1000
                    ),
                    "browse, unlabeled by confidence": lambda: browse_items(
                        session,
                        project,
                        ItemFilters(labeled="unlabeled"),
                        order=ItemOrder(key="confidence", descending=True),
                    ),
                    "review counts (stats)": lambda: review_counts(session, project),
                }
                results = {
                    name: timed(run, args.repeat) for name, run in queries.items()
                }
        finally:
            store.close()
    baseline = results["baseline: count labeled items"]
    print(f"\n{'query':<36} {'ms':>9} {'× baseline':>11}")
    for name, seconds in results.items():
        print(f"{name:<36} {seconds * 1000:>9.1f} {seconds / baseline:>11.1f}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "items": args.items,
                "database": url.split(":")[0],
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "seconds": results,
                "ratio_to_baseline": {k: v / baseline for k, v in results.items()},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
