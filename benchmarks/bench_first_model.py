"""Benchmark: how soon a large pool's first model suggests labels, and the memory it takes.

On 100,000 real texts (AG News articles and SMS messages, six labels:
``news_and_sms.py``) with the default settings on SQLite, as a user would:

1. Time scikit-learn's ``TfidfVectorizer().fit_transform`` over the texts
   (the baseline: the plainest TF-IDF there is, word 1-grams), then the
   featurizer a project of this size gets by default, in this process, back
   to back on the same texts.
2. ``activelabel init`` and ``activelabel import`` the texts from a CSV, and
   add an annotator with ``activelabel user add``.
3. Start ``activelabel serve`` (``--require-token``) and, at once, label as one
   annotator through the HTTP API (next task, ``--think`` seconds on average
   to read it, then the label the data say) until a task comes with a
   suggestion of the project's model: the seconds from starting ``serve`` to
   that task are the "first model". The round that trained it reports its
   own seconds (load, featurize, train, score). The round worker runs only on
   CPU time nobody else wants: on a loaded machine, or with ``--think 0``
   (the server never rests), its rounds wait.
4. Once the trainer is idle, the resident memory (VmRSS) of the server and of
   its round worker; then label for ``--label-seconds`` more, wait for the
   trainer, and read the memory again ("after labeling"); the peak is sampled
   throughout.

Prints a table and writes ``benchmarks/results/first_model.json`` (one entry
per pool size). The machine's load average is recorded beside the figures:
compare the ratios to the baseline, measured in the same run.

Usage::

    python benchmarks/bench_first_model.py                    # 100,000 texts
    python benchmarks/bench_first_model.py --items 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench_server import PROJECT, Serve, stats, wait_idle
from news_and_sms import LABELS, news_and_sms, write_texts_csv

RESULTS = Path(__file__).parent / "results" / "first_model.json"


def activelabel(*args: str) -> str:
    """Run an ``activelabel`` command as a user would; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "activelabel", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"activelabel {args[0]} failed:\n{done.stderr}{done.stdout}")
    return done.stdout


def featurize_times(texts: list[str]) -> dict[str, Any]:
    """Seconds of the baseline TF-IDF and of the project's default featurizer."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from activelabel.loop.featurizers import make_featurizer

    out: dict[str, Any] = {}
    t = time.perf_counter()
    X = TfidfVectorizer().fit_transform(texts)
    out["sklearn_tfidf_s"] = round(time.perf_counter() - t, 2)
    out["sklearn_tfidf_nnz_per_row"] = round(X.nnz / X.shape[0], 1)
    del X
    featurizer = make_featurizer("text", pool_size=len(texts))
    t = time.perf_counter()
    X = featurizer.fit_transform(texts)
    out["activelabel_s"] = round(time.perf_counter() - t, 2)
    out["activelabel_featurizer"] = featurizer.featurizer_id
    out["activelabel_nnz_per_row"] = round(X.nnz / X.shape[0], 1)
    out["activelabel_mib"] = round(
        (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20, 1
    )
    out["ratio_to_sklearn"] = round(out["activelabel_s"] / out["sklearn_tfidf_s"], 2)
    return out


class Annotator:
    """One annotator labeling back to back with the true labels of the texts."""

    def __init__(
        self, api: str, token: str, truth: dict[str, str], think: float
    ) -> None:
        self.client = httpx.Client(
            base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        self.truth = truth
        self.think = think
        self.rng = random.Random(0)
        self.labeled = 0

    def label_one(self) -> dict[str, Any] | None:
        """Lease the next task and label it; the task (None if none was served)."""
        response = self.client.post("/tasks/next", json={"n": 1})
        response.raise_for_status()
        tasks = response.json()["data"]
        if not tasks:
            time.sleep(0.05)
            return None
        task: dict[str, Any] = tasks[0]
        if self.think:
            time.sleep(self.rng.uniform(0.5 * self.think, 1.5 * self.think))
        body = {
            "item_id": task["item_id"],
            "value": self.truth[task["text"]],
            "session_id": task["source"]["session_id"],
            "seconds_spent": 1.0,
            "client_id": secrets.token_hex(16),
        }
        self.client.post("/annotations", json=body).raise_for_status()
        self.labeled += 1
        return task


def model_suggests(task: dict[str, Any] | None) -> bool:
    """Whether the served task carries a suggestion of the project's model."""
    suggestion = (task or {}).get("suggestion")
    return bool(suggestion) and suggestion.get("source") == "model"


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "items": args.items,
        "think_s": args.think,
        "load_before": os.getloadavg(),
    }
    texts, labels = news_and_sms(args.items)
    truth = dict(zip(texts, labels, strict=True))
    print(f"{len(texts):,} texts ready", flush=True)
    result["featurize"] = featurize_times(texts)
    print(f"featurize: {result['featurize']}", flush=True)

    csv_path = write_texts_csv(work / "pool.csv", texts)
    del texts, labels
    db = f"sqlite:///{work / 'bench.db'}"
    activelabel("init", PROJECT, "--labels", ",".join(LABELS), "--db", db)
    t = time.perf_counter()
    activelabel("import", PROJECT, str(csv_path), "--text-column", "text", "--db", db)
    result["import_s"] = round(time.perf_counter() - t, 1)
    printed = activelabel("user", "add", "annotator", "--role", "admin", "--db", db)
    token = printed.strip().splitlines()[-1].strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,}", token):
        raise SystemExit(f"no token in the output of activelabel user add: {printed}")
    print(f"imported in {result['import_s']} s", flush=True)

    peak: dict[str, float] = {}
    done = threading.Event()
    started = time.perf_counter()
    server = Serve(
        db,
        work / "serve.log",
        command=[
            *(sys.executable, "-m", "activelabel", "serve", PROJECT),
            *("--port", "0", "--db", db, "--require-token"),
        ],
    )

    def sample() -> None:
        while not done.is_set():
            for key, value in server.rss_mib().items():
                peak[key] = max(peak.get(key, 0.0), value)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result["server_start_s"] = round(server.start_seconds, 1)
        annotator = Annotator(server.api, token, truth, args.think)
        while not model_suggests(annotator.label_one()):
            if time.perf_counter() - started > args.limit:
                raise SystemExit(f"no model suggestion after {args.limit:.0f} s")
        result["first_model_s"] = round(time.perf_counter() - started, 1)
        result["labels_at_first_model"] = annotator.labeled
        print(
            f"first model suggests after {result['first_model_s']} s "
            f"({annotator.labeled} labels)",
            flush=True,
        )
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
            training = stats(client, server).get("training") or {}
            result["first_model_round"] = training.get("last_result")
            wait_idle(client, server, seen_busy=False, limit=3600)
            result["rss_after_first_model_mib"] = server.rss_mib()
            print(f"resident: {result['rss_after_first_model_mib']}", flush=True)
            deadline = time.perf_counter() + args.label_seconds
            while time.perf_counter() < deadline:
                annotator.label_one()
            wait_idle(client, server, seen_busy=False, limit=3600)
            result["rss_after_labeling_mib"] = server.rss_mib()
            last = stats(client, server)
        result["labels_total"] = annotator.labeled
        result["models_trained"] = (last.get("model") or {}).get("version")
        result["last_round"] = (last.get("training") or {}).get("last_result")
        print(f"resident after labeling: {result['rss_after_labeling_mib']}")
    finally:
        done.set()
        sampler.join()
        server.stop()
    result["rss_peak_mib"] = {k: round(v, 1) for k, v in peak.items()}
    result["load_after"] = os.getloadavg()
    return result


def table(result: dict[str, Any]) -> str:
    f = result["featurize"]

    def mib(key: str) -> str:
        rss = result.get(key) or {}
        return (
            f"{rss.get('total', 0):.0f} (server {rss.get('server', 0):.0f} "
            f"+ worker {rss.get('trainer', 0):.0f})"
        )

    rows = [
        ("items", f"{result['items']:,}"),
        ("sklearn TfidfVectorizer().fit_transform", f"{f['sklearn_tfidf_s']} s"),
        (
            "activelabel's featurizer (same texts)",
            f"{f['activelabel_s']} s ({f['ratio_to_sklearn']}× the baseline; "
            f"{f['activelabel_nnz_per_row']} non-zeros/row, {f['activelabel_mib']} MiB)",
        ),
        ("import (activelabel import)", f"{result['import_s']} s"),
        ("serve → page ready", f"{result['server_start_s']} s"),
        (
            "serve → first model suggestion",
            f"{result['first_model_s']} s ({result['labels_at_first_model']} labels, "
            f"{result['think_s']} s to read each)",
        ),
        (
            "  that round's own seconds",
            ", ".join(
                f"{k} {v}"
                for k, v in (
                    (result.get("first_model_round") or {}).get("seconds") or {}
                ).items()
            ),
        ),
        ("resident after first model, MiB", mib("rss_after_first_model_mib")),
        (
            f"resident after labeling ({result['labels_total']} labels), MiB",
            mib("rss_after_labeling_mib"),
        ),
        ("peak resident, MiB", mib("rss_peak_mib")),
        (
            "load average (1 min) before / after",
            f"{result['load_before'][0]:.2f} / {result['load_after'][0]:.2f}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument(
        "--label-seconds",
        type=float,
        default=60.0,
        help="seconds of back-to-back labeling after the first model",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds an annotator reads an item on average (0.5-1.5 x)",
    )
    parser.add_argument(
        "--limit", type=float, default=900.0, help="give up after this many seconds"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-first-model-") as tmp:
        result = run(args, Path(tmp))
    result["machine"] = {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print()
    print(table(result))
    runs = json.loads(args.out.read_text()) if args.out.exists() else {}
    runs[str(args.items)] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
