"""Imported predictions and the queries dataset: what they cost beside what they extend.

One project of synthetic texts per backend, in one process and one run:

* importing a prediction (label, score) for every stored item, against
  importing the items themselves (the baseline);
* a round without a model whose queue the predictions order, against the
  same round before the predictions were imported (cold start, features
  already cached);
* ``activelabel query`` scoring every unlabeled item under three strategies,
  against the round that trained the model (which scores the pool too).

    python benchmarks/bench_predictions.py                 # 100,000 items, SQLite + PostgreSQL
    python benchmarks/bench_predictions.py --items 20000 --no-postgres

Writes ``results/predictions.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from activelabel.io.importer import import_path
from activelabel.loop.query_scores import score_queries
from activelabel.loop.round import run_round
from activelabel.store.engine import open_store
from activelabel.store.projects import create_project

SPAM = "free win prize claim text reply urgent cash offer mobile".split()
HAM = "ok home sorry later lunch dinner see you soon thanks".split()
RESULTS = Path(__file__).parent / "results" / "predictions.json"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def write_files(folder: Path, n: int, labeled: int) -> dict[str, Path]:
    """Items, their predictions and a few labels, as the commands read them."""
    rng = random.Random(0)
    items, preds, labels = (
        folder / "items.csv",
        folder / "preds.jsonl",
        folder / "labels.csv",
    )
    with (
        items.open("w", newline="", encoding="utf-8") as f_items,
        preds.open("w", encoding="utf-8") as f_preds,
        labels.open("w", newline="", encoding="utf-8") as f_labels,
    ):
        w_items, w_labels = csv.writer(f_items), csv.writer(f_labels)
        w_items.writerow(["id", "text"])
        w_labels.writerow(["id", "text", "label"])
        for i in range(n):
            spam = rng.random() < 0.3
            words = SPAM if spam else HAM
            text = " ".join(rng.choice(words + HAM) for _ in range(rng.randint(5, 20)))
            w_items.writerow([f"r{i}", text])
            if i < labeled:
                w_labels.writerow([f"r{i}", text, "spam" if spam else "ham"])
            score = round(rng.uniform(0.5, 1.0), 3)
            f_preds.write(
                json.dumps(
                    {"id": f"r{i}", "label": "spam" if spam else "ham", "score": score}
                )
                + "\n"
            )
    return {"items": items, "preds": preds, "labels": labels}


def timed(run: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def bench(url: str, files: dict[str, Path], n: int, cache: Path) -> dict[str, Any]:
    store = open_store(url)
    with store.session() as session:
        project = create_project(
            session, name="bench", task="classification", labels=["ham", "spam"]
        )
        project_id = project.id
    out: dict[str, Any] = {"items": n}
    out["import_items_s"], _ = timed(
        lambda: import_path(store, "bench", files["items"], id_column="id")
    )
    # The first round featurizes the pool (and caches it); the baseline is the
    # second, which reads the cache as every later round does.
    out["first_round_s"], _ = timed(
        lambda: run_round(store, project_id, queue_size=500, cache_dir=cache)
    )
    out["cold_round_s"], _ = timed(
        lambda: run_round(store, project_id, queue_size=500, cache_dir=cache)
    )
    out["import_predictions_s"], report = timed(
        lambda: import_path(
            store, "bench", files["preds"], as_predictions=True, model_name="bert"
        )
    )
    assert report.predictions_added == n
    out["predictions_round_s"], rr = timed(
        lambda: run_round(store, project_id, queue_size=500, cache_dir=cache)
    )
    assert rr.strategy == "predictions:margin", rr.strategy
    import_path(store, "bench", files["labels"], id_column="id", label_column="label")
    out["training_round_s"], trained = timed(
        lambda: run_round(store, project_id, queue_size=500, cache_dir=cache)
    )
    assert trained.model_version is not None
    out["query_s"], scored = timed(
        lambda: score_queries(
            store,
            "bench",
            strategies=["margin", "entropy", "least_confidence"],
            cache_dir=cache,
        )
    )
    out["queried"] = scored.pool_size
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--labeled", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write_files(folder, args.items, args.labeled)
        targets = {"sqlite": f"sqlite:///{folder / 'bench.db'}"}
        pg_name = None
        if not args.no_postgres:
            import psycopg

            pg_name = f"bench_pred_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{pg_name}"')
            base = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://")
            targets["postgresql"] = base.rsplit("/", 1)[0] + f"/{pg_name}"
        try:
            for name, url in targets.items():
                results[name] = bench(url, files, args.items, folder / f"cache-{name}")
        finally:
            if pg_name is not None:
                import psycopg

                with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    print(f"{'backend':<11}{'what':<34}{'seconds':>9}{'rows/s':>11}{'vs baseline':>13}")
    for name, r in results.items():
        lines = [
            (
                "import items (baseline)",
                r["import_items_s"],
                r["items"],
                r["import_items_s"],
            ),
            (
                "import predictions",
                r["import_predictions_s"],
                r["items"],
                r["import_items_s"],
            ),
            (
                "cold-start round (baseline)",
                r["cold_round_s"],
                r["items"],
                r["cold_round_s"],
            ),
            (
                "round ordered by predictions",
                r["predictions_round_s"],
                r["items"],
                r["cold_round_s"],
            ),
            (
                "training round (baseline)",
                r["training_round_s"],
                r["items"],
                r["training_round_s"],
            ),
            ("query, 3 strategies", r["query_s"], r["queried"], r["training_round_s"]),
        ]
        for what, seconds, rows, baseline in lines:
            print(
                f"{name:<11}{what:<34}{seconds:>9.2f}{rows / seconds:>11,.0f}"
                f"{seconds / baseline:>12.2f}x"
            )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
