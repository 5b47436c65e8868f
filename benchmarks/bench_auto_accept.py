"""Stream auto-labeling on SMS spam: how many items a model labels itself, and
how often it is right, against the confidence threshold.

The SMS Spam Collection (``../shared/datasets/sms_spam_collection``, 5,171
distinct texts, 13 % spam) featurized as a text project is (the default
TF-IDF over every text). For each seed, ``N`` items drawn at random are
labeled with their true label; the round's model (the loop's single-label
family, cross-validated) is trained on them and scores the other items
through :func:`activelabel.loop.auto_accept.calibrated_proba`, the function a
round reads. For each threshold, the items the task adapter calls confident
(:meth:`confident_values`) are what a round would label itself with no cap,
and their accuracy is measured against the dataset's labels; "top 100" is
the cap's default (``auto_accept_max``): the 100 surest, what one round
writes. A model that has not learned a class labels nothing (the round's
rule), counted as zero.

Then one round through the store (:func:`activelabel.loop.run_round`, a
SQLite project, the 200 labels of one seed, ``auto_accept`` 0.98, the
default cap) checks that the loop writes what the library computed.

    python benchmarks/bench_auto_accept.py [--seeds 5] [--labels 50 100 200 400]

Prints a table; writes ``benchmarks/results/auto_accept.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select

from activelabel.loop import run_round
from activelabel.loop.auto_accept import calibrated_proba, pick_confident
from activelabel.loop.featurizers import make_featurizer
from activelabel.ml.model_families import train_family
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import open_store
from activelabel.store.models import Annotation, Item, Project
from activelabel.store.projects import create_project
from activelabel.tasks import adapter_for

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# The collection's distinct texts and their labels, read as the weak-labels
# benchmark reads them.
from bench_weak import sms_data  # noqa: E402

RESULTS = HERE / "results" / "auto_accept.json"
THRESHOLDS = (0.9, 0.95, 0.98, 0.99)
CAP = 100


def one_run(
    X: Any, y: np.ndarray[Any, Any], n_labels: int, seed: int
) -> dict[str, Any]:
    """Train on ``n_labels`` random items; what each threshold would label."""
    adapter = adapter_for("classification")
    rng = np.random.default_rng(seed)
    labeled = rng.choice(len(y), size=n_labels, replace=False)
    pool = np.setdiff1d(np.arange(len(y)), labeled)
    trained = train_family("single_label", X[labeled], list(y[labeled]))
    unlearned = list(trained.metrics.get("unlearned", []))
    proba = calibrated_proba(trained, X[pool])
    out: dict[str, Any] = {
        "labels": n_labels,
        "seed": seed,
        "cv_score": trained.cv_score,
        "unlearned": unlearned,
        "thresholds": {},
    }
    for threshold in THRESHOLDS:
        rows, values, _ = adapter.confident_values(
            proba, list(trained.classes), threshold
        )
        if unlearned:
            rows, values = [], []
        truth = y[pool[rows]] if rows else np.array([])
        right = int(np.sum(truth == np.asarray(values))) if rows else 0
        capped = pick_confident(
            adapter,
            list(trained.classes),
            lambda r: proba[r],
            positions=np.arange(len(pool)),
            item_ids=pool,
            threshold=threshold,
            limit=0 if unlearned else CAP,
        )
        capped_right = sum(y[p.item_id] == p.value for p in capped)
        out["thresholds"][str(threshold)] = {
            "auto_labeled": len(rows),
            "correct": right,
            "accuracy": right / len(rows) if rows else None,
            "spam_labeled": int(np.sum(np.asarray(values) == "spam")) if rows else 0,
            "top100": len(capped),
            "top100_accuracy": capped_right / len(capped) if capped else None,
        }
    return out


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per labels × threshold: means over seeds (accuracy pooled over items)."""
    table = []
    for n_labels in sorted({r["labels"] for r in runs}):
        mine = [r for r in runs if r["labels"] == n_labels]
        for threshold in THRESHOLDS:
            cells = [r["thresholds"][str(threshold)] for r in mine]
            labeled = sum(c["auto_labeled"] for c in cells)
            top = sum(c["top100"] for c in cells)
            accuracies = [c["accuracy"] for c in cells if c["accuracy"] is not None]
            table.append(
                {
                    "labels": n_labels,
                    "threshold": threshold,
                    "auto_labeled_mean": labeled / len(cells),
                    "accuracy_pooled": (
                        sum(c["correct"] for c in cells) / labeled if labeled else None
                    ),
                    "accuracy_worst_seed": min(accuracies) if accuracies else None,
                    "spam_share": (
                        sum(c["spam_labeled"] for c in cells) / labeled
                        if labeled
                        else None
                    ),
                    "top100_mean": top / len(cells),
                    "top100_accuracy_pooled": (
                        sum(
                            c["top100_accuracy"] * c["top100"]
                            for c in cells
                            if c["top100"]
                        )
                        / top
                        if top
                        else None
                    ),
                    "seeds_without_auto_labels": sum(
                        1 for c in cells if not c["auto_labeled"]
                    ),
                }
            )
    return table


def loop_check(texts: list[str], y: np.ndarray[Any, Any], seed: int) -> dict[str, Any]:
    """One round through the store: the 200 random labels of ``seed``,
    auto_accept 0.98, cap 100."""
    rng = np.random.default_rng(seed)
    labeled = set(rng.choice(len(y), size=200, replace=False).tolist())
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            with store.session(write=True) as session:
                project = create_project(
                    session,
                    name="sms",
                    task="classification",
                    labels=["ham", "spam"],
                    settings={"text_column": "text", "auto_accept": 0.98},
                )
                session.execute(
                    insert(Item),
                    [
                        {
                            "project_id": project.id,
                            "external_id": str(i),
                            "content_hash": str(i),
                            "data": {"text": text},
                        }
                        for i, text in enumerate(texts)
                    ],
                )
                ids = dict(session.execute(select(Item.external_id, Item.id)).all())
                row = session.get_one(Project, project.id)
                for i in sorted(labeled):
                    add_annotation(
                        session, project=row, item_id=ids[str(i)], value=str(y[i])
                    )
                project_id = project.id
            start = time.perf_counter()
            report = run_round(
                store, project_id, cache_dir=Path(folder) / "cache", queue_size=500
            )
            seconds = time.perf_counter() - start
            truth = {ids[str(i)]: str(label) for i, label in enumerate(y)}
            with store.session() as session:
                written = session.execute(
                    select(Annotation.item_id, Annotation.value).where(
                        Annotation.source == "model"
                    )
                ).all()
        finally:
            store.close()
    right = sum(truth[item] == value for item, value in written)
    return {
        "labels": 200,
        "seed": seed,
        "threshold": 0.98,
        "cap": CAP,
        "auto_labeled": len(written),
        "accuracy": right / len(written) if written else None,
        "round_seconds": round(seconds, 2),
        "report_seconds": report.seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--labels", type=int, nargs="+", default=[50, 100, 200, 400])
    parser.add_argument(
        "--loop-seed",
        type=int,
        default=1,
        help="the seed of the round through the store (200 labels)",
    )
    args = parser.parse_args()
    texts, y = sms_data()
    X = make_featurizer("text", None, pool_size=len(texts)).fit_transform(texts)
    runs = []
    for n_labels in args.labels:
        for seed in range(args.seeds):
            runs.append(one_run(X, y, n_labels, seed))
            print(f"  {n_labels} labels, seed {seed}: done", file=sys.stderr)
    table = summarize(runs)
    print(
        f"SMS spam, {len(texts):,} texts ({np.mean(y == 'spam'):.1%} spam), "
        f"{args.seeds} seeds, random labels; auto-labeled = every pool item at or "
        f"above the threshold (no cap), top {CAP} = one round's default cap"
    )
    print(
        f"{'labels':>6} {'thresh':>6} {'auto-labeled':>12} {'accuracy':>8} "
        f"{'worst':>6} {'spam':>5} {'top100':>6} {'acc@100':>7} {'none':>4}"
    )

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    for row in table:
        print(
            f"{row['labels']:>6} {row['threshold']:>6} {row['auto_labeled_mean']:>12.0f} "
            f"{pct(row['accuracy_pooled']):>8} {pct(row['accuracy_worst_seed']):>6} "
            f"{pct(row['spam_share']):>5} {row['top100_mean']:>6.0f} "
            f"{pct(row['top100_accuracy_pooled']):>7} "
            f"{row['seeds_without_auto_labels']:>4}"
        )
    check = loop_check(texts, y, args.loop_seed)
    same = next(
        (r for r in runs if r["labels"] == 200 and r["seed"] == args.loop_seed), None
    ) or one_run(X, y, 200, args.loop_seed)
    library = same["thresholds"]["0.98"]
    check["library_top100"] = library["top100"]
    check["library_top100_accuracy"] = library["top100_accuracy"]
    print(
        f"Through the store (200 labels of seed {args.loop_seed}, auto_accept 0.98, "
        f"cap {CAP}): {check['auto_labeled']} auto-labeled, accuracy "
        f"{pct(check['accuracy'])}, round {check['round_seconds']} s; the library "
        f"on the same labels: {library['top100']} at "
        f"{pct(library['top100_accuracy'])}"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "dataset": "sms_spam_collection (distinct texts)",
                "items": len(texts),
                "seeds": args.seeds,
                "thresholds": list(THRESHOLDS),
                "cap": CAP,
                "table": table,
                "loop_check": check,
                "runs": runs,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
