"""Benchmark: the server with a 1,000,000-item text project, as annotators see it.

First, the floor of this machine at this moment: the same 16 annotators (back
to back, then reading) against ``bare_server.py``, a FastAPI server with the
same two routes and no work. Then, for each backend (SQLite file; PostgreSQL
when reachable and not ``--no-postgres``), after timing one INSERT + COMMIT on
the empty database:

1. Write a CSV of N texts and import it with
   :func:`activelabel.io.importer.import_path`: synthetic ones (two topics, so
   a model can learn them), or with ``--texts news_and_sms`` real ones (AG News
   and SMS, six labels, :mod:`news_and_sms`), which the simulated annotators
   label with their true label.
2. Start ``activelabel serve`` as a subprocess and wait for its first round
   (featurize the pool, cold-start selection) to finish.
3. With 1, 8 and 16 simulated annotators (``--annotators``; asyncio, one token
   each, loopback only), each loops "next task" (``POST tasks/next`` n=1) then "submit label"
   (``POST annotations``) for a bounded time and request count: p50/p95/p99 latency
   of both calls, and labels per second. First back to back (saturation: the
   server never rests), then paced like people who read each item for ``--think``
   seconds on average (0.5–1.5 ×, default 1 s: a fast keyboard labeler). Each
   level also counts the "next task" answers that came back empty while the
   pool still had thousands of unlabeled items (their share should be 0), the
   rounds the trainer finished, and the CPU seconds the server, its trainer
   worker and the load generator itself spent per label (what limits the rate
   on a small machine).
4. In Chromium (``/usr/bin/chromium`` via Playwright), press a label key ~50 times
   and read ``window.__activelabel.paintTimes``: key press → next item painted.
5. ``POST train``: how long a retrain + rescore of the whole pool takes, and the
   latency of both calls *during* it (one annotator keeps labeling).
6. ``GET export?format=csv``: the export of every item, and the latency of
   both calls during it (one annotator keeps labeling).
7. Resident memory (VmRSS) of the server and of its trainer worker process: after
   the first round, at the peak of a retrain, and at rest (once the idle worker
   has exited).

Prints a table and writes ``benchmarks/results/server.json``.

Usage::

    python benchmarks/bench_server.py                        # 1M items, SQLite + PostgreSQL
    python benchmarks/bench_server.py --items 100000 --no-postgres
    python benchmarks/bench_server.py --items 50000 --queue-size 500 --levels-only
    # as a team meets it: the server's and project's defaults, real texts
    python benchmarks/bench_server.py --items 100000 --texts news_and_sms --defaults \
        --levels-only --no-paced

PostgreSQL comes from ``ACTIVELABEL_TEST_PG_URL`` (default: the local trust-auth
server, maintenance database ``test``); a throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import platform
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy.engine import make_url

from activelabel.io.importer import import_path
from activelabel.store.engine import open_store
from activelabel.store.projects import create_project
from activelabel.store.users import add_user

RESULTS = Path(__file__).parent / "results" / "server.json"
PROJECT = "bench"
LABELS = ("sport", "tech")
TOPICS = {
    "sport": "match goal team coach league season player score win cup final derby "
    "keeper striker referee penalty stadium fans transfer injury".split(),
    "tech": "chip cloud server code model data network phone laptop battery update "
    "software kernel compiler browser screen sensor robot startup".split(),
}
COMMON = "the a of and to in on for with this that it was is at by from new".split()
CHROMIUM = os.environ.get("ACTIVELABEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: Queue kept by the server. With the default label cap per level the measured
#: labels stay above the refill mark (a fifth), so no round starts during the levels.
QUEUE_SIZE = 2_000
#: The project's setting, kept through the run: a round starts every 50 new labels
#: and picks that many items with its (diverse) strategy. (A large value would also
#: make that diverse batch large, and the round far slower.)
RETRAIN_EVERY = 50
#: Annotators of each level (``--annotators``).
LEVELS = (1, 8, 16)
#: Text → label for real texts (``--texts news_and_sms``), read by :func:`true_label`.
TRUE_LABELS: dict[str, str] = {}


# --------------------------------------------------------------------------- data


def write_csv(path: Path, n_items: int, seed: int = 0) -> None:
    """N texts of 8–20 words, each leaning to one topic (its first word is a topic word)."""
    rng = random.Random(seed)
    names = list(TOPICS)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for i in range(n_items):
            topic = TOPICS[names[i % 2]]
            other = TOPICS[names[1 - i % 2]]
            words = [rng.choice(topic)]
            for _ in range(rng.randint(7, 19)):
                roll = rng.random()
                pool = topic if roll < 0.4 else other if roll < 0.5 else COMMON
                words.append(rng.choice(pool))
            writer.writerow([f"doc-{i:07d}", " ".join(words)])


def write_real_csv(path: Path, n_items: int) -> tuple[str, ...]:
    """N real texts (:func:`news_and_sms.news_and_sms`); their labels go to
    :data:`TRUE_LABELS`. Returns the pool's labels."""
    sys.path.insert(0, str(Path(__file__).parent))
    from news_and_sms import LABELS as REAL_LABELS
    from news_and_sms import news_and_sms

    texts, labels = news_and_sms(n_items)
    TRUE_LABELS.clear()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            writer.writerow([f"doc-{i:07d}", text])
            TRUE_LABELS[text] = label
    return REAL_LABELS


def true_label(text: str) -> str:
    """What the simulated annotator answers: a real text's label, else the
    topic of the first word."""
    if TRUE_LABELS:
        return TRUE_LABELS.get(text) or TRUE_LABELS.get(text.strip()) or "ham"
    return "sport" if text.split(" ", 1)[0] in TOPICS["sport"] else "tech"


def label_body(task: dict[str, Any]) -> dict[str, Any]:
    """The "submit label" body a simulated annotator sends for a served task."""
    return {
        "item_id": task["item_id"],
        "value": true_label(task["text"]),
        "session_id": task["source"]["session_id"],
        "seconds_spent": 1.0,
        "client_id": secrets.token_hex(16),
    }


# --------------------------------------------------------------------------- server


class Serve:
    """``activelabel serve --port 0`` in its own process group."""

    def __init__(
        self,
        db: str,
        log: Path,
        command: list[str] | None = None,
        queue_size: int | None = QUEUE_SIZE,
    ) -> None:
        self.log = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            command
            or [
                *(sys.executable, "-m", "activelabel", "serve", PROJECT),
                *("--port", "0", "--db", db),
                # None: the server's default.
                *(() if queue_size is None else ("--queue-size", str(queue_size))),
                "--require-token",
            ],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
            # A PostgreSQL project caches its features under the working
            # directory: keep them in the run's temporary directory, so no run
            # finds the previous run's features (or leaves 130 MB behind).
            cwd=log.parent,
            start_new_session=True,
        )
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
                if match and not found:
                    found.append(f"http://127.0.0.1:{match.group(1)}")
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        started = time.perf_counter()
        ready.wait(600)
        if not found:
            self.stop()
            raise SystemExit(f"the server did not start; see {log}")
        self.start_seconds = time.perf_counter() - started
        self.url = found[0]
        self.api = f"{self.url}/api/v1/projects/{PROJECT}"

    def rss_mib(self) -> dict[str, float]:
        """VmRSS of the server and of its child process (the trainer worker), if up."""
        out = {"server": _vmrss(self.process.pid)}
        for child in _children(self.process.pid):
            out["trainer"] = out.get("trainer", 0.0) + _vmrss(child)
        out["total"] = sum(out.values())
        return out

    def cpu_seconds(self) -> dict[int, float]:
        """CPU seconds (user + system) used by the server and each live child
        (its trainer worker), by process id."""
        pids = [self.process.pid, *_children(self.process.pid)]
        return {pid: _cpu_seconds(pid) for pid in pids}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.log.close()


def _vmrss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime: fields 14 and 15 of stat(5), after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.extend(int(c) for c in (task / "children").read_text().split())
    return sorted(set(found))


def stats(client: httpx.Client, server: Serve) -> dict[str, Any]:
    response = client.get(f"{server.api}/stats", timeout=120)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def wait_idle(
    client: httpx.Client, server: Serve, *, seen_busy: bool, limit: float
) -> float:
    """Seconds until the trainer is idle (after having been busy, if asked)."""
    started = time.perf_counter()
    busy = not seen_busy
    while time.perf_counter() - started < limit:
        state = stats(client, server)["training"]["state"]
        if state != "idle":
            busy = True
        elif busy:
            return time.perf_counter() - started
        time.sleep(1.0)
    raise SystemExit(f"the trainer was still busy after {limit:.0f} s")


# --------------------------------------------------------------------------- load


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": pct(values, 0.50),
        "p95_ms": pct(values, 0.95),
        "p99_ms": pct(values, 0.99),
        "max_ms": round(max(values), 2) if values else None,
    }


class LeanClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for loopback load.

    httpx spends 2–4 ms of CPU per request here, on the same two cores as the
    server; that time was in every latency measured and taken from the server.
    This client sends a JSON body and reads a ``Content-Length`` or chunked
    response: about 0.1 ms, so the latency measured is the server's.
    """

    def __init__(self, base: str, token: str) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        self.prefix = url.raw_path.decode().rstrip("/")
        self.auth = f"Bearer {token}"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        """Open the keep-alive connection (once), before any request is timed.

        A page keeps its connection for the whole session; opening it inside
        the first timed request put 16 connection setups in every level's
        tail (2–4 % of a half-minute level's requests: its p99).
        """
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port
            )

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST ``body`` as JSON to ``path``; the decoded JSON reply (or None).

        Raises ``RuntimeError`` with the status and body on any non-2xx reply.
        """
        return await self.request("POST", path, orjson.dumps(body))

    async def get(self, path: str) -> Any:
        """GET ``path``; the decoded JSON reply (or None)."""
        return await self.request("GET", path, None)

    async def request(self, method: str, path: str, payload: bytes | None) -> Any:
        """Send one request (a JSON body if ``payload``); the decoded JSON reply."""
        await self.connect()
        assert self.reader is not None
        assert self.writer is not None
        body = (
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            if payload is not None
            else ""
        )
        head = (
            f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: {self.auth}\r\n{body}\r\n"
        )
        self.writer.write(head.encode() + (payload or b""))
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            key, _, value = line.decode("latin-1").partition(":")
            key = key.strip().lower()
            if key == "content-length":
                length = int(value)
            elif key == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            data = b"".join(parts)
        else:
            data = await self.reader.readexactly(length)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:300]!r}")
        return orjson.loads(data) if data else None

    async def close(self) -> None:
        """Close the connection, if one was opened."""
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def annotate(
    api: str,
    token: str,
    deadline: float,
    budget: list[int],
    nxt: list[float],
    sub: list[float],
    think: float = 0.0,
    empty: list[int] | None = None,
) -> int:
    """One annotator: next task, label it, repeat until the deadline or the budget ends.

    ``think`` > 0 is a person's reading time: each item is looked at for a
    uniformly drawn 0.5–1.5 × ``think`` seconds before its label is sent.
    ``empty[0]``, if given, counts the "next task" answers with no item.
    """
    labeled = 0
    rng = random.Random(token)
    client = LeanClient(api, token)
    try:
        await client.connect()
        if think:
            # People do not start in lockstep.
            await asyncio.sleep(rng.uniform(0, think))
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            t0 = time.perf_counter()
            tasks = (await client.post("/tasks/next", {"n": 1}))["data"]
            nxt.append((time.perf_counter() - t0) * 1000)
            if not tasks:
                if empty is not None:
                    empty[0] += 1
                await asyncio.sleep(0.05)
                continue
            task = tasks[0]
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
            t0 = time.perf_counter()
            await client.post("/annotations", label_body(task))
            sub.append((time.perf_counter() - t0) * 1000)
            labeled += 1
    finally:
        await client.close()
    return labeled


def run_level(
    server: Serve,
    tokens: list[str],
    seconds: float,
    max_labels: int,
    think: float = 0.0,
    budget: list[int] | None = None,
) -> dict[str, Any]:
    """N annotators labeling (at full speed, or with ``think`` seconds per item);
    latencies of both calls and labels/s.

    ``budget``, if given, is the shared count of labels left: another thread
    setting it to 0 ends the level early.
    """
    nxt: list[float] = []
    sub: list[float] = []
    empty = [0]
    if budget is None:
        budget = [max_labels]

    async def main() -> tuple[list[int], float]:
        started = time.perf_counter()
        deadline = started + seconds
        counts = await asyncio.gather(
            *(
                annotate(server.api, t, deadline, budget, nxt, sub, think, empty)
                for t in tokens
            )
        )
        return list(counts), time.perf_counter() - started

    cpu_before = server.cpu_seconds()
    own_before = _own_cpu_seconds()
    counts, elapsed = asyncio.run(main())
    cpu_after = server.cpu_seconds()
    own = _own_cpu_seconds() - own_before
    pid = server.process.pid
    server_cpu = cpu_after.get(pid, 0.0) - cpu_before.get(pid, 0.0)
    # A worker that started during the level counts from 0; one that exited
    # during it is lost (its time is then missing, never double).
    trainer_cpu = sum(
        used - cpu_before.get(child, 0.0)
        for child, used in cpu_after.items()
        if child != pid
    )
    labels = max(1, sum(counts))
    return {
        "annotators": len(tokens),
        "think_s": think,
        "seconds": round(elapsed, 2),
        "labels": sum(counts),
        "labels_per_s": round(sum(counts) / elapsed, 1),
        "next_task": summary(nxt),
        "submit_label": summary(sub),
        # Answers with no item; the pool has thousands unlabeled throughout.
        "next_task_empty": empty[0],
        "next_task_empty_share": round(empty[0] / len(nxt), 4) if nxt else None,
        # Cores busy on average (CPU seconds per second), and CPU ms per label.
        "cpu_cores": {
            "server": round(server_cpu / elapsed, 2),
            "trainer": round(trainer_cpu / elapsed, 2),
            "load_generator": round(own / elapsed, 2),
        },
        "cpu_ms_per_label": {
            "server": round(1000 * server_cpu / labels, 2),
            "trainer": round(1000 * trainer_cpu / labels, 2),
            "load_generator": round(1000 * own / labels, 2),
        },
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _own_cpu_seconds() -> float:
    """CPU seconds this process (the load generator) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_levels(
    server: Serve,
    client: httpx.Client,
    tokens: list[str],
    seconds: float,
    max_labels: int,
    backend: str,
    think: float = 0.0,
    counts: tuple[int, ...] = LEVELS,
) -> list[dict[str, Any]]:
    """1, 8 and 16 annotators (``counts``) in turn, each level with the trainer
    state around it, the rounds finished during it and its labels/s against
    the first level's."""
    levels: list[dict[str, Any]] = []
    for n in counts:
        if n > len(tokens) - 1:
            raise SystemExit(
                f"{n} annotators asked for; the project has {len(tokens) - 1}"
            )
        first = stats(client, server)
        before = first["training"]["state"]
        level = run_level(server, tokens[1 : 1 + n], seconds, max_labels, think=think)
        # The trainer works as in normal use (a round every retrain_every
        # labels), so a level may overlap a round: record the trainer state.
        # (The figures are shared for 2 s: wait that long for fresh ones.)
        time.sleep(2.1)
        last = stats(client, server)
        after = last["training"]["state"]
        level["trainer_state"] = [before, after]
        level["rounds_finished"] = len(last["learning_curve"]) - len(
            first["learning_curve"]
        )
        level["queue_size_after"] = last["queue_size"]
        if levels and levels[0]["labels_per_s"]:
            level["vs_first_level"] = round(
                level["labels_per_s"] / levels[0]["labels_per_s"], 2
            )
        levels.append(level)
        pace = f" reading ~{think} s per item" if think else ""
        print(
            f"[{backend}] {n:>2} annotators{pace}: {level['labels_per_s']} labels/s, "
            f"next p99 {level['next_task']['p99_ms']} ms, "
            f"submit p99 {level['submit_label']['p99_ms']} ms, "
            f"empty answers {level['next_task_empty']}/{level['next_task']['n']}, "
            f"rounds {level['rounds_finished']}, cores server "
            f"{level['cpu_cores']['server']} / trainer {level['cpu_cores']['trainer']} "
            f"/ load generator {level['cpu_cores']['load_generator']}, "
            f"load {level['load_average_1m']}",
            flush=True,
        )
    return levels


# --------------------------------------------------------------------------- browser


def paint_times(server: Serve, token: str, presses: int) -> dict[str, Any]:
    """Key press → next item painted, read from the page's own instrumentation."""
    if not Path(CHROMIUM).is_file():
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(60_000)
            page.goto(f"{server.url}/?token={token}#/p/{PROJECT}")
            shown = page.get_by_test_id("item-external-id")
            shown.wait_for()
            keys = {"sport": "1", "tech": "2"}
            for _ in range(presses):
                before = (shown.text_content() or "").strip()
                text = page.get_by_test_id("item-text").text_content() or ""
                page.keyboard.press(keys[true_label(text.strip())])
                page.wait_for_function(
                    """prev => {
                        const el = document.querySelector('[data-testid="item-external-id"]');
                        return el && el.textContent.trim() !== prev;
                    }""",
                    arg=before,
                )
                page.wait_for_timeout(150)  # a quick person, not a script
            times: list[float] = page.evaluate(
                "() => (window.__activelabel && window.__activelabel.paintTimes) || []"
            )
        finally:
            browser.close()
    return {
        "presses": presses,
        **summary(times),
        "within_16ms": sum(1 for t in times if t <= 16.0),
    }


# --------------------------------------------------------------------------- floors


def bare_server_levels(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """16 annotators against a bare FastAPI server (``bare_server.py``).

    Same load generator, uvicorn settings and JSON shapes, no database and
    no work: the latency this machine and the load generator alone add at
    this moment, to read the real server's figures against.
    """
    server = Serve(
        "",
        work / "bare-server.log",
        command=[sys.executable, str(Path(__file__).parent / "bare_server.py")],
    )
    try:
        # Distinct tokens: each annotator's reading times are seeded by its token.
        tokens = [f"bare-{i}" for i in range(16)]
        levels = {
            "back_to_back": run_level(server, tokens, args.seconds, args.max_labels),
            "reading": run_level(
                server, tokens, args.paced_seconds, args.max_labels, think=args.think
            ),
        }
    finally:
        server.stop()
    for name, level in levels.items():
        print(
            f"[bare server] 16 annotators {name.replace('_', ' ')}: "
            f"{level['labels_per_s']} labels/s, next p99 {level['next_task']['p99_ms']} ms, "
            f"submit p99 {level['submit_label']['p99_ms']} ms",
            flush=True,
        )
    return levels


# --------------------------------------------------------------------------- one backend


def download_export(server: Serve, token: str) -> tuple[float, int]:
    """Download the CSV export of every item: (seconds, bytes)."""
    started = time.perf_counter()
    size = 0
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=auth, timeout=3600) as client:
        with client.stream(
            "GET", f"{server.api}/export", params={"format": "csv"}
        ) as stream:
            stream.raise_for_status()
            for chunk in stream.iter_bytes():
                size += len(chunk)
    return time.perf_counter() - started, size


def commit_floor(store: Any, n: int = 300) -> dict[str, Any]:
    """Latency of one single-row INSERT + COMMIT on the backend: the floor.

    Every label is at least one durable commit, so this is the least a
    "submit label" can cost on this database and machine at this moment; it
    is measured in the same run as the server, before anything else loads it.
    """
    from sqlalchemy import text

    times: list[float] = []
    with store.engine.connect() as conn:
        conn.execute(text("CREATE TABLE bench_commit_floor (x INTEGER)"))
        conn.commit()
        try:
            for i in range(n):
                t = time.perf_counter()
                conn.execute(
                    text("INSERT INTO bench_commit_floor VALUES (:x)"), {"x": i}
                )
                conn.commit()
                times.append((time.perf_counter() - t) * 1000)
        finally:
            conn.execute(text("DROP TABLE bench_commit_floor"))
            conn.commit()
    return summary(times)


def prepare_project(
    store: Any,
    csv_path: Path,
    retrain_every: int | None,
    *,
    labels: tuple[str, ...] = LABELS,
) -> tuple[int, list[str]]:
    """The benchmark project with the CSV's items, and 17 annotators.

    ``retrain_every`` None leaves the project's default. Returns the number
    of items imported and the annotators' tokens (the first polls stats;
    the others label).
    """
    with store.session() as session:
        create_project(
            session,
            name=PROJECT,
            task="classification",
            labels=list(labels),
            settings={} if retrain_every is None else {"retrain_every": retrain_every},
        )
    report = import_path(store, PROJECT, csv_path, text_column="text", id_column="id")
    with store.session() as session:
        # The first is an admin: it also retrains and exports, which annotators may not.
        tokens = [
            add_user(
                session,
                name=f"annotator{i:02d}",
                role="admin" if i == 0 else "annotator",
            )[1]
            for i in range(17)
        ]
    return report.items_added, tokens


def bench_backend(
    backend: str,
    db: str,
    csv_path: Path,
    n_items: int,
    work: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": backend, "items": n_items}
    store = open_store(db)
    try:
        result["commit_floor"] = commit_floor(store)
        print(f"[{backend}] one INSERT + COMMIT: {result['commit_floor']}", flush=True)
        if args.floor_only:
            return result
        t0 = time.perf_counter()
        added, tokens = prepare_project(
            store,
            csv_path,
            None if args.defaults else RETRAIN_EVERY,
            labels=args.labels,
        )
        seconds = time.perf_counter() - t0
        result["import"] = {
            "seconds": round(seconds, 1),
            "rows_per_s": round(added / seconds),
        }
        print(f"[{backend}] imported {added:,} items in {seconds:.1f} s", flush=True)
    finally:
        store.close()

    server = Serve(
        db,
        work / f"serve-{backend}.log",
        queue_size=None if args.defaults else args.queue_size,
    )
    try:
        result["server_start_s"] = round(server.start_seconds, 1)
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        with httpx.Client(headers=auth) as client:
            if args.start_at_once:
                # A team that starts as the server does: the first round runs
                # (and later rounds are due) while it labels.
                result["first_round_s"] = None
                print(
                    f"[{backend}] server up in {server.start_seconds:.1f} s; "
                    "labeling starts with the first round running",
                    flush=True,
                )
            else:
                first = wait_idle(client, server, seen_busy=False, limit=3600)
                result["first_round_s"] = round(server.start_seconds + first, 1)
                print(
                    f"[{backend}] server up in {server.start_seconds:.1f} s; first "
                    f"round (featurize + cold start) done after "
                    f"{result['first_round_s']} s",
                    flush=True,
                )
            result["rss_idle_mib"] = server.rss_mib()
            # The same floor with a million items in, the server idle: what
            # the database itself does at this moment (e.g. checkpoints).
            floor_store = open_store(db, migrate=False)
            try:
                result["commit_floor_loaded"] = commit_floor(floor_store)
            finally:
                floor_store.close()
            print(
                f"[{backend}] one INSERT + COMMIT, items in: "
                f"{result['commit_floor_loaded']}",
                flush=True,
            )

            # Back to back, then the same annotators as people who read an item
            # for ~args.think s before labeling it.
            result["levels"] = run_levels(
                server,
                client,
                tokens,
                args.seconds,
                args.max_labels,
                backend,
                counts=args.annotators,
            )
            if not args.no_paced:
                result["paced_levels"] = run_levels(
                    server,
                    client,
                    tokens,
                    args.paced_seconds,
                    args.max_labels,
                    backend,
                    think=args.think,
                    counts=args.annotators,
                )

            if args.levels_only:
                return result
            if args.no_browser:
                result["paint"] = {"skipped": "--no-browser"}
            else:
                result["paint"] = paint_times(server, tokens[16], args.presses)
                print(f"[{backend}] paint: {result['paint']}", flush=True)

            # Retrain + rescore the whole pool while one annotator keeps labeling.
            labeled = stats(client, server)["labeled_items"]
            rss_peak: dict[str, float] = {}
            during: dict[str, Any] = {}
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    for key, value in server.rss_mib().items():
                        rss_peak[key] = max(rss_peak.get(key, 0.0), value)
                    time.sleep(0.25)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            t0 = time.perf_counter()
            response = client.post(f"{server.api}/train", timeout=60)
            response.raise_for_status()
            loader = threading.Thread(
                target=lambda: during.update(
                    run_level(server, tokens[1:2], args.retrain_load_seconds, 10**6)
                ),
                daemon=True,
            )
            loader.start()
            wait_idle(client, server, seen_busy=True, limit=3600)
            retrain_s = time.perf_counter() - t0
            loader.join()
            done.set()
            sampler.join()
            last = stats(client, server)
            result["retrain"] = {
                "labels": labeled,
                "seconds": round(retrain_s, 1),
                "round_report": (last["training"] or {}).get("last_result"),
                "model": last.get("model"),
                "load_during": during,
            }
            result["rss_peak_mib"] = {k: round(v, 1) for k, v in rss_peak.items()}
            print(
                f"[{backend}] retrain + rescore on {labeled:,} labels: {retrain_s:.1f} s",
                flush=True,
            )

            # The export of every item, while one annotator keeps labeling
            # until it is done.
            exported: dict[str, float] = {}
            labels_left = [10**6]

            def download() -> None:
                try:
                    seconds, size = download_export(server, tokens[0])
                    exported["seconds"] = round(seconds, 1)
                    exported["mib"] = round(size / 2**20, 1)
                finally:
                    labels_left[0] = 0

            exporter = threading.Thread(target=download, daemon=True)
            exporter.start()
            load_during = run_level(
                server, tokens[1:2], 3600, 10**6, budget=labels_left
            )
            exporter.join()
            if "seconds" not in exported:
                raise SystemExit(f"the export failed; see {server.log.name}")
            result["export_csv"] = {**exported, "load_during": load_during}
            print(f"[{backend}] export CSV: {result['export_csv']}", flush=True)
            result["rss_end_mib"] = server.rss_mib()
            # At rest: the worker process exits after a minute without rounds.
            deadline = time.perf_counter() + 150
            while time.perf_counter() < deadline and "trainer" in server.rss_mib():
                time.sleep(2.0)
            result["rss_rest_mib"] = server.rss_mib()
            print(f"[{backend}] resident at rest: {result['rss_rest_mib']}", flush=True)
    finally:
        server.stop()
    return result


@contextlib.contextmanager
def pg_database() -> Iterator[str | None]:
    try:
        import psycopg
    except ImportError:
        yield None
        return
    admin_url = os.environ.get("ACTIVELABEL_TEST_PG_URL", DEFAULT_PG)
    libpq = (
        make_url(admin_url)
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
    name = f"al_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(libpq, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL unreachable, skipped: {exc}", flush=True)
        yield None
        return
    try:
        yield (
            make_url(admin_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(libpq, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- report


def fmt(value: Any) -> str:
    return (
        "—" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
    )


def bare_table(bare: dict[str, Any]) -> str:
    lines = [
        "\nbare FastAPI server, 16 annotators (the floor of this machine and load)"
    ]
    for name, lv in bare.items():
        n, s = lv["next_task"], lv["submit_label"]
        lines.append(
            f"{name.replace('_', ' '):>14}: {lv['labels_per_s']} labels/s, next p50 "
            f"{fmt(n['p50_ms'])} p99 {fmt(n['p99_ms'])} ms, submit p50 "
            f"{fmt(s['p50_ms'])} p99 {fmt(s['p99_ms'])} ms"
        )
    return "\n".join(lines)


def table(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        lines.append(f"\n{r['backend']} · {r['items']:,} items")
        if "commit_floor" in r:
            f, g = r["commit_floor"], r.get("commit_floor_loaded") or {}
            lines.append(
                f"floor, one INSERT + COMMIT: empty database p50 {f['p50_ms']} / "
                f"p99 {f['p99_ms']} ms; items in, server idle p50 "
                f"{g.get('p50_ms')} / p99 {g.get('p99_ms')} ms"
            )
        lines.append(
            f"{'annotators':>10} | {'labels/s':>8} {'×1':>5} | {'next p50':>8} {'p95':>7} {'p99':>7} | {'submit p50':>10} {'p95':>7} {'p99':>7} | {'empty':>6} | {'rounds':>6} | cores: server/trainer/load gen | load  (ms; empty: share of next-task answers with no item)"
        )
        for lv in r["levels"] + r.get("paced_levels", []):
            n, s = lv["next_task"], lv["submit_label"]
            pace = f" (read ~{lv['think_s']:g} s)" if lv.get("think_s") else ""
            share = lv.get("next_task_empty_share")
            empty = "—" if share is None else f"{share:.1%}"
            ratio = fmt(lv.get("vs_first_level"))
            cores = lv.get("cpu_cores") or {}
            used = "/".join(
                fmt(cores.get(k)) for k in ("server", "trainer", "load_generator")
            )
            lines.append(
                f"{lv['annotators']:>10} | {lv['labels_per_s']:>8} {ratio:>5} | {fmt(n['p50_ms']):>8} {fmt(n['p95_ms']):>7} {fmt(n['p99_ms']):>7} | "
                f"{fmt(s['p50_ms']):>10} {fmt(s['p95_ms']):>7} {fmt(s['p99_ms']):>7} | {empty:>6} | {fmt(lv.get('rounds_finished')):>6} | {used:>30} | {fmt(lv.get('load_average_1m'))}"
                f"  trainer: {' → '.join(lv['trainer_state'])}{pace}"
            )
        if "retrain" not in r:
            continue
        during = r["retrain"]["load_during"]
        lines.append(
            f"{'(retrain)':>10} | {during.get('labels_per_s', '—'):>8} | {fmt(during['next_task']['p50_ms']):>8} "
            f"{fmt(during['next_task']['p95_ms']):>7} {fmt(during['next_task']['p99_ms']):>7} | "
            f"{fmt(during['submit_label']['p50_ms']):>10} {fmt(during['submit_label']['p95_ms']):>7} "
            f"{fmt(during['submit_label']['p99_ms']):>7}"
        )
        paint = r["paint"]
        if "skipped" in paint:
            lines.append(f"key → next item painted: skipped ({paint['skipped']})")
        else:
            lines.append(
                f"key → next item painted: p50 {paint['p50_ms']} ms, p95 {paint['p95_ms']} ms, "
                f"max {paint['max_ms']} ms; {paint['within_16ms']}/{paint['n']} within 16 ms"
            )
        lines.append(
            f"import: {r['import']['seconds']} s ({r['import']['rows_per_s']:,} rows/s); "
            f"server up: {r['server_start_s']} s; first round (featurize + cold start): {r['first_round_s']} s"
        )
        lines.append(
            f"retrain + rescore of the pool ({r['retrain']['labels']:,} labels): {r['retrain']['seconds']} s"
        )
        lines.append(
            f"export CSV of every item: {r['export_csv']['seconds']} s ({r['export_csv']['mib']} MiB)"
        )
        during = r["export_csv"].get("load_during")
        if during:
            lines.append(
                "1 annotator during the export: next p50/p95/p99 "
                f"{fmt(during['next_task']['p50_ms'])}/{fmt(during['next_task']['p95_ms'])}/"
                f"{fmt(during['next_task']['p99_ms'])} ms, submit "
                f"{fmt(during['submit_label']['p50_ms'])}/{fmt(during['submit_label']['p95_ms'])}/"
                f"{fmt(during['submit_label']['p99_ms'])} ms"
            )
        lines.append(
            "resident memory (MiB): idle "
            + ", ".join(f"{k} {v:.0f}" for k, v in r["rss_idle_mib"].items())
            + "; peak during retrain "
            + ", ".join(f"{k} {v:.0f}" for k, v in r["rss_peak_mib"].items())
        )
        if "rss_rest_mib" in r:
            lines.append(
                "resident memory at rest (the worker exited after a minute without rounds): "
                + ", ".join(f"{k} {v:.0f}" for k, v in r["rss_rest_mib"].items())
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="per concurrency level"
    )
    parser.add_argument(
        "--max-labels", type=int, default=2000, help="per concurrency level"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds a paced annotator reads each item (mean)",
    )
    parser.add_argument(
        "--paced-seconds", type=float, default=30.0, help="per paced level"
    )
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--retrain-load-seconds", type=float, default=10.0)
    parser.add_argument(
        "--queue-size",
        type=int,
        default=QUEUE_SIZE,
        help="the server's --queue-size (the default 500 of `serve` drains fast)",
    )
    parser.add_argument(
        "--levels-only",
        action="store_true",
        help="only the labeling levels: no browser, retrain, export or memory at rest",
    )
    parser.add_argument(
        "--floor-only",
        action="store_true",
        help="only the floors: a bare FastAPI server under the same load, and one "
        "INSERT + COMMIT on each backend (about a minute)",
    )
    parser.add_argument(
        "--texts",
        choices=("synthetic", "news_and_sms"),
        default="synthetic",
        help="synthetic two-topic texts, or real ones (AG News and SMS, six labels)",
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="the server's default queue size and the project's default "
        "retrain_every, as a team meets them (not --queue-size, not 50)",
    )
    parser.add_argument(
        "--annotators",
        type=lambda v: tuple(int(n) for n in v.split(",")),
        default=LEVELS,
        help="annotators of each level, e.g. 1,8,16 (at most 16)",
    )
    parser.add_argument(
        "--no-paced", action="store_true", help="leave out the reading levels"
    )
    parser.add_argument(
        "--start-at-once",
        action="store_true",
        help="start the levels as soon as the server answers, with the first "
        "round running, instead of after it (with --levels-only)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.labels = LABELS
    if args.start_at_once and not args.levels_only:
        parser.error("--start-at-once goes with --levels-only")

    results = []
    with tempfile.TemporaryDirectory(prefix="al-bench-server-") as tmp:
        work = Path(tmp)
        csv_path = work / "items.csv"
        if not args.floor_only:
            t0 = time.perf_counter()
            if args.texts == "news_and_sms":
                args.labels = write_real_csv(csv_path, args.items)
            else:
                write_csv(csv_path, args.items)
            print(
                f"wrote {args.items:,} texts in {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
        # The floor is left out of a --levels-only run (it is about the queue).
        bare = {} if args.levels_only else bare_server_levels(work, args)
        if not args.no_sqlite:
            db = f"sqlite:///{work / 'bench.db'}"
            results.append(
                bench_backend("sqlite", db, csv_path, args.items, work, args)
            )
        if not args.no_postgres:
            with pg_database() as pg:
                if pg is not None:
                    results.append(
                        bench_backend(
                            "postgresql", pg, csv_path, args.items, work, args
                        )
                    )

    if args.floor_only:
        return
    if bare:
        print(bare_table(bare))
    print(table(results))
    goals = {
        "p99_ms_at_16_annotators_under": 20,
        "next_item_painted_within_ms": 16,
    }
    peer = {
        "tool": "Label Studio 1.23.2",
        "tasks": 100_000,
        "next_task_p50_ms": 164,
        "next_task_p99_ms": 237,
        "submit_p99_ms_1_client": 140,
        "submit_p99_ms_16_clients": 5500,
        "export_s": 171,
        "resident_mib": 667,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "benchmark": "server",
                "items": args.items,
                "queue_size": "server default" if args.defaults else args.queue_size,
                "retrain_every": "project default" if args.defaults else RETRAIN_EVERY,
                "texts": args.texts,
                "goals": goals,
                "peer_reference": peer,
                "bare_server": bare,
                "results": results,
                "environment": {
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                    "cpus": os.cpu_count(),
                    "load_average_1m_at_end": round(os.getloadavg()[0], 2),
                },
                "note": "latencies are measured by the client, loopback, same machine",
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
