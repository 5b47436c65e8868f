"""Benchmark: the server's CPU per label, in process, against FastAPI's own floor.

Latency under load swings with whatever else the machine runs; the work the
server does per label does not. This benchmark calls the app directly over
ASGI (no sockets, no HTTP parsing, no background trainer), one annotator at
a time: "next task" then "submit label", on a SQLite project whose queue is
full. It reports the CPU time per request and, in the same run, the CPU time
of a bare FastAPI route that parses the same kind of JSON body and returns a
small model: the ratio says how many "empty requests" a label costs.

With ``--instructions`` (needs valgrind) it runs itself under callgrind and
counts the instructions per request of both, which are repeatable to a
fraction of a percent on a busy machine.

Prints a table and writes ``benchmarks/results/request_cpu.json``.

Usage::

    python benchmarks/bench_request_cpu.py                  # 100,000 items, 600 labels
    python benchmarks/bench_request_cpu.py --instructions   # + callgrind counts (~2 min)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).parent))
from activelabel.io.importer import import_path
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import open_store
from activelabel.store.projects import create_project, get_project
from activelabel.store.random_fill import random_fill
from activelabel.store.users import add_user
from bench_server import LABELS, PROJECT, label_body, write_csv

RESULTS = Path(__file__).parent / "results" / "request_cpu.json"
API = f"/api/v1/projects/{PROJECT}"

Call = Callable[[str, dict[str, Any]], Awaitable[Any]]


def asgi_caller(app: Any, token: str) -> Call:
    """POST a JSON body straight into an ASGI app; the decoded reply."""
    auth = f"Bearer {token}".encode()

    async def call(path: str, body: dict[str, Any]) -> Any:
        payload = orjson.dumps(body)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1"),  # a Host the server answers to
                (b"authorization", auth),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        sent = False
        out: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": payload, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            out.append(message)

        await app(scope, receive, send)
        status = out[0]["status"]
        data = b"".join(m.get("body", b"") for m in out[1:])
        if not 200 <= status < 300:
            raise RuntimeError(f"POST {path}: {status} {data[:300]!r}")
        return orjson.loads(data) if data else None

    return call


class _Echo(BaseModel):
    item_id: int
    value: str


def floor_app() -> FastAPI:
    """A bare FastAPI route: parse a small JSON body, return a small model."""
    app = FastAPI()

    @app.post("/echo")
    def echo(body: _Echo) -> _Echo:
        return body

    return app


def prepare(work: Path, n_items: int, queue: int) -> str:
    """A SQLite project of ``n_items`` texts with a full queue (``bench.db``);
    the annotator's token."""
    csv_path = work / "items.csv"
    write_csv(csv_path, n_items)
    url = f"sqlite:///{work / 'bench.db'}"
    store = open_store(url)
    try:
        with store.session() as session:
            create_project(
                session, name=PROJECT, task="classification", labels=list(LABELS)
            )
        import_path(store, PROJECT, csv_path, text_column="text", id_column="id")
        with store.session(write=True) as session:
            project = get_project(session, PROJECT)
            random_fill(session, project_id=project.id, size=queue)
            _, token = add_user(session, name="annotator")
    finally:
        store.close()
    return token


async def measure(
    step: Callable[[], Awaitable[None]], n: int, reps: int, per_step: int
) -> list[float]:
    """CPU ms per request of ``reps`` rounds of ``n`` steps (after a warm-up)."""
    for _ in range(max(20, n // 10)):
        await step()
    callgrind("on")
    out = []
    for _ in range(reps):
        started = time.process_time()
        for _ in range(n):
            await step()
        out.append((time.process_time() - started) * 1000 / (n * per_step))
    callgrind("off")
    return out


def callgrind(state: str) -> None:
    """Switch callgrind's counting on or off when running under it."""
    if os.environ.get("BENCH_CALLGRIND"):
        subprocess.run(
            ["callgrind_control", "-i", state, str(os.getpid())],
            capture_output=True,
            check=False,
        )


async def run_labels(url: str, token: str, n: int, reps: int) -> list[float]:
    store = open_store(url)
    settings = ServerSettings(
        open_access=False, background_trainer=False, queue_size=2000
    )
    app = create_app(store, settings)
    call = asgi_caller(app, token)

    async def label() -> None:
        task = (await call(f"{API}/tasks/next", {"n": 1}))["data"][0]
        await call(f"{API}/annotations", label_body(task))

    try:
        async with app.router.lifespan_context(app):
            return await measure(label, n, reps, per_step=2)
    finally:
        store.close()


async def run_floor(n: int, reps: int) -> list[float]:
    call = asgi_caller(floor_app(), "unused")

    async def echo() -> None:
        await call("/echo", {"item_id": 1, "value": "sport"})

    return await measure(echo, n, reps, per_step=1)


def inner(args: argparse.Namespace) -> dict[str, Any]:
    """Measure one part in this process (``--part labels|floor``)."""
    if args.part == "floor":
        values = asyncio.run(run_floor(args.labels * 2, args.reps))
    else:
        values = asyncio.run(run_labels(args.url, args.token, args.labels, args.reps))
    return {"cpu_ms_per_request": values}


def run_part(
    part: str, args: argparse.Namespace, url: str, token: str, *, instructions: bool
) -> dict[str, Any]:
    """Run one part in a fresh process (under callgrind if asked); its numbers."""
    command = [
        *(sys.executable, __file__, "--part", part, "--url", url, "--token", token),
        *("--labels", str(args.labels), "--reps", str(args.reps)),
    ]
    env = dict(os.environ)
    out_file = None
    if instructions:
        out_file = Path(tempfile.mkstemp(prefix="callgrind-", suffix=".out")[1])
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out_file}",
            *command,
        ]
        env["BENCH_CALLGRIND"] = "1"
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {part} measurement failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if out_file is not None:
        requests = args.reps * args.labels * 2
        annotate = subprocess.run(
            ["callgrind_annotate", str(out_file)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        match = re.search(r"([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", annotate)
        match = match or re.search(r"([\d,]+)\s+PROGRAM TOTALS", annotate)
        if match is None:
            raise SystemExit("callgrind_annotate printed no program total")
        total = int(match.group(1).replace(",", ""))
        result["instructions_per_request"] = round(total / requests)
        out_file.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--labels", type=int, default=200, help="labels per repetition")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions under callgrind (needs valgrind)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--part", choices=["labels", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print(json.dumps(inner(args)))
        return
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind).")

    with tempfile.TemporaryDirectory(prefix="al-bench-cpu-") as tmp:
        started = time.perf_counter()
        token = prepare(Path(tmp), args.items, queue=2000)
        print(
            f"project of {args.items:,} texts ready in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        # The project's database is copied per measurement so that each one
        # starts from the same queue.
        base = Path(tmp) / "bench.db"
        rows = {}
        for part in ("floor", "labels"):
            for instructions in (False, True) if args.instructions else (False,):
                copy = Path(tmp) / f"{part}-{int(instructions)}.db"
                shutil.copy(base, copy)
                what = "instructions" if instructions else "CPU time"
                print(f"measuring {part} ({what})...", flush=True)
                found = run_part(
                    part, args, f"sqlite:///{copy}", token, instructions=instructions
                )
                row = rows.setdefault(part, {})
                if instructions:  # its CPU times are callgrind's, not the machine's
                    row["instructions_per_request"] = found["instructions_per_request"]
                else:
                    row.update(found)
    floor_ms = min(rows["floor"]["cpu_ms_per_request"])
    label_ms = min(rows["labels"]["cpu_ms_per_request"])
    summary: dict[str, Any] = {
        "floor_cpu_ms_per_request": round(floor_ms, 3),
        "label_cpu_ms_per_request": round(label_ms, 3),
        "ratio_cpu": round(label_ms / floor_ms, 2),
    }
    if args.instructions:
        floor_i = rows["floor"]["instructions_per_request"]
        label_i = rows["labels"]["instructions_per_request"]
        summary.update(
            floor_instructions_per_request=floor_i,
            label_instructions_per_request=label_i,
            ratio_instructions=round(label_i / floor_i, 2),
        )
    print()
    print(f"{'request':<34} {'CPU ms (min of reps)':>20} {'instructions':>14}")
    print(
        f"{'bare FastAPI route (floor)':<34} {floor_ms:>20.3f} "
        f"{summary.get('floor_instructions_per_request', '—'):>14}"
    )
    print(
        f"{'label: next task / submit, mean':<34} {label_ms:>20.3f} "
        f"{summary.get('label_instructions_per_request', '—'):>14}"
    )
    ratio = f"{summary['ratio_cpu']}x CPU"
    if "ratio_instructions" in summary:
        ratio += f", {summary['ratio_instructions']}x instructions"
    print(f"a label request costs {ratio} of the floor")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "benchmark": "request_cpu",
                "items": args.items,
                "labels_per_rep": args.labels,
                "reps": args.reps,
                "summary": summary,
                "parts": rows,
                "environment": {
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                    "cpus": os.cpu_count(),
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
