"""Import speed and memory: synthetic text rows from CSV into SQLite and PostgreSQL.

Each import runs in a fresh subprocess so its peak resident memory (ru_maxrss) is
its own. Memory is "flat" when the peak for the largest file is close to the peak
for a file ten times smaller. The baseline, measured in the same run, is a bare
``sqlite3`` executemany of the same rows (no parsing, hashing or checks), so the
ratio says what the importer's work costs on top of the database's own.
On a shared machine the wall clock measures the neighbours too, so each run
also reports its CPU seconds (``time.process_time`` of the importing process:
on PostgreSQL the server's own work is not in it) and the load average.

    python benchmarks/bench_import.py                  # 1,000,000 rows, SQLite + PostgreSQL
    python benchmarks/bench_import.py --rows 200000 --no-postgres
    python benchmarks/bench_import.py --wide 10000 --rows 500   # 10,000 columns

``--wide COLUMNS`` imports a CSV that many columns wide into SQLite instead and
writes ``results/import_wide.json``; ``--against DIR`` also runs it with the
``activelabel`` package under ``DIR`` (for example an older commit's ``src``
from ``git archive``), so a change is compared in one run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

WORDS = (
    "free win call now prize claim text reply stop urgent meet later home love "
    "tonight ok sorry going work lunch dinner see you soon thanks great good day "
    "week money cash offer mobile phone number send message please tomorrow"
).split()

RESULTS = Path(__file__).parent / "results" / "import.json"
WIDE_RESULTS = Path(__file__).parent / "results" / "import_wide.json"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Write ``rows`` rows of id, text, label with short random sentences."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "label"])
        for i in range(rows):
            n = rng.randint(5, 25)
            text = " ".join(rng.choice(WORDS) for _ in range(n))
            label = ("ham", "spam", "")[i % 3]
            writer.writerow([f"r{i}", text, label])


def make_wide_csv(path: Path, rows: int, columns: int, seed: int = 0) -> None:
    """Write ``rows`` rows of id, text, label and ``columns - 3`` short numeric fields."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "label"] + [f"f{i}" for i in range(columns - 3)])
        for i in range(rows):
            text = " ".join(rng.choice(WORDS) for _ in range(8))
            numbers = [str(rng.randint(0, 999)) for _ in range(columns - 3)]
            writer.writerow([f"r{i}", text, ("ham", "spam")[i % 2], *numbers])


CHILD = r"""
import json, resource, sys, time
from activelabel.store.engine import open_store
from activelabel.store.projects import create_project
from activelabel.io.importer import import_path
url, path = sys.argv[1], sys.argv[2]
store = open_store(url)
with store.session() as s:
    create_project(s, name="bench", task="classification", labels="ham,spam")
start, cpu = time.perf_counter(), time.process_time()
report = import_path(store, "bench", path, text_column="text", id_column="id", label_column="label")
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"rows": report.rows_read, "items": report.items_added,
                  "labels": report.labels_added, "seconds": seconds, "cpu_seconds": cpu_seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BASELINE = r"""
import csv, json, resource, sqlite3, sys, time
db, path = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL"); con.execute("PRAGMA synchronous=NORMAL")
con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, external_id TEXT UNIQUE, text TEXT, label TEXT)")
start, cpu = time.perf_counter(), time.process_time()
with open(path, newline="", encoding="utf-8") as f:
    reader = csv.reader(f); next(reader)
    batch = []
    n = 0
    for row in reader:
        batch.append(row); n += 1
        if len(batch) == 5000:
            con.executemany("INSERT INTO items (external_id, text, label) VALUES (?,?,?)", batch); batch = []
    con.executemany("INSERT INTO items (external_id, text, label) VALUES (?,?,?)", batch)
con.commit()
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"rows": n, "seconds": seconds, "cpu_seconds": cpu_seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(code: str, *args: str, source: Path | None = None) -> dict[str, float]:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_database() -> tuple[str, str]:
    """Create a scratch database; return its URL and name."""
    import psycopg

    name = f"al_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace(
        "postgresql://", "postgresql+psycopg://"
    ) + f"/{name}", name


def drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wide(
    columns: int, rows: int, against: Path | None, against_rows: int, label: str
) -> None:
    """Import a CSV ``columns`` wide into SQLite; print and save rows/s."""
    runs: list[tuple[str, Path | None, int]] = [("this tree", None, rows)]
    if against is not None:
        runs.insert(0, (label, against, against_rows))
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, source, n in runs:
            csv_path = Path(tmp) / f"wide_{columns}_{n}.csv"
            if not csv_path.exists():
                print(f"writing {n:,} rows x {columns:,} columns ...", file=sys.stderr)
                make_wide_csv(csv_path, n, columns)
            print(f"importing with {label} ...", file=sys.stderr)
            db = f"sqlite:///{tmp}/wide_{len(results)}.db"
            ours = run_child(CHILD, db, str(csv_path), source=source)
            rate = ours["rows"] / ours["seconds"]
            results.append(
                {
                    "target": f"activelabel ({label}) → SQLite",
                    "columns": columns,
                    "csv_mb": csv_path.stat().st_size / 1e6,
                    **ours,
                    "rows_per_second": rate,
                    "cells_per_second": rate * columns,
                }
            )
    print()
    print(
        f"{'target':<44} {'columns':>8} {'rows':>6} {'seconds':>8} {'rows/s':>9} {'cells/s':>11} {'peak RSS MiB':>13}"
    )
    for r in results:
        print(
            f"{r['target']:<44} {r['columns']:>8,} {r['rows']:>6,} {r['seconds']:>8.1f} "
            f"{r['rows_per_second']:>9,.1f} {r['cells_per_second']:>11,.0f} {r['peak_rss_mib']:>13.0f}"
        )
    WIDE_RESULTS.write_text(
        json.dumps(
            {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "results": results}, indent=2
        )
    )
    print(f"\nwrote {WIDE_RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--wide",
        type=int,
        metavar="COLUMNS",
        help="import a CSV this many columns wide",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="with --wide: also run DIR's package",
    )
    parser.add_argument(
        "--against-rows", type=int, default=20, help="rows for the --against run"
    )
    parser.add_argument(
        "--against-label",
        default="older tree",
        help="how the --against run is named in the results (e.g. its commit)",
    )
    args = parser.parse_args()
    if args.wide:
        wide(args.wide, args.rows, args.against, args.against_rows, args.against_label)
        return
    sizes = sorted({max(args.rows // 10, 1000), args.rows})
    load_before = os.getloadavg()
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            csv_path = Path(tmp) / f"rows_{rows}.csv"
            print(f"writing {rows:,} synthetic rows ...", file=sys.stderr)
            make_csv(csv_path, rows)
            size_mb = csv_path.stat().st_size / 1e6
            base = run_child(
                BASELINE, str(Path(tmp) / f"base_{rows}.db"), str(csv_path)
            )
            results.append(
                {"target": "sqlite3 executemany (baseline)", "rows": rows, **base}
            )
            print(f"importing {rows:,} rows into SQLite ...", file=sys.stderr)
            ours = run_child(CHILD, f"sqlite:///{tmp}/al_{rows}.db", str(csv_path))
            results.append(
                {
                    "target": "activelabel → SQLite",
                    "rows": rows,
                    "csv_mb": size_mb,
                    **ours,
                    "vs_baseline": base["seconds"] / ours["seconds"],
                    "cpu_vs_baseline": base["cpu_seconds"] / ours["cpu_seconds"],
                }
            )
            if not args.no_postgres:
                url, name = pg_database()
                try:
                    print(
                        f"importing {rows:,} rows into PostgreSQL ...", file=sys.stderr
                    )
                    pg = run_child(CHILD, url, str(csv_path))
                    results.append(
                        {
                            "target": "activelabel → PostgreSQL",
                            "rows": rows,
                            "csv_mb": size_mb,
                            **pg,
                            "vs_baseline": base["seconds"] / pg["seconds"],
                            "cpu_vs_baseline": base["cpu_seconds"] / pg["cpu_seconds"],
                        }
                    )
                finally:
                    drop_pg(name)
    load_after = os.getloadavg()
    print()
    print(
        f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'target':<34} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS MiB':>13} {'speed vs baseline':>18}"
        f" {'CPU s':>7} {'rows/CPU s':>11} {'CPU vs baseline':>16}"
    )
    for r in results:
        rate = float(r["rows"]) / float(r["seconds"])  # type: ignore[arg-type]
        cpu_rate = float(r["rows"]) / float(r["cpu_seconds"])  # type: ignore[arg-type]
        ratio = f"{r['vs_baseline']:.2f}x" if "vs_baseline" in r else "1.00x"
        cpu_ratio = (
            f"{r['cpu_vs_baseline']:.2f}x" if "cpu_vs_baseline" in r else "1.00x"
        )
        print(
            f"{r['target']:<34} {r['rows']:>10,} {r['seconds']:>8.1f} {rate:>10,.0f} {r['peak_rss_mib']:>13.0f} {ratio:>18}"
            f" {r['cpu_seconds']:>7.1f} {cpu_rate:>11,.0f} {cpu_ratio:>16}"
        )
        r["rows_per_second"] = rate
        r["rows_per_cpu_second"] = cpu_rate
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "cpus": os.cpu_count(),
                "load_average_before": load_before,
                "load_average_after": load_after,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
