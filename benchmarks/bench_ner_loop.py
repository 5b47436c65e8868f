"""Benchmark: the NER model in the loop, on conll2003 (read from ../shared).

Two parts (``--part round``, ``--part efficiency``, or both):

**round** — a span round in the server's worker while annotators keep asking
for tasks. A SQLite project of ``--sentences`` sentences (default 100,000) is
built from conll2003: its 20,744 sentences (eng.train, eng.testa, eng.testb)
are not enough, so they are repeated, each copy shuffled, until the count is
reached (each copy is its own item). The first ``--labeled`` of them carry
their true spans as labels. ``activelabel serve`` starts as a subprocess, and
two annotators (one token each) loop "next task" then "submit label" (an empty
span list), reading each task for ``--think`` seconds. "Next task" latency is
recorded (a) during the first round (the trainer runs one at start: no model
yet), (b) idle, with no round running, (c) during a retrain asked with
``POST train``. A round trains the CRF (with 3-fold CV) on the labeled
sentences and scores every unlabeled one in chunks; the worker's resident
memory is sampled every half second. Goal: next-task p99 during a round ≤ 2×
idle.

**efficiency** — label efficiency on conll2003 (``--seeds`` seeds, batches
of 10 up to 300 labeled sentences, 10 random ones first). Each seed draws a
pool of ``--pool-size`` sentences of eng.train (default 3,000: every round
scores the whole pool with the CRF, and a pool of all 14,041 sentences made a
run take hours on two cores) and measures entity F1 on all of eng.testa.
Reported: random's mean entity F1 at 300 labels, and the labels the default
strategy (the NER adapter's first: total token entropy, diverse batches, as
the loop picks them) needs to reach it.
Goal: ≤ 40 % of 300, i.e. 120.

Prints a table per part and writes ``benchmarks/results/ner_loop_round.json``
and ``benchmarks/results/ner_label_efficiency.json``.

Usage::

    python benchmarks/bench_ner_loop.py                         # both parts
    python benchmarks/bench_ner_loop.py --part round --sentences 100000
    python benchmarks/bench_ner_loop.py --part efficiency --seeds 5
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from activelabel.cli.simulate import read_conll_sentences
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import open_store
from activelabel.store.models import Item, Job, ModelVersion, Project
from activelabel.store.projects import create_project
from activelabel.store.users import add_user
from activelabel.tasks.spans.tag_schemes import tags_to_spans

REPO = Path(__file__).resolve().parent.parent
CONLL = REPO.parent / "shared" / "datasets" / "conll2003"
RESULTS = Path(__file__).parent / "results"
PROJECT = "news"
LABELS = ("PER", "LOC", "ORG", "MISC")


def offsets(words: list[str]) -> list[tuple[int, int]]:
    out, at = [], 0
    for word in words:
        out.append((at, at + len(word)))
        at += len(word) + 1
    return out


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": pct(values, 0.50),
        "p95": pct(values, 0.95),
        "p99": pct(values, 0.99),
        "max": round(max(values), 2) if values else None,
    }


# --------------------------------------------------------------------------- round


def build_project(url: str, n_sentences: int, n_labeled: int) -> dict[str, Any]:
    """A NER project of ``n_sentences`` conll2003 sentences, the first labeled."""
    words: list[list[str]] = []
    tags: list[list[str]] = []
    for name in ("eng.train", "eng.testa", "eng.testb"):
        more_words, more_tags = read_conll_sentences(CONLL / name)
        words += more_words
        tags += more_tags
    distinct = len(words)
    rng = random.Random(0)
    order: list[int] = []
    while len(order) < n_sentences:
        copy = list(range(distinct))
        rng.shuffle(copy)
        order += copy
    order = order[:n_sentences]
    store = open_store(url)
    with store.session() as session:
        project = create_project(
            session,
            name=PROJECT,
            task="ner",
            labels=list(LABELS),
            modality="text",
            settings={"retrain_every": 1_000_000},
        )
        project_id = project.id
        _, token_a = add_user(session, name="ann-a")
        _, token_b = add_user(session, name="ann-b")
        _, admin = add_user(session, name="admin", role="admin")
    t0 = time.perf_counter()
    for start in range(0, n_sentences, 10_000):
        rows = []
        for k in range(start, min(start + 10_000, n_sentences)):
            w = words[order[k]]
            text = " ".join(w)
            rows.append(
                {
                    "project_id": project_id,
                    "external_id": f"s{k}",
                    "content_hash": hashlib.sha256(f"{k}:{text}".encode()).hexdigest(),
                    "data": {"text": text, "tokens": w},
                }
            )
        with store.session() as session:
            session.execute(insert(Item), rows)
    with store.session() as session:
        project_row = session.get_one(Project, project_id)
        ids = list(
            session.scalars(
                select(Item.id)
                .where(Item.project_id == project_id)
                .order_by(Item.id)
                .limit(n_labeled)
            )
        )
        for k, item_id in enumerate(ids):
            w = words[order[k]]
            spans = tags_to_spans(offsets(w), tags[order[k]], "iob2")
            add_annotation(session, project=project_row, item_id=item_id, value=spans)
    store.close()
    return {
        "distinct_sentences": distinct,
        "sentences": n_sentences,
        "labeled": n_labeled,
        "build_seconds": round(time.perf_counter() - t0, 1),
        "tokens": [token_a, token_b],
        "admin": admin,
    }


class Server:
    """``activelabel serve`` in its own process group, on a free port."""

    def __init__(self, db: str, log: Path) -> None:
        self.log = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "activelabel", "serve", PROJECT),
                *("--port", "0", "--db", db, "--queue-size", "500"),
                "--require-token",
            ],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
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
        ready.wait(300)
        if not found:
            self.stop()
            raise SystemExit(f"the server did not start; see {log}")
        self.api = f"{found[0]}/api/v1/projects/{PROJECT}"

    def worker_rss_mib(self) -> float:
        total = 0.0
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    total += _vmrss(int(child))
        return total

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
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Annotators:
    """Annotators labeling in threads; each "next task" latency goes to the
    phase current when it was sent."""

    def __init__(self, api: str, tokens: list[str], think: float) -> None:
        self.api = api
        self.phase = "start"
        self.latencies: dict[str, list[float]] = {}
        self.empty: dict[str, int] = {}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(t, think, i), daemon=True)
            for i, t in enumerate(tokens)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, token: str, think: float, seed: int) -> None:
        rng = random.Random(seed)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(headers=headers, timeout=60) as client:
            while not self._stop.is_set():
                phase = self.phase
                t0 = time.perf_counter()
                response = client.post(f"{self.api}/tasks/next", json={"n": 1})
                elapsed = (time.perf_counter() - t0) * 1000
                response.raise_for_status()
                self.latencies.setdefault(phase, []).append(elapsed)
                tasks = response.json()["data"]
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
                if not tasks:
                    self.empty[phase] = self.empty.get(phase, 0) + 1
                    continue
                client.post(
                    f"{self.api}/annotations",
                    json={"item_id": tasks[0]["item_id"], "value": []},
                ).raise_for_status()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)


def jobs_of(url: str) -> list[tuple[int, str, Any]]:
    store = open_store(url, migrate=False)
    try:
        with store.session() as session:
            return [
                (j.id, j.state, j.result or j.error)
                for j in session.scalars(select(Job).order_by(Job.id))
            ]
    finally:
        store.close()


def wait_round(
    url: str, done_before: int, server: Server, limit: float
) -> tuple[float, Any, float]:
    """Seconds until a job beyond the first ``done_before`` finished, its
    result, and the worker's peak resident memory meanwhile (MiB)."""
    started = time.perf_counter()
    peak = 0.0
    while time.perf_counter() - started < limit:
        peak = max(peak, server.worker_rss_mib())
        finished = [j for j in jobs_of(url) if j[1] in ("done", "failed")]
        if len(finished) > done_before:
            return time.perf_counter() - started, finished[-1], peak
        time.sleep(0.5)
    raise SystemExit(f"no round finished within {limit:.0f} s")


def run_round_part(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ner-loop-"))
    url = f"sqlite:///{tmp / 'ner.db'}"
    print(f"building {args.sentences:,} sentences ({args.labeled:,} labeled) ...")
    built = build_project(url, args.sentences, args.labeled)
    tokens = built.pop("tokens")
    admin = built.pop("admin")
    server = Server(url, tmp / "server.log")
    annotators = Annotators(server.api, tokens, args.think)
    rounds: list[dict[str, Any]] = []
    try:
        annotators.phase = "first_round"
        seconds, job, peak = wait_round(url, 0, server, args.round_limit)
        rounds.append(
            {
                "seconds_waited": round(seconds, 1),
                "job": job,
                "worker_peak_rss_mib": round(peak),
            }
        )
        print(f"first round: {seconds:.1f} s, worker peak {peak:.0f} MiB")
        annotators.phase = "idle"
        time.sleep(args.idle_seconds)
        annotators.phase = "retrain"
        httpx.post(
            f"{server.api}/train",
            headers={"Authorization": f"Bearer {admin}"},
            timeout=60,
        ).raise_for_status()
        seconds, job, peak = wait_round(url, 1, server, args.round_limit)
        rounds.append(
            {
                "seconds_waited": round(seconds, 1),
                "job": job,
                "worker_peak_rss_mib": round(peak),
            }
        )
        print(f"retrain: {seconds:.1f} s, worker peak {peak:.0f} MiB")
        annotators.phase = "after"
    finally:
        annotators.stop()
        server.stop()
    store = open_store(url, migrate=False)
    with store.session() as session:
        versions = [
            {
                "name": v.name,
                "n_labels": v.n_labels,
                "cv_score": v.cv_score,
                "per_class": v.metrics.get("per_class"),
            }
            for v in session.scalars(select(ModelVersion).order_by(ModelVersion.id))
        ]
    store.close()
    lat = {phase: summary(values) for phase, values in annotators.latencies.items()}
    idle_p99 = lat.get("idle", {}).get("p99")
    ratios = {
        phase: round(lat[phase]["p99"] / idle_p99, 2)
        for phase in ("first_round", "retrain")
        if idle_p99 and phase in lat and lat[phase]["p99"] is not None
    }
    return {
        "setup": {
            **built,
            "think_seconds": args.think,
            "annotators": len(tokens),
            "backend": "sqlite",
            "pool_note": "conll2003 sentences (train+testa+testb) repeated, each copy shuffled, to reach the count",
        },
        "next_task_ms": lat,
        "empty_answers": annotators.empty,
        "p99_ratio_to_idle": ratios,
        "rounds": rounds,
        "model_versions": versions,
        "goal": "next-task p99 during a round <= 2x idle",
    }


# ---------------------------------------------------------------------- efficiency


def run_efficiency_part(args: argparse.Namespace) -> dict[str, Any]:
    from activelabel.al.simulate_spans import DEFAULT_SENTENCE_STRATEGY, simulate_spans

    words, tags = read_conll_sentences(CONLL / "eng.train")
    test_words, test_tags = read_conll_sentences(CONLL / "eng.testa")
    names = [s.strip() for s in args.strategies.split(",") if s.strip()]
    started = time.perf_counter()

    def progress(done: int, total: int, desc: str) -> None:
        print(
            f"\r{done}/{total} {desc} {time.perf_counter() - started:.0f}s",
            end="",
            flush=True,
        )

    result = simulate_spans(
        words,
        tags,
        strategies=names,
        initial_labels=10,
        batch_size=10,
        budget=args.budget,
        seeds=args.seeds,
        test_sentences=test_words,
        test_tags=test_tags,
        pool_size=args.pool_size,
        progress=progress,
    )
    print()
    random_final = result.final_score("random")
    per_strategy = {}
    for name in names:
        needed = result.labels_to_reach(name, random_final)
        per_strategy[name] = {
            "final_entity_f1": round(result.final_score(name), 4),
            "labels_to_reach_random_at_budget": needed,
            "share_of_budget": None
            if needed is None
            else round(needed / args.budget, 3),
        }
    mean = result.mean_curves()
    curves = {
        str(name): {int(r.n_labels): round(float(r.mean), 4) for r in g.itertuples()}
        for name, g in mean.groupby("strategy", sort=False)
    }
    result.plot(
        RESULTS / "ner_label_efficiency.png",
        title="conll2003: entity F1 on eng.testa (5 seeds, min–max band)",
    )
    return {
        "setup": {
            "pool": f"{args.pool_size} sentences of eng.train drawn per seed",
            "test": f"eng.testa, {len(test_words)} sentences",
            "seeds": args.seeds,
            "initial_labels": 10,
            "batch_size": 10,
            "budget": args.budget,
            "model": "CRF (sklearn-crfsuite, lbfgs c1=c2=0.1, 100 iterations), refitted each round",
            "default": f"{DEFAULT_SENTENCE_STRATEGY}, diverse batch (as the loop picks the head)",
        },
        "random_entity_f1_at_budget": round(random_final, 4),
        "strategies": per_strategy,
        "goal": "default reaches random's F1 at 300 with <= 120 labels (40 %)",
        "mean_curves": curves,
        "seconds": round(time.perf_counter() - started, 1),
        "summary": result.summary.astype(object)
        .where(result.summary.notna(), None)
        .to_dict(orient="records"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("round", "efficiency", "all"), default="all")
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--labeled", type=int, default=1_000)
    parser.add_argument("--think", type=float, default=0.25)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--round-limit", type=float, default=1800.0)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--pool-size", type=int, default=3_000)
    parser.add_argument("--strategies", default="default,random")
    args = parser.parse_args()
    if not CONLL.is_dir():
        raise SystemExit(f"conll2003 is not at {CONLL}")
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(),
    }
    RESULTS.mkdir(exist_ok=True)
    if args.part in ("round", "all"):
        out = run_round_part(args)
        out["machine"] = machine
        (RESULTS / "ner_loop_round.json").write_text(
            json.dumps(out, indent=2, default=str)
        )
        print(f"{'phase':<12} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
        for phase, row in out["next_task_ms"].items():
            print(
                f"{phase:<12} {row['n']:>6} {row['p50']!s:>8} {row['p95']!s:>8} {row['p99']!s:>8} {row['max']!s:>8}"
            )
        print(f"p99 during a round / idle: {out['p99_ratio_to_idle']}")
    if args.part in ("efficiency", "all"):
        out = run_efficiency_part(args)
        out["machine"] = machine
        (RESULTS / "ner_label_efficiency.json").write_text(
            json.dumps(out, indent=2, default=str)
        )
        print(
            f"random's entity F1 at {args.budget}: {out['random_entity_f1_at_budget']}"
        )
        print(f"{'strategy':<26} {'final F1':>9} {'labels to random@budget':>24}")
        for name, row in out["strategies"].items():
            print(
                f"{name:<26} {row['final_entity_f1']:>9} {row['labels_to_reach_random_at_budget']!s:>24}"
            )


if __name__ == "__main__":
    main()
