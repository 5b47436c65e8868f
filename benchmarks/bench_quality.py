"""Benchmark: agreement over a million labels, the mislabel finder on 100,000
items, and the finder's recall of planted mistakes in the SMS spam labels.

Three parts, each against a baseline measured in the same run:

1. **Agreement** (goal: <= 5 s). A SQLite project of items labeled by 3 of 10
   annotators each (1,000,000 labels by default; each annotator right 90 % of
   the time), timed through ``measure_project_agreement`` (what ``activelabel
   agreement`` runs). Baseline: reading the same labels alone.
2. **Mislabel finder on 100,000 items** (goal: <= 30 s in the worker). A
   project of SMS messages (sampled with a number appended, so each item is
   new), 5 % of labels flipped, judged by ``find_project_label_issues`` (what
   ``activelabel label-issues`` runs when no round has: read, featurize,
   cross-validate for out-of-fold probabilities, rank, store). Baseline: the
   round's own training on the same labels (cross-validation and fit), which
   a round pays anyway; the finder adds cleanlab's ranking to it.
3. **Planted noise** (goal: recall >= 60 %). The 5,574 SMS spam labels, 5 %
   flipped at random (5 seeds); recall of the flips among the finder's first
   2 x (number flipped). Baselines: a random ranking (expected recall
   2 x 5 % = 10 %) and the plain ranking by the given label's out-of-fold
   probability over every item (cleanlab's score without its noise filter).

Usage::

    python benchmarks/bench_quality.py                  # the figures above
    python benchmarks/bench_quality.py --quick          # 100,000 labels, 20,000 items

Writes ``benchmarks/results/quality.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from activelabel.loop.label_issues import find_project_label_issues
from activelabel.ml.text_features import TextFeaturizer
from activelabel.ml.training import train_model
from activelabel.quality.label_issues import find_label_issues
from activelabel.quality.project_agreement import measure_project_agreement
from activelabel.store.engine import Store, open_store
from activelabel.store.models import Annotation, Item, User
from activelabel.store.projects import create_project

ROOT = Path(__file__).parent.parent
SMS = ROOT.parent / "shared" / "datasets" / "sms_spam_collection" / "SMSSpamCollection"
RESULTS = Path(__file__).parent / "results" / "quality.json"
BATCH = 50_000


def read_sms() -> tuple[list[str], np.ndarray]:
    """The SMS Spam Collection: texts and ham/spam labels."""
    rows = [
        line.split("\t", 1)
        for line in SMS.read_text(encoding="utf-8").splitlines()
        if "\t" in line
    ]
    return [text for _, text in rows], np.array([label for label, _ in rows])


def flip(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` with ``share`` of them flipped (ham <-> spam) at random."""
    rng = np.random.default_rng(seed)
    flipped = rng.choice(labels.size, round(share * labels.size), replace=False)
    noisy = labels.copy()
    noisy[flipped] = np.where(labels[flipped] == "ham", "spam", "ham")
    return noisy, flipped


# -- 1. agreement -------------------------------------------------------------


def fill_agreement(store: Store, n_labels: int, seed: int = 0) -> int:
    """Items labeled by 3 of 10 annotators, each right 90 % of the time."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    with store.session() as session:
        project_id = create_project(
            session, name="agree", task="classification", labels="ham,spam"
        ).id
        users = []
        for k in range(10):
            user = User(name=f"annotator-{k}", token_hash=secrets.token_hex(32))
            session.add(user)
            session.flush()
            users.append(user.id)
    n_items = n_labels // 3
    for start in range(0, n_items, BATCH):
        stop = min(start + BATCH, n_items)
        with store.session() as session:
            ids = session.scalars(
                insert(Item).returning(Item.id),
                [
                    {
                        "project_id": project_id,
                        "external_id": f"i{i}",
                        "content_hash": f"{i:064x}",
                        "data": {"text": f"message {i}"},
                        "created_at": now,
                    }
                    for i in range(start, stop)
                ],
            ).all()
            rows = []
            for item_id in ids:
                truth = rng.choice(("ham", "spam"))
                for user in rng.sample(users, 3):
                    wrong = rng.random() < 0.1
                    rows.append(
                        {
                            "project_id": project_id,
                            "item_id": item_id,
                            "annotator_id": user,
                            "value": ("spam" if truth == "ham" else "ham")
                            if wrong
                            else truth,
                            "source": "human",
                            "status": "active",
                            "created_at": now,
                        }
                    )
            session.execute(insert(Annotation), rows)
        print(f"  {stop * 3:>9,} labels", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    return n_items * 3


def bench_agreement(workdir: Path, n_labels: int) -> dict[str, Any]:
    store = open_store(f"sqlite:///{workdir / 'agree.db'}")
    try:
        stored = fill_agreement(store, n_labels)
        t = time.perf_counter()
        with store.session() as session:
            read = len(
                session.execute(
                    select(
                        Annotation.item_id, Annotation.annotator_id, Annotation.value
                    ).where(Annotation.status == "active")
                ).all()
            )
        baseline = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        measured = measure_project_agreement(store, "agree")
        seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
    finally:
        store.close()
    figures = measured.as_dict()
    return {
        "labels": stored,
        "labels_read_by_baseline": read,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "baseline_read_seconds": round(baseline, 2),
        "ratio_to_baseline": round(seconds / baseline, 2),
        "goal_seconds": 5.0,
        "fleiss_kappa": figures.get("fleiss_kappa"),
        "krippendorff_alpha": figures.get("krippendorff_alpha"),
    }


# -- 2. the finder on a large project -----------------------------------------


def fill_finder(store: Store, n_items: int, seed: int = 0) -> set[int]:
    """SMS messages (numbered, so each is new) with 5 % of labels flipped;
    returns the flipped items' ids."""
    texts, labels = read_sms()
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(texts), n_items)
    noisy, flipped_positions = flip(labels[picks], 0.05, seed)
    flipped = set(flipped_positions.tolist())
    now = dt.datetime.now(dt.UTC)
    with store.session() as session:
        project = create_project(
            session, name="finder", task="classification", labels="ham,spam"
        )
        project.update_settings(text_column="text")
        project_id = project.id
    ids_flipped: set[int] = set()
    for start in range(0, n_items, BATCH):
        stop = min(start + BATCH, n_items)
        with store.session() as session:
            ids = session.scalars(
                insert(Item).returning(Item.id),
                [
                    {
                        "project_id": project_id,
                        "external_id": f"m{i}",
                        "content_hash": f"{i:064x}",
                        "data": {"text": f"{texts[picks[i]]} #{i}"},
                        "created_at": now,
                    }
                    for i in range(start, stop)
                ],
            ).all()
            session.execute(
                insert(Annotation),
                [
                    {
                        "project_id": project_id,
                        "item_id": item_id,
                        "value": str(noisy[i]),
                        "source": "import",
                        "status": "active",
                        "created_at": now,
                    }
                    for i, item_id in zip(range(start, stop), ids, strict=True)
                ],
            )
            ids_flipped |= {
                item_id
                for i, item_id in zip(range(start, stop), ids, strict=True)
                if i in flipped
            }
    return ids_flipped


def bench_finder(workdir: Path, n_items: int) -> dict[str, Any]:
    store = open_store(f"sqlite:///{workdir / 'finder.db'}")
    try:
        flipped = fill_finder(store, n_items)
        t, cpu = time.perf_counter(), time.process_time()
        report = find_project_label_issues(store, "finder")
        seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
        # Baseline: the round's training alone on the same (cached) features.
        with store.session() as session:
            rows = session.execute(
                select(Item.data, Annotation.value)
                .join(Annotation, Annotation.item_id == Item.id)
                .order_by(Item.id)
            ).all()
        X = TextFeaturizer().fit_transform([d["text"] for d, _ in rows])
        t, cpu = time.perf_counter(), time.process_time()
        trained = train_model(X, np.array([v for _, v in rows]))
        train_seconds = time.perf_counter() - t
        train_cpu = time.process_time() - cpu
        t = time.perf_counter()
        assert trained.oof_proba is not None
        find_label_issues([v for _, v in rows], trained.oof_proba, trained.classes)
        ranking_seconds = time.perf_counter() - t
    finally:
        store.close()
    top = {i.item_id for i in report.issues[: 2 * len(flipped)]}
    return {
        "items": n_items,
        "flipped": len(flipped),
        "flagged": len(report.issues),
        "recall_in_top_2x": round(len(top & flipped) / len(flipped), 3),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "baseline_training_seconds": round(train_seconds, 2),
        "baseline_training_cpu_seconds": round(train_cpu, 2),
        "cleanlab_ranking_seconds": round(ranking_seconds, 2),
        "ratio_to_baseline": round(cpu_seconds / train_cpu, 2),
        "goal_seconds": 30.0,
    }


# -- 3. planted noise in the SMS labels ---------------------------------------


def bench_planted(seeds: int) -> dict[str, Any]:
    texts, labels = read_sms()
    X = TextFeaturizer().fit_transform(texts)
    runs = []
    for seed in range(seeds):
        noisy, flipped = flip(labels, 0.05, seed)
        k = 2 * flipped.size
        trained = train_model(X, noisy)
        assert trained.oof_proba is not None
        found = find_label_issues(list(noisy), trained.oof_proba, trained.classes)
        given = np.searchsorted(np.asarray(trained.classes), noisy)
        self_confidence = trained.oof_proba[np.arange(noisy.size), given]
        plain = np.argsort(np.nan_to_num(self_confidence, nan=1.0), kind="stable")
        wanted = set(flipped.tolist())
        runs.append(
            {
                "seed": seed,
                "flipped": int(flipped.size),
                "flagged": len(found.positions),
                "recall": len(set(found.positions[:k].tolist()) & wanted)
                / flipped.size,
                "recall_plain_ranking": len(set(plain[:k].tolist()) & wanted)
                / flipped.size,
                "precision_of_flagged": len(set(found.positions.tolist()) & wanted)
                / max(1, len(found.positions)),
            }
        )
    mean = {
        key: round(float(np.mean([r[key] for r in runs])), 3)
        for key in ("recall", "recall_plain_ranking", "precision_of_flagged")
    }
    return {
        "messages": int(labels.size),
        "seeds": seeds,
        "runs": runs,
        **{f"mean_{k}": v for k, v in mean.items()},
        "random_ranking_recall": round(2 * 0.05, 3),
        "goal_recall": 0.6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.labels, args.items, args.seeds = 100_000, 20_000, 2
    results: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        print("agreement ...", file=sys.stderr)
        results["agreement"] = bench_agreement(workdir, args.labels)
        print("finder ...", file=sys.stderr)
        results["finder"] = bench_finder(workdir, args.items)
    print("planted noise ...", file=sys.stderr)
    results["planted_noise"] = bench_planted(args.seeds)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    a, f, p = results["agreement"], results["finder"], results["planted_noise"]
    print(f"{'measure':<52} {'value':>10} {'baseline':>10} {'ratio':>7} {'goal':>8}")
    print(
        f"{'agreement over ' + format(a['labels'], ',') + ' labels (s)':<52} "
        f"{a['seconds']:>10} {a['baseline_read_seconds']:>10} "
        f"{a['ratio_to_baseline']:>7} {'<= 5':>8}"
    )
    print(
        f"{'finder on ' + format(f['items'], ',') + ' items, with its CV (CPU s)':<52} "
        f"{f['cpu_seconds']:>10} {f['baseline_training_cpu_seconds']:>10} "
        f"{f['ratio_to_baseline']:>7} {'<= 30':>8}"
    )
    print(f"{'  its ranking alone (s)':<52} {f['cleanlab_ranking_seconds']:>10}")
    print(
        f"{'  recall of 5 % flips in its top 2x':<52} "
        f"{f['recall_in_top_2x']:>10} {'':>10} {'':>7} {'':>8}"
    )
    print(
        f"{'SMS planted 5 % noise: recall in top 2x (mean of ' + str(p['seeds']) + ')':<52} "
        f"{p['mean_recall']:>10} {p['random_ranking_recall']:>10} "
        f"{round(p['mean_recall'] / p['random_ranking_recall'], 1):>7} {'>= 0.6':>8}"
    )
    print(
        f"{'  plain ranking by out-of-fold probability':<52} "
        f"{p['mean_recall_plain_ranking']:>10}"
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
