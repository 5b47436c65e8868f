"""Benchmark: the labeling calls of two revisions, interleaved on the same machine.

Latency on a shared two-core machine swings by a factor of two between runs
minutes apart, so a change measured in one run and its parent in another says
little. This starts two servers side by side, the working tree's code (or a
second revision's, ``--head``) and a git revision's (each revision checked
out into a temporary worktree), each on its own
database with the same items and the trainer held back (no rounds), and loads
them in alternation: each round gives each server 5 s of one annotator back to
back and 15 s of 16 annotators who read each item ~1 s, in turns, so both
see the same moments of the machine. It reports both calls' percentiles over
all rounds and the ratio of the two, and how many "next task" answers came
back with no item.

With ``--export``, each round also downloads the CSV export of every item,
once with nothing else running and once while 4 annotators label at a fast pace (an item per ~0.2 s), then lets the
same 4 label as long again with no export: the latency of both calls during
the export and without it, the export's seconds, and the server's resident
memory after the export. With ``--stats``, the 16 reading annotators' pages
also ask for the progress panel's figures every 3 s, as the page does.

Prints a table and writes ``benchmarks/results/server_ab.json``.

Usage::

    python benchmarks/bench_server_ab.py --base HEAD~1                  # PostgreSQL, 100,000 items
    python benchmarks/bench_server_ab.py --base v0.1.0 --backend sqlite --rounds 4
    python benchmarks/bench_server_ab.py --base HEAD~1 --backend sqlite --export
    python benchmarks/bench_server_ab.py --base HEAD~1 --items 1000000 --stats
    python benchmarks/bench_server_ab.py --base HEAD~1 --head HEAD   # committed code only
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from activelabel.store.engine import open_store
from bench_server import (
    LeanClient,
    Serve,
    annotate,
    download_export,
    pct,
    pg_database,
    prepare_project,
    wait_idle,
    write_csv,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "server_ab.json"


def prepare(db: str, csv_path: Path) -> list[str]:
    """A project of the CSV's items on ``db`` and 17 annotators' tokens."""
    store = open_store(db)
    try:
        # No retrain during the measurement: only the labeling calls count.
        return prepare_project(store, csv_path, retrain_every=10**6)[1]
    finally:
        store.close()


def load(
    server: Serve,
    tokens: list[str],
    n: int,
    think: float,
    seconds: float,
    stats_times: list[float] | None = None,
    empty: list[int] | None = None,
) -> Any:
    """``n`` annotators for ``seconds``: (labels, next latencies, submit latencies).

    ``empty[0]``, if given, counts the "next task" answers with no item.

    With ``stats_times``, each annotator's page also asks for the progress
    panel's figures every :data:`STATS_POLL` seconds, as the page does; their
    latencies are appended to it.
    """
    nxt: list[float] = []
    sub: list[float] = []

    async def poll(token: str, deadline: float) -> None:
        assert stats_times is not None
        client = LeanClient(server.api, token)
        rng = random.Random(token)
        try:
            await client.connect()
            await asyncio.sleep(rng.uniform(0, STATS_POLL))  # pages open apart
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await client.get("/stats")
                stats_times.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(STATS_POLL)
        finally:
            await client.close()

    async def main() -> int:
        deadline = time.perf_counter() + seconds
        pages = tokens[1 : 1 + n]
        pollers = [poll(t, deadline) for t in pages] if stats_times is not None else []
        counts = await asyncio.gather(
            *(
                annotate(server.api, t, deadline, [10**6], nxt, sub, think, empty)
                for t in pages
            ),
            *pollers,
        )
        return sum(counts[: len(pages)])

    return asyncio.run(main()), nxt, sub


#: Seconds between a page's requests for the progress panel's figures.
STATS_POLL = 3.0


#: Annotators labeling during an export, and their seconds per item.
EXPORT_LOAD = (4, 0.2)


def export_under_load(
    server: Serve, tokens: list[str]
) -> tuple[float, list[float], list[float]]:
    """Download the CSV export while annotators label: (seconds, next, submit)."""
    nxt: list[float] = []
    sub: list[float] = []
    took: list[float] = []
    thread = threading.Thread(
        target=lambda: took.append(download_export(server, tokens[0])[0])
    )
    thread.start()
    n, think = EXPORT_LOAD
    while thread.is_alive():
        _, more_next, more_sub = load(server, tokens, n, think, 1.0)
        nxt += more_next
        sub += more_sub
    thread.join()
    return took[0], nxt, sub


def summarize(acc: dict[str, Any]) -> dict[str, Any]:
    export: dict[str, Any] = {}
    if acc["export_s"]:
        export = {
            "export_alone_s_median": round(statistics.median(acc["export_alone_s"]), 2),
            "export_s_median": round(statistics.median(acc["export_s"]), 2),
            "during_next_p50_ms": pct(acc["exp_next"], 0.5),
            "during_next_p95_ms": pct(acc["exp_next"], 0.95),
            "during_next_p99_ms": pct(acc["exp_next"], 0.99),
            "during_submit_p50_ms": pct(acc["exp_sub"], 0.5),
            "during_submit_p95_ms": pct(acc["exp_sub"], 0.95),
            "during_submit_p99_ms": pct(acc["exp_sub"], 0.99),
            "alone_next_p95_ms": pct(acc["calm_next"], 0.95),
            "alone_next_p99_ms": pct(acc["calm_next"], 0.99),
            "alone_submit_p95_ms": pct(acc["calm_sub"], 0.95),
            "alone_submit_p99_ms": pct(acc["calm_sub"], 0.99),
            "rss_after_first_export_mib": acc["rss"][0],
            "rss_after_last_export_mib": acc["rss"][-1],
        }
    return {
        "back_to_back_1": {
            "empty_answers": int(sum(acc["b2b_empty"])),
            "labels_per_s_median": statistics.median(acc["b2b_rate"]),
            "next_p50_ms": pct(acc["b2b_next"], 0.5),
            "next_p99_ms": pct(acc["b2b_next"], 0.99),
            "submit_p50_ms": pct(acc["b2b_sub"], 0.5),
            "submit_p99_ms": pct(acc["b2b_sub"], 0.99),
        },
        "reading_16": {
            **(
                {
                    "stats_requests": len(acc["stats"]),
                    "stats_p50_ms": pct(acc["stats"], 0.5),
                    "stats_p99_ms": pct(acc["stats"], 0.99),
                }
                if acc["stats"]
                else {}
            ),
            "requests": len(acc["read_next"]),
            "empty_answers": int(sum(acc["read_empty"])),
            "next_p50_ms": pct(acc["read_next"], 0.5),
            "next_p99_ms": pct(acc["read_next"], 0.99),
            "submit_p50_ms": pct(acc["read_sub"], 0.5),
            "submit_p99_ms": pct(acc["read_sub"], 0.99),
        },
        **({"export_4_paced": export} if export else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git revision to compare with")
    parser.add_argument(
        "--head",
        help="git revision to measure instead of the working tree (which may "
        "hold changes not committed yet)",
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--backend", choices=["postgresql", "sqlite"], default="postgresql"
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help="also export all items during a fast-paced load, each round",
    )
    parser.add_argument(
        "--stats",
        action="store_true",
        help="the 16 reading annotators' pages also poll the stats every 3 s",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    base, head = (
        subprocess.run(
            ["git", "rev-parse", "--short", revision],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if revision
        else None
        for revision in (args.base, args.head)
    )
    assert base is not None

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        for name, revision in (("base", base), ("head", head)):
            if revision is None:
                continue
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(work / name), revision],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            stack.callback(
                subprocess.run,
                ["git", "worktree", "remove", "--force", str(work / name)],
                cwd=ROOT,
                capture_output=True,
            )
        csv_path = work / "items.csv"
        write_csv(csv_path, args.items)
        print(f"wrote {args.items:,} texts", flush=True)
        variants = {
            f"base {base}": work / "base" / "src",
            **(
                {f"head {head}": work / "head" / "src"}
                if head
                else {"working tree": ROOT / "src"}
            ),
        }
        servers: dict[str, tuple[Serve, list[str]]] = {}
        for index, (name, src) in enumerate(variants.items()):
            if args.backend == "sqlite":
                db = f"sqlite:///{work}/ab{index}.db"
            else:
                db = stack.enter_context(pg_database())
                if db is None:
                    raise SystemExit("PostgreSQL is not reachable.")
            tokens = prepare(db, csv_path)
            (work / f"run{index}").mkdir()
            # The server process imports activelabel from this variant's tree.
            os.environ["PYTHONPATH"] = str(src)
            try:
                server = Serve(db, work / f"run{index}" / "serve.log")
            finally:
                os.environ.pop("PYTHONPATH")
            stack.callback(server.stop)
            auth = {"Authorization": f"Bearer {tokens[0]}"}
            with httpx.Client(headers=auth) as client:
                wait_idle(client, server, seen_busy=False, limit=3600)
            servers[name] = (server, tokens)
            print(f"{name}: server up, first round done", flush=True)

        acc: dict[str, dict[str, list[float]]] = {
            name: {
                k: []
                for k in (
                    *("b2b_rate", "b2b_next", "b2b_sub", "read_next", "read_sub"),
                    *("b2b_empty", "read_empty"),
                    *("export_s", "exp_next", "exp_sub", "calm_next", "calm_sub"),
                    "export_alone_s",
                    "stats",
                    "rss",
                )
            }
            for name in servers
        }
        for r in range(args.rounds):
            # Alternate who goes first, so neither always follows the other.
            order = list(servers) if r % 2 == 0 else list(servers)[::-1]
            for name in order:
                server, tokens = servers[name]
                empty = [0]
                labels, nxt, sub = load(server, tokens, 1, 0.0, 5.0, empty=empty)
                acc[name]["b2b_empty"].append(empty[0])
                acc[name]["b2b_rate"].append(labels / 5.0)
                acc[name]["b2b_next"] += nxt
                acc[name]["b2b_sub"] += sub
                empty = [0]
                _, nxt, sub = load(
                    server,
                    tokens,
                    16,
                    1.0,
                    15.0,
                    stats_times=acc[name]["stats"] if args.stats else None,
                    empty=empty,
                )
                acc[name]["read_empty"].append(empty[0])
                acc[name]["read_next"] += nxt
                acc[name]["read_sub"] += sub
                if args.export:
                    acc[name]["export_alone_s"].append(
                        download_export(server, tokens[0])[0]
                    )
                    seconds, nxt, sub = export_under_load(server, tokens)
                    acc[name]["export_s"].append(seconds)
                    acc[name]["exp_next"] += nxt
                    acc[name]["exp_sub"] += sub
                    acc[name]["rss"].append(round(server.rss_mib()["server"], 1))
                    n, think = EXPORT_LOAD
                    _, nxt, sub = load(server, tokens, n, think, max(seconds, 1.0))
                    acc[name]["calm_next"] += nxt
                    acc[name]["calm_sub"] += sub
            print(f"round {r + 1}/{args.rounds} done", flush=True)

    results = {name: summarize(a) for name, a in acc.items()}
    print()
    print(f"{args.backend}, {args.items:,} items, {args.rounds} interleaved rounds")
    header = f"{'':32s}" + "".join(f"{name:>18s}" for name in results) + "   ratio"
    print(header)
    names = list(results)
    for part in results[names[0]]:
        for key in results[names[0]][part]:
            a, b = (results[n][part][key] for n in names)
            ratio = f"{b / a:7.2f}" if a else ""
            print(f"{part + ' ' + key:32s}{a:>18}{b:>18}{ratio}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "backend": args.backend,
                "items": args.items,
                "rounds": args.rounds,
                "base": base,
                "head": head or "working tree",
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "results": results,
            },
            indent=2,
        )
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
