"""Benchmark: export a 1,000,000-item project to CSV and Parquet.

Fills a fresh database (SQLite file, and PostgreSQL when reachable) with one
project of N text items, a third of them labeled by one or two annotators, then
times :func:`export_labels` and :func:`export_annotations` per format and reports
rows per second and the peak resident memory of the process. Results go to
``benchmarks/results/export.json`` and a table on stdout.

Usage::

    python benchmarks/bench_export.py                  # 1M items, SQLite + PostgreSQL
    python benchmarks/bench_export.py --items 100000 --backend sqlite

PostgreSQL comes from ``ACTIVELABEL_TEST_PG_URL`` (default: the local trust-auth
server, maintenance database ``test``); a throwaway database is created and
dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from activelabel.io.export import export_annotations, export_labels
from activelabel.store.engine import Store, open_store
from activelabel.store.models import Annotation, Item, User
from activelabel.store.projects import create_project

RESULTS = Path(__file__).parent / "results" / "export.json"
PROJECT = "bench"
BATCH = 50_000
WORDS = "the quick brown fox jumps over a lazy dog while seven wizards box".split()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(store: Store, n_items: int, seed: int = 0) -> int:
    """Insert the project, its items and annotations; return the annotation count."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    with store.session() as session:
        project = create_project(
            session, name=PROJECT, task="classification", labels=["neg", "pos"]
        )
        project_id = project.id
        users = []
        for name in ("ana", "ben", "chi"):
            user = User(name=name, token_hash=secrets.token_hex(32))
            session.add(user)
            session.flush()
            users.append(user.id)
    n_annotations = 0
    first_id: int | None = None
    for start in range(0, n_items, BATCH):
        stop = min(start + BATCH, n_items)
        items = [
            {
                "project_id": project_id,
                "external_id": f"doc-{i:07d}",
                "content_hash": f"{i:064x}",
                "data": {
                    "text": " ".join(rng.choices(WORDS, k=12)),
                    "source": rng.choice(("web", "mail", "chat")),
                },
                "created_at": now,
            }
            for i in range(start, stop)
        ]
        with store.session() as session:
            session.execute(insert(Item), items)
            if first_id is None:
                first_id = session.scalar(
                    select(func.min(Item.id)).where(Item.project_id == project_id)
                )
        assert first_id is not None
        annotations: list[dict[str, Any]] = []
        for i in range(start, stop):
            if i % 3:
                continue
            for annotator in rng.sample(users, k=rng.choice((1, 2))):
                annotations.append(
                    {
                        "project_id": project_id,
                        "item_id": first_id + i,
                        "annotator_id": annotator,
                        "value": rng.choice(("neg", "pos")),
                        "source": "human",
                        "status": "active",
                        "seconds_spent": round(rng.uniform(0.5, 9.0), 2),
                        "created_at": now,
                    }
                )
        with store.session() as session:
            session.execute(insert(Annotation), annotations)
        n_annotations += len(annotations)
        print(f"  inserted {stop:>9,} items", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    return n_annotations


@contextlib.contextmanager
def sqlite_url(workdir: Path) -> Iterator[str]:
    """A SQLite file in ``workdir``."""
    yield f"sqlite:///{workdir / 'bench.db'}"


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database, dropped afterwards."""
    import psycopg

    admin = make_url(
        os.environ.get(
            "ACTIVELABEL_TEST_PG_URL",
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        )
    )
    libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"al_bench_{secrets.token_hex(4)}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(
            drivername="postgresql+psycopg", database=name
        ).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _export_in_child(url: str, dataset: str, fmt: str, target: str) -> dict[str, Any]:
    """Run one export in this (fresh) process; return its numbers and peak RSS."""
    export = export_labels if dataset == "labels" else export_annotations
    store = open_store(url)
    try:
        report = export(store, PROJECT, target)
    finally:
        store.close()
    return {
        "rows": report.rows,
        "seconds": round(report.seconds, 2),
        "rows_per_second": round(report.rows / report.seconds),
        "file_mb": round(Path(target).stat().st_size / 2**20, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def run_backend(backend: str, n_items: int, workdir: Path) -> list[dict[str, Any]]:
    """Fill one backend and time every export on it."""
    opener = sqlite_url(workdir) if backend == "sqlite" else postgres_url()
    results: list[dict[str, Any]] = []
    with opener as url:
        store = open_store(url)
        try:
            started = time.perf_counter()
            n_annotations = fill(store, n_items)
            print(
                f"{backend}: filled {n_items:,} items and {n_annotations:,} "
                f"annotations in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
        finally:
            store.close()
        # Each export runs in a fresh interpreter so its peak RSS is its own.
        context = multiprocessing.get_context("spawn")
        with context.Pool(1, maxtasksperchild=1) as pool:
            for dataset in ("labels", "annotations"):
                for fmt in ("csv", "parquet", "jsonl"):
                    target = workdir / f"{backend}-{dataset}.{fmt}"
                    numbers = pool.apply(
                        _export_in_child, (url, dataset, fmt, str(target))
                    )
                    results.append(
                        {
                            "backend": backend,
                            "dataset": dataset,
                            "format": fmt,
                            **numbers,
                        }
                    )
                    print(_line(results[-1]), file=sys.stderr)
                    target.unlink()
    return results


def _line(row: dict[str, Any]) -> str:
    return (
        f"| {row['backend']:<10} | {row['dataset']:<11} | {row['format']:<7} "
        f"| {row['rows']:>9,} | {row['seconds']:>7.2f} | {row['rows_per_second']:>9,} "
        f"| {row['file_mb']:>7.1f} | {row['peak_rss_mb']:>8.1f} |"
    )


def main() -> None:
    """Parse options, run each backend, print the table and save the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="al-bench-") as tmp:
        for backend in backends:
            results.extend(run_backend(backend, args.items, Path(tmp)))
    print(
        "| backend    | dataset     | format  |      rows | seconds |     rows/s "
        "| file MB | peak RSS |"
    )
    print("|" + "|".join("-" * w for w in (12, 13, 9, 11, 9, 11, 9, 10)) + "|")
    for row in results:
        print(_line(row))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "export",
                "items": args.items,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                # Other work on the machine slows every number down; record it.
                "load_average_1m_at_end": round(os.getloadavg()[0], 2),
                "note": "each export runs in a fresh process; peak RSS is that "
                "process's maximum, imports included",
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
