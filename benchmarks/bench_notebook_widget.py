"""A key press in the notebook widget: label, lease the next item, show it.

The baseline, measured in the same run on the same project, is the store's
work a label cannot avoid, through the facade: ``project.label`` then
``project.next_items(1)``. The widget adds what it shows (the item view, the
synced traits; no front end is connected, so nothing is sent). A third figure
is the widget's first design, which recomputed the project's figures
(``progress_figures``: ``project_stats`` and the model history) on every key:
the reason the widget now counts its own labels and recomputes in a thread.

    python benchmarks/bench_notebook_widget.py                  # 20,000 texts, SQLite
    python benchmarks/bench_notebook_widget.py --items 100000 --labels 300
    python benchmarks/bench_notebook_widget.py --db postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from activelabel import Project
from activelabel.notebook.progress import progress_figures

RESULTS = Path(__file__).parent / "results" / "notebook_widget.json"
WORDS = "free win call now prize text reply meet lunch home later cash claim".split()


def texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(12)) + f" #{i}" for i in range(n)]


def per_label_ms(step: Callable[[str], None], n: int) -> dict[str, float]:
    """Median and p95 of ``step`` over ``n`` labels, in milliseconds."""
    times = []
    for i in range(n):
        start = time.perf_counter()
        step(("ham", "spam")[i % 2])
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument("--db", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-notebook-") as folder:
        db = args.db or str(Path(folder) / "bench.db")
        source = Path(folder) / "texts.csv"
        pd.DataFrame({"text": texts(args.items)}).to_csv(source, index=False)
        name = f"bench-notebook-{random.randrange(10**6)}"
        with Project.create(db, name, labels=["ham", "spam"]) as project:
            t = time.perf_counter()
            project.import_file(source, text_column="text")
            print(f"imported {args.items:,} texts in {time.perf_counter() - t:.1f} s")

            held = project.next_items(1, annotator="facade")

            def facade_step(value: str) -> None:
                project.label(held[0], value, annotator="facade")
                held[:] = project.next_items(1, annotator="facade")

            def figures_step(value: str) -> None:
                facade_step(value)
                progress_figures(
                    project.store, project=name, annotator="facade", trainer=None
                )

            widget = project.widget(annotator="widget", retrain=False)
            try:
                # Interleaved rounds, so drift on a shared machine hits all three.
                rows: dict[str, list[dict[str, float]]] = {}
                for _ in range(3):
                    for label, step in (
                        ("facade label + next item (baseline)", facade_step),
                        ("widget key press", widget.label),
                        ("facade + figures per key (first design)", figures_step),
                    ):
                        rows.setdefault(label, []).append(
                            per_label_ms(step, args.labels // 3)
                        )
            finally:
                widget.close()

    baseline = statistics.median(r["median_ms"] for r in rows[next(iter(rows))])
    report = {"items": args.items, "labels": args.labels, "db": args.db or "sqlite"}
    for label, runs in rows.items():
        median = statistics.median(r["median_ms"] for r in runs)
        p95 = statistics.median(r["p95_ms"] for r in runs)
        ratio = median / baseline
        report[label] = {"median_ms": median, "p95_ms": p95, "ratio": round(ratio, 2)}
        print(f"{label:42s} median {median:7.2f} ms  p95 {p95:7.2f} ms  x{ratio:.2f}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
