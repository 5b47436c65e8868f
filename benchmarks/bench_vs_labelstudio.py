"""Benchmark: activelabel and Label Studio side by side on the same real texts.

Both tools get the same N items (default 100,000: AG News articles and SMS
messages, six labels, :mod:`news_and_sms`), on SQLite, with their default
settings, and the same load generator (asyncio, one connection per simulated
annotator, loopback), one tool after the other. For each tool:

1. **Import**, the tool's own user path: activelabel ``init`` + ``import`` of
   a CSV (two commands, timed as one); Label Studio's project-create and
   import API (``POST /api/projects``, ``POST /api/projects/{id}/import`` with
   the JSON list of tasks, waited on until the project counts N tasks).
2. **Serve**: activelabel ``serve`` (its first round: featurize + cold start);
   the **first model**, timed from ``serve`` until ``stats`` shows a model
   while the levels below label. Label Studio has no model by default (an ML
   backend is a separate server), so it has no first-model time.
3. **1, 8 and 16 annotators back to back** for ``--seconds`` each: "next task"
   then "submit label" with the item's true label, in a loop. Per level: next
   and submit p50/p99, labels/s, "next task" answers with no item while
   thousands remain, and **double assignments**: items labeled by two
   annotators in the level, i.e. handed to a second annotator before the first
   one's label was in (each simulated annotator labels what it gets at once).
   activelabel's annotators are ``bench_server.annotate`` (its lean HTTP/1.1
   client); Label Studio's are httpx clients with its ``Token`` header (httpx
   costs 2-4 ms of client CPU a request, small beside Label Studio's
   latencies): ``GET /api/projects/{id}/next``, ``POST
   /api/tasks/{id}/annotations/``, one Label Studio user per annotator, so its
   next-task logic assigns per user.
4. **Export** of every item as CSV (activelabel ``GET export?format=csv``;
   Label Studio ``GET /api/projects/{id}/export?exportType=CSV&download_all_tasks=true``).
5. **Resident memory** (VmRSS) of every process of the tool (the process tree:
   activelabel's server and round worker; Label Studio's server), after import
   (activelabel: once its first round is done) and after labeling. activelabel
   runs rounds in the background, so after labeling it also records whether a
   round was running then, the memory again once the trainer is idle, and each
   process's peak (VmHWM); Label Studio does nothing in the background.

Then activelabel on PostgreSQL (``--backend postgresql``: a throwaway database
on the local server, as ``bench_server.py`` makes), and at scale with two
``serve`` processes on the same database (``--serve-processes 2``: the
annotators alternate between them; both run a trainer, and rounds are jobs
claimed once through the ``jobs`` table, docs/ARCHITECTURE.md "Trainer").

Each run is merged into ``benchmarks/results/vs_labelstudio.json`` under its
key (tool, backend, items, serve processes), so the tools and phases can be run
one at a time (each well under 15 minutes) and the table printed from all::

    bash benchmarks/setup_labelstudio.sh          # once: Label Studio 1.23.2 in its own venv
    python benchmarks/bench_vs_labelstudio.py --tool labelstudio
    python benchmarks/bench_vs_labelstudio.py --tool activelabel
    python benchmarks/bench_vs_labelstudio.py --tool activelabel --backend postgresql
    python benchmarks/bench_vs_labelstudio.py --tool activelabel --backend postgresql \\
        --items 1000000 --serve-processes 2
    python benchmarks/bench_vs_labelstudio.py --table     # the side-by-side table only
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
# activelabel's side is bench_server's: serve, the annotator loop, export.
import bench_server
from labelstudio_run import label_studio_version, run_labelstudio
from load_tally import LEVELS, LevelTally, run_levels, tree_rss_mib
from news_and_sms import LABELS, news_and_sms, write_texts_csv
from vs_labelstudio_table import merge_run, side_by_side

RESULTS = Path(__file__).parent / "results" / "vs_labelstudio.json"
PROJECT = bench_server.PROJECT


# --------------------------------------------------------------------------- activelabel

#: Text → true label, for the simulated annotators of either tool.
TRUE_LABELS: dict[str, str] = {}
#: The level being run: bench_server's annotator loop reports its labels here.
CURRENT = LevelTally()
_serve_label_body = bench_server.label_body


def _true_label_body(task: dict[str, Any]) -> dict[str, Any]:
    """bench_server's "submit label" body with the item's true label, counted."""
    CURRENT.labeled[task["item_id"]] += 1
    body = _serve_label_body(task)
    body["value"] = TRUE_LABELS.get(task["text"]) or TRUE_LABELS[task["text"].strip()]
    return body


# bench_server's annotator loop asks this module-level function for each
# body; answer with the six-label truth and count the items labeled.
bench_server.label_body = _true_label_body


def _cli(db: str, *args: str) -> float:
    """Run ``activelabel ARGS --db DB``; its wall time (a sentence on failure)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "activelabel", *args, "--db", db],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    if done.returncode:
        raise SystemExit(
            f"activelabel {args[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}"
        )
    return time.perf_counter() - started


def _activelabel_tokens(db: str, n: int) -> list[str]:
    """An admin's token, then ``n`` annotators'."""
    from activelabel.store.engine import open_store
    from activelabel.store.users import add_user

    store = open_store(db, migrate=False)
    try:
        with store.session() as session:
            return [
                add_user(
                    session,
                    name=f"annotator{i:02d}",
                    role="admin" if i == 0 else "annotator",
                )[1]
                for i in range(n + 1)
            ]
    finally:
        store.close()


@contextlib.contextmanager
def _database(backend: str, work: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{work / 'activelabel.db'}"
        return
    with bench_server.pg_database() as url:
        if url is None:
            raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432.")
        yield url


def run_activelabel(
    args: argparse.Namespace, csv_path: Path, work: Path
) -> dict[str, Any]:
    """Import, serve, first model, levels, export and memory of activelabel."""
    result: dict[str, Any] = {"tool": "activelabel", "backend": args.backend}
    with _database(args.backend, work) as db:
        init_s = _cli(db, "init", PROJECT, "--labels", ",".join(LABELS))
        import_s = _cli(db, "import", PROJECT, str(csv_path), "--text-column", "text")
        result["import"] = {
            "seconds": round(init_s + import_s, 1),
            "init_s": round(init_s, 1),
            "import_s": round(import_s, 1),
            "items_per_s": round(args.items / (init_s + import_s)),
        }
        print(f"[activelabel] init + import: {result['import']}", flush=True)
        tokens = _activelabel_tokens(db, max(LEVELS))
        command = [
            *(sys.executable, "-m", "activelabel", "serve", PROJECT),
            *("--port", "0", "--db", db, "--require-token"),
        ]
        started = time.perf_counter()
        servers = []
        try:
            for i in range(args.serve_processes):
                servers.append(
                    bench_server.Serve(db, work / f"serve-{i}.log", command=command)
                )
            result["serve_up_s"] = round(time.perf_counter() - started, 1)
            client = httpx.Client(headers={"Authorization": f"Bearer {tokens[0]}"})
            first_model: dict[str, float] = {}
            watching = threading.Event()
            watcher = threading.Thread(
                target=_watch_first_model,
                args=(client, servers[0], started, first_model, watching),
                daemon=True,
            )
            watcher.start()
            bench_server.wait_idle(client, servers[0], seen_busy=False, limit=1800)
            result["first_round_s"] = round(time.perf_counter() - started, 1)
            result["rss_after_import_mib"] = tree_rss_mib(
                [s.process.pid for s in servers]
            )
            print(
                f"[activelabel] first round done {result['first_round_s']} s after "
                f"serve; memory {result['rss_after_import_mib']}",
                flush=True,
            )

            def level(n: int, seconds: float) -> dict[str, Any]:
                return _activelabel_level(servers, tokens[1 : 1 + n], seconds)

            result["levels"] = run_levels(level, args.seconds, "activelabel")
            pids = [s.process.pid for s in servers]
            result["rss_after_labeling_mib"] = tree_rss_mib(pids)
            # Label Studio has no background work; activelabel's worker is
            # usually inside a round when the levels end, so say which, and
            # read the memory again once the trainer rests.
            state = bench_server.stats(client, servers[0])["training"]["state"]
            result["trainer_after_labeling"] = state
            rest_s = bench_server.wait_idle(
                client, servers[0], seen_busy=False, limit=args.first_model_wait
            )
            result["rss_at_rest_after_labeling_mib"] = tree_rss_mib(pids)
            result["rest_after_labeling_s"] = round(rest_s, 1)
            result["rss_peak_mib"] = tree_rss_mib(pids, field="VmHWM")
            print(
                f"[activelabel] memory after labeling {result['rss_after_labeling_mib']}"
                f" (trainer {state}); at rest {rest_s:.0f} s later "
                f"{result['rss_at_rest_after_labeling_mib']}; peak "
                f"{result['rss_peak_mib']}",
                flush=True,
            )
            # A first model that is not in by the end of the levels is waited for.
            deadline = time.perf_counter() + args.first_model_wait
            while "seconds" not in first_model and time.perf_counter() < deadline:
                time.sleep(1.0)
            watching.set()
            result["first_model_s"] = first_model.get("seconds")
            result["first_model"] = first_model.get("model")
            print(f"[activelabel] first model after serve: {first_model}", flush=True)
            # A serve process that died is a finding: say how, export from one alive.
            result["serve_exit_codes"] = [s.process.poll() for s in servers]
            alive = [s for s in servers if s.process.poll() is None]
            if len(alive) < len(servers):
                print(
                    f"[activelabel] serve processes exited: {result['serve_exit_codes']}",
                    flush=True,
                )
            if not alive:
                raise SystemExit("every serve process exited; see the serve logs")
            export_s, size = bench_server.download_export(alive[0], tokens[0])
            result["export_csv"] = {
                "seconds": round(export_s, 1),
                "mib": round(size / 2**20, 1),
            }
            print(f"[activelabel] export CSV: {result['export_csv']}", flush=True)
            stats = bench_server.stats(client, alive[0])
            result["labeled_items"] = stats["labeled_items"]
            result["annotations"] = stats["annotations"]
            client.close()
        finally:
            for server in servers:
                server.stop()
    result["serve_log_failures"] = _failures(work)
    return result


def _failures(work: Path) -> dict[str, int]:
    """The serve logs' lines that say something failed, counted by their text."""
    found: dict[str, int] = {}
    for log in sorted(work.glob("serve-*.log")):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if "failed" in line and not line.startswith(" "):
                found[line[:200]] = found.get(line[:200], 0) + 1
    return found


def _watch_first_model(
    client: httpx.Client,
    server: bench_server.Serve,
    started: float,
    found: dict[str, Any],
    stop: threading.Event,
) -> None:
    """Record when ``stats`` first shows a model, in seconds after ``serve``."""
    while not stop.is_set():
        with contextlib.suppress(httpx.HTTPError):
            model = bench_server.stats(client, server).get("model")
            if model:
                found["seconds"] = round(time.perf_counter() - started, 1)
                found["model"] = model
                return
        time.sleep(0.5)


def _activelabel_level(
    servers: list[bench_server.Serve], tokens: list[str], seconds: float
) -> dict[str, Any]:
    global CURRENT
    CURRENT = tally = LevelTally()
    budget = [10**9]

    async def main() -> float:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(
                bench_server.annotate(
                    servers[i % len(servers)].api,
                    token,
                    deadline,
                    budget,
                    tally.next_ms,
                    tally.submit_ms,
                    0.0,
                    tally.empty,
                )
                for i, token in enumerate(tokens)
            )
        )
        return time.perf_counter() - started

    return tally.result(len(tokens), asyncio.run(main()))


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "system": platform.platform(terse=True),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tool", choices=("activelabel", "labelstudio", "both"), default="both"
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="activelabel's",
    )
    parser.add_argument(
        "--serve-processes",
        type=int,
        choices=(1, 2),
        default=1,
        help="activelabel's, on PostgreSQL",
    )
    parser.add_argument(
        "--seconds", type=float, default=40.0, help="per annotator level"
    )
    parser.add_argument(
        "--first-model-wait",
        type=float,
        default=300.0,
        help="seconds to wait after the levels for activelabel's first model",
    )
    parser.add_argument(
        "--table", action="store_true", help="only print the table of the runs in --out"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the databases and server logs in this folder (default: a temporary one)",
    )
    args = parser.parse_args()
    if args.serve_processes > 1 and args.backend != "postgresql":
        parser.error(
            "two serve processes share a PostgreSQL database: add --backend postgresql"
        )

    document: dict[str, Any] = (
        json.loads(args.out.read_text()) if args.out.is_file() else {}
    )
    if args.table:
        print(side_by_side(document.get("runs", {})))
        return
    tools = ("labelstudio", "activelabel") if args.tool == "both" else (args.tool,)
    t0 = time.perf_counter()
    texts, labels = news_and_sms(args.items)
    TRUE_LABELS.update(zip(texts, labels, strict=True))
    print(f"{args.items:,} texts in {time.perf_counter() - t0:.1f} s", flush=True)
    for tool in tools:
        machine = _machine()
        date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        with contextlib.ExitStack() as stack:
            if args.work:
                work = args.work / tool
                work.mkdir(parents=True, exist_ok=True)
            else:
                work = Path(
                    stack.enter_context(tempfile.TemporaryDirectory(prefix="al-vs-ls-"))
                )
            if tool == "activelabel":
                csv_path = write_texts_csv(work / "items.csv", texts)
                result = run_activelabel(args, csv_path, work)
                from activelabel import __version__

                result["version"] = __version__
                result["serve_processes"] = args.serve_processes
            else:
                result = run_labelstudio(args, texts, TRUE_LABELS, work)
                result["version"] = label_studio_version()
        machine["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
        result.update(
            items=args.items, date=date, machine=machine, seconds_per_level=args.seconds
        )
        # Read again: another tool's run may have written its result meanwhile.
        if args.out.is_file():
            document = json.loads(args.out.read_text())
        document = merge_run(document, result)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8"
        )
    print()
    print(side_by_side(document["runs"]))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
