"""Sentence embeddings on two cores, the feature cache, and calibrated confidences.

1. **Embedding**: ``--texts`` texts of AG News (``../shared/datasets/ag_news``:
   the 7,600 test articles as title + description, then their titles alone
   until the count is reached) through
   :class:`activelabel.ml.text_features.SentenceEmbeddingFeaturizer`
   (all-MiniLM-L6-v2, offline, batches of 64) and the feature cache, as a
   round computes them: texts per second, the model's load time apart.
   A second round over the same pool (a new featurizer and cache object, as
   a new process would have) must pay nothing: the matrix is read back
   memory-mapped. Baseline in the same run: TF-IDF (the default featurizer)
   over the same texts, so the figures read as ratios on a shared machine.
2. **Calibration**: SMS spam and AG News (TF-IDF, the default logistic
   regression) at 50, 100 and 300 labels drawn at random (``--seeds``
   seeds): the expected calibration error of the out-of-fold probabilities
   before temperature scaling and after (cross-fitted, as the model version
   records it), and on 2,000 unseen items of the same set with the raw and
   the calibrated probabilities of the final model.

    python benchmarks/bench_embeddings.py [--texts 10000] [--seeds 3]

Prints tables; writes ``benchmarks/results/embeddings.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from activelabel.ml.calibration import (
    calibrated_proba,
    expected_calibration_error,
    oof_confidence,
)
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.featurizer import content_hash
from activelabel.ml.text_features import (
    SentenceEmbeddingFeaturizer,
    TextFeaturizer,
    embedding_progress,
)
from activelabel.ml.training import train_model

HERE = Path(__file__).parent
DATASETS = HERE.parent.parent / "shared" / "datasets"
RESULTS = HERE / "results" / "embeddings.json"
LABEL_COUNTS = (50, 100, 300)
UNSEEN = 2000


def ag_news() -> tuple[list[str], list[str]]:
    """AG News test articles: (title + description, class) each."""
    with (DATASETS / "ag_news" / "test.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return [f"{t} {d}" for _, t, d in rows], [c for c, _, _ in rows]


def sms() -> tuple[list[str], list[str]]:
    """SMS Spam Collection messages and labels, duplicates dropped."""
    seen: dict[str, str] = {}
    path = DATASETS / "sms_spam_collection" / "SMSSpamCollection"
    with path.open(encoding="utf-8") as f:
        for line in f:
            if "\t" in line:
                label, text = line.rstrip("\n").split("\t", 1)
                seen.setdefault(text, label)
    return list(seen), list(seen.values())


def pool_texts(n: int) -> list[str]:
    """``n`` distinct AG News texts: articles, then titles alone."""
    articles, _ = ag_news()
    with (DATASETS / "ag_news" / "test.csv").open(encoding="utf-8", newline="") as f:
        titles = [t for _, t, _ in csv.reader(f)]
    texts = list(dict.fromkeys(articles + titles))
    if len(texts) < n:
        sys.exit(f"AG News holds {len(texts):,} distinct texts; ask for at most that.")
    return texts[:n]


def bench_embedding(n: int) -> dict[str, Any]:
    texts = pool_texts(n)
    hashes = [content_hash(t) for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        TextFeaturizer().fit_transform(texts)
        tfidf_s = time.perf_counter() - t

        featurizer = SentenceEmbeddingFeaturizer()
        t = time.perf_counter()
        featurizer.fit([])  # loads the model
        load_s = time.perf_counter() - t
        last = [0.0]

        def report(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 10 or done == total:
                last[0] = now
                print(
                    f"  embedded {done:,} of {total:,} in {now - started:.0f} s",
                    file=sys.stderr,
                )

        t = started = time.perf_counter()
        with embedding_progress(report):
            X, _ = FeatureCache(tmp).get_or_compute(featurizer, texts, hashes)
        first_s = time.perf_counter() - t
        assert X.shape == (n, 384)

        # A second round: a new featurizer and cache object over the same pool.
        t = time.perf_counter()
        again, _ = FeatureCache(tmp).get_or_compute(
            SentenceEmbeddingFeaturizer(), lambda: sys.exit("re-embedded!"), hashes
        )
        second_s = time.perf_counter() - t
        same = bool(np.array_equal(np.asarray(again), np.asarray(X)))
    return {
        "texts": n,
        "threads": int(os.environ.get("OMP_NUM_THREADS", "0")) or os.cpu_count(),
        "model_load_s": round(load_s, 2),
        "first_round_s": round(first_s, 2),
        "texts_per_s": round(n / first_s, 1),
        "second_round_s": round(second_s, 4),
        "second_round_same_matrix": same,
        "tfidf_same_texts_s": round(tfidf_s, 2),
        "embedding_vs_tfidf": round(first_s / tfidf_s, 1),
    }


def bench_calibration(seeds: int) -> list[dict[str, Any]]:
    rows = []
    for name, (texts, labels) in (("SMS spam", sms()), ("AG News", ag_news())):
        X = TextFeaturizer().fit_transform(texts)
        y = np.asarray(labels)
        classes = np.unique(y)
        for n in LABEL_COUNTS:
            cells: dict[str, list[float]] = {
                k: [] for k in ("oof_before", "oof_after", "unseen_raw", "unseen_cal")
            }
            temperatures = []
            for seed in range(seeds):
                order = np.random.default_rng(seed).permutation(len(y))
                train, unseen = order[:n], order[n : n + UNSEEN]
                trained = train_model(X[train], y[train])
                record = trained.metrics["calibration"]
                cells["oof_before"].append(record["ece_before"])
                cells["oof_after"].append(record["ece_after"])
                temperatures.append(record.get("temperature", 1.0))
                truth = np.searchsorted(classes, y[unseen])
                columns = np.searchsorted(classes, trained.estimator.classes_)
                for key, proba in (
                    ("unseen_raw", trained.estimator.predict_proba(X[unseen])),
                    ("unseen_cal", calibrated_proba(trained.estimator, X[unseen])),
                ):
                    full = np.zeros((len(unseen), classes.size))
                    full[:, columns] = proba
                    cells[key].append(
                        expected_calibration_error(
                            *oof_confidence(full, truth, multilabel=False)
                        )
                    )
            rows.append(
                {
                    "set": name,
                    "labels": n,
                    **{k: round(float(np.mean(v)), 3) for k, v in cells.items()},
                    "temperature": round(float(np.mean(temperatures)), 2),
                }
            )
            print(f"  {name} {n} labels: {rows[-1]}", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--skip-calibration", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if RESULTS.exists():
        results = json.loads(RESULTS.read_text())
    results["load_average"] = os.getloadavg()[0]
    if not args.skip_calibration:
        results["calibration"] = bench_calibration(args.seeds)
    print("\nECE (10 bins), TF-IDF + logistic, mean of", args.seeds, "seeds")
    print(
        "| set | labels | OOF before | OOF after | unseen raw | unseen calibrated | T |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results.get("calibration", []):
        print(
            f"| {r['set']} | {r['labels']} | {r['oof_before']:.3f} | "
            f"{r['oof_after']:.3f} | {r['unseen_raw']:.3f} | {r['unseen_cal']:.3f} | "
            f"{r['temperature']:.2f} |"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    if not args.skip_embedding:
        results["embedding"] = e = bench_embedding(args.texts)
        print(
            "\n| texts | model load | first round | texts/s | second round | TF-IDF |"
        )
        print("|---|---|---|---|---|---|")
        print(
            f"| {e['texts']:,} | {e['model_load_s']} s | {e['first_round_s']} s | "
            f"{e['texts_per_s']} | {e['second_round_s']} s | "
            f"{e['tfidf_same_texts_s']} s |"
        )
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
