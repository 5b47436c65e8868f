"""Query-round benchmark: score a large pool and pick a batch.

Pool: N × 50 dense float32 features, 10 classes; a logistic regression trained
on 1,000 labels; batch 100. For each strategy we time the whole round
(``strategy.query``) and, for the uncertainty measures, scoring alone, and
report each as a ratio to scikit-learn's own ``predict_proba`` measured in the
same run. The baseline runs on as many BLAS threads as numpy has (both cores
here) while activelabel scores on one, so on a quiet machine the wall-clock
ratio is the least favourable and on a busy one it flatters activelabel (the
baseline's threads wait for each other); the table therefore also gives CPU
seconds, the baseline on one BLAS thread, and the load average before and
after the run. Peak extra memory (tracemalloc; numpy reports its buffers to it) is
measured at N and at 10 N rows, with the pool memory-mapped from disk, to show
that memory stays flat as the pool grows. If ``benchmarks/.venv-peers`` exists
(see ``setup_peers.sh``), modAL and scikit-activeml are timed there on the same
pool.

    python benchmarks/bench_query.py [--rows 1000000] [--big-rows 10000000]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
N_FEATURES, N_CLASSES, N_LABELED, BATCH = 50, 10, 1_000, 100
MANY_LABELED = 100_000


def make_pool(n: int, seed: int = 0, out: Path | None = None) -> Any:
    """Gaussian class blobs in 50 dims, generated in chunks (memmap if ``out``)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=1.0, size=(N_CLASSES, N_FEATURES)).astype(np.float32)
    X = (
        np.lib.format.open_memmap(
            out, mode="w+", dtype=np.float32, shape=(n, N_FEATURES)
        )
        if out is not None
        else np.empty((n, N_FEATURES), dtype=np.float32)
    )
    y = np.empty(n, dtype=np.int64)
    step = 1_000_000
    for start in range(0, n, step):
        m = min(step, n - start)
        labels = rng.integers(0, N_CLASSES, size=m)
        X[start : start + m] = centers[labels] + rng.normal(
            size=(m, N_FEATURES)
        ).astype(np.float32) * np.float32(2.0)
        y[start : start + m] = labels
    if out is not None:
        X.flush()
    return X, y


def timed(fn: Any, repeat: int = 3) -> float:
    """Best of ``repeat`` wall-clock runs, in seconds."""
    return timed_row(fn, repeat)["seconds"]


def timed_row(fn: Any, repeat: int = 3) -> dict[str, float]:
    """Best of ``repeat`` runs: wall-clock and CPU seconds (all threads), each the least."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return {"seconds": wall, "cpu_seconds": cpu}


def peak_memory_mb(fn: Any) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def peer_mode(n: int) -> None:
    """Run inside the peers venv: time modAL and scikit-activeml, print JSON."""
    from sklearn.linear_model import LogisticRegression

    X, y = make_pool(n)
    model = LogisticRegression(max_iter=1000).fit(X[:N_LABELED], y[:N_LABELED])
    pool = X[N_LABELED:]
    out: dict[str, Any] = {
        "sklearn_predict_proba": timed(lambda: model.predict_proba(pool))
    }
    from modAL.uncertainty import (
        entropy_sampling,
        margin_sampling,
        uncertainty_sampling,
    )

    for name, fn in [
        ("least_confidence", uncertainty_sampling),
        ("margin", margin_sampling),
        ("entropy", entropy_sampling),
    ]:
        out[f"modAL {name}"] = timed(lambda fn=fn: fn(model, pool, n_instances=BATCH))
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import UncertaintySampling
    from skactiveml.utils import MISSING_LABEL

    y_sk = np.full(n, MISSING_LABEL)
    y_sk[:N_LABELED] = y[:N_LABELED]
    clf = SklearnClassifier(
        LogisticRegression(max_iter=1000), classes=np.arange(N_CLASSES)
    ).fit(X, y_sk)
    for name, method in [
        ("least_confidence", "least_confident"),
        ("margin", "margin_sampling"),
        ("entropy", "entropy"),
    ]:
        qs = UncertaintySampling(method=method, random_state=0)
        out[f"scikit-activeml {name}"] = timed(
            lambda qs=qs: qs.query(X, y_sk, clf=clf, fit_clf=False, batch_size=BATCH),
            repeat=2,
        )
    print(json.dumps(out))


def run_peers(n: int) -> dict[str, float] | None:
    python = HERE / ".venv-peers" / "bin" / "python"
    if not python.exists():
        return None
    proc = subprocess.run(
        [str(python), __file__, "--peer-mode", "--rows", str(n)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print("peer run failed:", proc.stderr[-2000:], file=sys.stderr)
        return None
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--peer-mode", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=HERE / "results" / "bench_query.json"
    )
    args = parser.parse_args()
    if args.peer_mode:
        peer_mode(args.rows)
        return

    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info, threadpool_limits

    from activelabel.al import DiverseUncertaintySampling, make_strategy
    from activelabel.al.scores import linear_uncertainty_chunks, margin_scores
    from activelabel.al.selection import select_batch
    from activelabel.ml.training import fit_quietly

    n = args.rows
    blas_threads = max(
        (
            pool["num_threads"]
            for pool in threadpool_info()
            if pool["user_api"] == "blas"
        ),
        default=1,
    )
    X, y_true = make_pool(n)
    model = fit_quietly(
        LogisticRegression(max_iter=1000, class_weight="balanced"),
        X[:N_LABELED],
        y_true[:N_LABELED],
    )
    y = np.full(n, np.nan)
    y[:N_LABELED] = y_true[:N_LABELED]
    pool = X[N_LABELED:]

    rows: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    baseline = timed_row(lambda: model.predict_proba(pool))
    base, base_cpu = baseline["seconds"], baseline["cpu_seconds"]
    rows.append({"what": "sklearn predict_proba (baseline)", **baseline})
    with threadpool_limits(1, user_api="blas"):
        rows.append(
            {
                "what": "sklearn predict_proba, one BLAS thread",
                **timed_row(lambda: model.predict_proba(pool)),
            }
        )
    rows.append(
        {
            "what": "sklearn predict_proba + margin + argpartition",
            **timed_row(
                lambda: select_batch(
                    margin_scores(model.predict_proba(pool)), batch_size=BATCH
                )
            ),
        }
    )
    for method in ("least_confidence", "margin", "entropy"):

        def score_only(method: str = method) -> None:
            for _ in linear_uncertainty_chunks(model, X, method=method):
                pass

        rows.append(
            {"what": f"activelabel {method}: scoring only", **timed_row(score_only)}
        )
    for name in (
        "random",
        "least_confidence",
        "margin",
        "entropy",
        "default",
        "qbc_vote_entropy",
    ):
        strategy = make_strategy(name, random_state=0)
        rows.append(
            {
                "what": f"activelabel {name}: full round",
                **timed_row(
                    lambda s=strategy: s.query(X, y, estimator=model, batch_size=BATCH),
                    repeat=1 if name.startswith("qbc") else 3,
                ),
            }
        )
    # The coverage weight compares a 1,000-row sample with every labeled row;
    # time it with a hundred times more labels, and the weight it replaced.
    many = np.full(n, np.nan)
    many[:MANY_LABELED] = y_true[:MANY_LABELED]
    default = make_strategy("default", random_state=0)
    rows.append(
        {
            "what": f"activelabel default, {MANY_LABELED:,} labeled: full round",
            **timed_row(
                lambda: default.query(X, many, estimator=model, batch_size=BATCH)
            ),
        }
    )
    previous = DiverseUncertaintySampling(weight="typicality", random_state=0)
    rows.append(
        {
            "what": "activelabel default with typicality weight: full round",
            **timed_row(
                lambda: previous.query(X, y, estimator=model, batch_size=BATCH)
            ),
        }
    )
    load_after = os.getloadavg()
    peers = None if args.no_peers else run_peers(n)
    if peers:
        peer_base = peers.pop("sklearn_predict_proba")
        rows.append({"what": "peers venv: sklearn predict_proba", "seconds": peer_base})
        for key, value in peers.items():
            # Ratios use the peers' own baseline, measured in their process.
            rows.append(
                {"what": f"peer {key}", "seconds": value, "ratio": value / peer_base}
            )
    for row in rows:
        row.setdefault("ratio", row["seconds"] / base)
        if "cpu_seconds" in row:
            row["cpu_ratio"] = row["cpu_seconds"] / base_cpu

    memory: list[dict[str, Any]] = []
    margin = make_strategy("margin", random_state=0)
    with tempfile.TemporaryDirectory() as tmp:
        for size in (n, args.big_rows):
            Xm, ym = make_pool(size, out=Path(tmp) / f"pool_{size}.npy")
            del ym
            yl = np.full(size, np.nan)
            yl[:N_LABELED] = y_true[:N_LABELED]
            t = time.perf_counter()
            peak = peak_memory_mb(
                lambda Xm=Xm, yl=yl: margin.query(
                    Xm, yl, estimator=model, batch_size=BATCH
                )
            )
            memory.append(
                {
                    "rows": size,
                    "peak_extra_mb": peak,
                    "seconds": time.perf_counter() - t,
                    "pool_mb": size * N_FEATURES * 4 / 1e6,
                    "full_proba_matrix_mb_if_materialised": size * N_CLASSES * 8 / 1e6,
                }
            )
            del Xm

    print(
        f"\nQuery round: {n:,} x {N_FEATURES} float32, {N_CLASSES} classes, "
        f"LR on {N_LABELED} labels, batch {BATCH}"
    )
    print(
        f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'what':<58} {'seconds':>9} {'x predict_proba':>16} "
        f"{'CPU s':>7} {'CPU x predict_proba':>20}"
    )
    for row in rows:
        cpu = (
            f"{row['cpu_seconds']:>7.3f} {row['cpu_ratio']:>20.2f}"
            if "cpu_seconds" in row
            else f"{'—':>7} {'—':>20}"
        )
        print(f"{row['what']:<58} {row['seconds']:>9.3f} {row['ratio']:>16.2f} {cpu}")
    print("\nMemory (margin round, pool memory-mapped from disk; tracemalloc peak)")
    print(f"{'rows':>12} {'peak extra MB':>14} {'seconds':>9} {'proba matrix MB':>16}")
    for m in memory:
        print(
            f"{m['rows']:>12,} {m['peak_extra_mb']:>14.1f} {m['seconds']:>9.2f} "
            f"{m['full_proba_matrix_mb_if_materialised']:>16.0f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "setup": {
                    "rows": n,
                    "features": N_FEATURES,
                    "classes": N_CLASSES,
                    "labeled": N_LABELED,
                    "batch": BATCH,
                    "python": platform.python_version(),
                    "numpy": np.__version__,
                    "machine": platform.machine(),
                    "cpus": os.cpu_count(),
                    "blas_threads": blas_threads,
                    "load_average_before": load_before,
                    "load_average_after": load_after,
                    "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                },
                "timings": rows,
                "memory": memory,
            },
            indent=2,
        )
    )
    print(f"\nwrote {args.out.name}")


if __name__ == "__main__":
    main()
