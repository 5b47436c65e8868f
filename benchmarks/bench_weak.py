"""Weak supervision benchmark: applying labeling functions, the label model, SMS spam.

1. **Apply**: 20 functions (the ten keyword functions of
   ``examples/sms_labeling_functions.py`` and ten regular expressions) over
   1,000,000 texts (the SMS collection's messages drawn with replacement),
   in batches of 10,000 as a round applies them
   (:class:`activelabel.weak.apply.LabelingFunctionSet`: one Aho-Corasick
   automaton for every keyword, each regex once over a batch's joined texts).
   Baseline, same run: the plain Python loop a person writes, one compiled
   regex per function searched in each text (keywords as ``\\b(?:a|b)\\b``,
   case-insensitive), timed on the first 100,000 texts. Peak RSS and the RSS
   at each quarter show whether memory stays flat.
2. **Fit**: the label model (:class:`activelabel.weak.label_model.DawidSkene`)
   on the 1,000,000 × 20 vote matrix of step 1, and on an adversarial one
   (20 independent random functions, 30 % coverage each: nearly every row a
   distinct vote pattern).
3. **SMS spam** (``../shared/datasets/sms_spam_collection``, duplicates
   dropped): the ten keyword functions; the label model's and majority
   vote's accuracy against the gold labels on the items with a vote; and the
   learning curve with the weak labels learned (``train_on_weak``) against
   without, through :func:`activelabel.al.simulate` (5 seeds, 10 initial
   labels, batches of 10, 200 labels).

    python benchmarks/bench_weak.py [--items 1000000] [--seeds 5]

Prints tables; writes ``benchmarks/results/weak.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "examples"))

from sms_labeling_functions import SMS_KEYWORD_FUNCTIONS  # noqa: E402

from activelabel.weak.apply import LabelingFunctionSet  # noqa: E402
from activelabel.weak.functions import KeywordFunction, RegexFunction  # noqa: E402
from activelabel.weak.label_fit import fit_one_of_labels  # noqa: E402
from activelabel.weak.label_matrix import LabelMatrix  # noqa: E402
from activelabel.weak.label_model import (  # noqa: E402
    DawidSkene,
    MajorityVote,
    VotePatterns,
    accuracy_on,
)

DATA = HERE.parent.parent / "shared" / "datasets" / "sms_spam_collection"
RESULTS = HERE / "results" / "weak.json"
LABELS = ("ham", "spam")
BATCH = 10_000
BASELINE_ITEMS = 100_000

#: Ten regular expressions read off the collection (name, label, pattern).
SMS_REGEXES = [
    ("pounds", "spam", r"£\s?\d+|\d+\s?(?:p|ppm)\b"),
    ("premium-number", "spam", r"\b0[89]\d{8,10}\b"),
    ("short-code", "spam", r"\b(?:to|txt|text)\s+\d{5}\b"),
    ("link", "spam", r"(?i)https?://|www\.|\.co\.uk\b|\.com\b"),
    ("shouting", "spam", r"\b[A-Z]{3,}\s+[A-Z]{3,}\s+[A-Z]{3,}\b"),
    ("stop-to-end", "spam", r"(?i)\bstop\b.{0,20}\b\d{4,5}\b"),
    ("time-of-day", "ham", r"(?i)\b\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm)\b"),
    ("smiley", "ham", r":-?\)|;-?\)|:-?\(|:P\b"),
    ("ellipsis", "ham", r"\.\.\.|\.\.\s"),
    ("lowercase-short", "ham", r"^[a-z][a-z ,.'?!]{0,40}$"),
]


def rss_mib() -> float:
    """The process's resident memory now (MiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sms_data(folder: Path = DATA) -> tuple[list[str], np.ndarray[Any, Any]]:
    """SMS spam's distinct texts (the collection repeats some) and their labels."""
    frame = pd.read_csv(
        folder / "SMSSpamCollection",
        sep="\t",
        header=None,
        names=["label", "text"],
        quoting=3,
    ).drop_duplicates("text")
    return frame["text"].tolist(), frame["label"].to_numpy()


def functions() -> list[Any]:
    keyword = [KeywordFunction(n, lab, kw) for n, lab, kw in SMS_KEYWORD_FUNCTIONS]
    regex = [RegexFunction(n, lab, p) for n, lab, p in SMS_REGEXES]
    return [*keyword, *regex]


def plain_python_votes(texts: list[str]) -> int:
    """The baseline: every function a compiled regex, searched text by text."""
    compiled = [
        (
            re.compile(
                r"\b(?:" + "|".join(re.escape(k) for k in kw) + r")\b", re.IGNORECASE
            ),
            LABELS.index(label),
        )
        for _, label, kw in SMS_KEYWORD_FUNCTIONS
    ] + [(re.compile(p), LABELS.index(label)) for _, label, p in SMS_REGEXES]
    votes = 0
    for text in texts:
        for pattern, _ in compiled:
            if pattern.search(text) is not None:
                votes += 1
    return votes


def bench_apply(texts: list[str], n_items: int) -> tuple[dict[str, Any], LabelMatrix]:
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(texts), size=n_items)
    function_set = LabelingFunctionSet(functions(), labels=LABELS, text_field="text")
    rows, columns, values = [], [], []
    rss_at: list[float] = []
    start_rss = rss_mib()
    t0 = time.perf_counter()
    for start in range(0, n_items, BATCH):
        batch = [{"text": texts[i]} for i in picks[start : start + BATCH]]
        votes = function_set.apply(batch)
        rows.append(votes.rows + start)
        columns.append(votes.columns)
        values.append(votes.values)
        if (start // BATCH + 1) % max(1, n_items // BATCH // 4) == 0:
            rss_at.append(round(rss_mib(), 1))
    ours = time.perf_counter() - t0
    baseline_texts = [texts[i] for i in picks[:BASELINE_ITEMS]]
    t0 = time.perf_counter()
    baseline_votes = plain_python_votes(baseline_texts)
    base = time.perf_counter() - t0
    matrix = LabelMatrix.from_votes(
        np.concatenate(rows) + 1,
        np.concatenate(columns),
        np.concatenate(values),
        functions=tuple(f.name for f in functions()),
        labels=LABELS,
    )
    ours_rate = n_items / ours
    base_rate = len(baseline_texts) / base
    # The votes on the baseline's texts, to compare: both compute the same thing.
    ours_votes = int((matrix.item_ids[matrix.rows] <= len(baseline_texts)).sum())
    return {
        "items": n_items,
        "functions": len(functions()),
        "seconds": round(ours, 2),
        "items_per_s": round(ours_rate),
        "baseline_items": len(baseline_texts),
        "baseline_items_per_s": round(base_rate),
        "speedup": round(ours_rate / base_rate, 1),
        "votes": matrix.n_votes,
        "baseline_votes_first_100k": baseline_votes,
        "votes_first_100k": ours_votes,
        "rss_start_mib": round(start_rss, 1),
        "rss_at_quarters_mib": rss_at,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }, matrix


def time_fit(votes: np.ndarray[Any, Any], k: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    patterns = VotePatterns.of(votes, k)
    t1 = time.perf_counter()
    model = DawidSkene(k).fit_patterns(patterns.patterns, patterns.counts)
    t2 = time.perf_counter()
    model.predict_proba_patterns(patterns.patterns)[patterns.inverse]
    t3 = time.perf_counter()
    return {
        "shape": list(votes.shape),
        "patterns": len(patterns.counts),
        "iterations": model.n_iter_,
        "patterns_s": round(t1 - t0, 3),
        "fit_s": round(t2 - t1, 3),
        "predict_s": round(t3 - t2, 3),
        "total_s": round(t3 - t0, 3),
    }


def bench_fit(matrix: LabelMatrix, n_items: int) -> dict[str, Any]:
    # The keyword and regex votes, with the items nobody voted on as rows of
    # abstains: the full million rows.
    dense = np.full((n_items, len(matrix.functions)), -1, dtype=np.int32)
    dense[matrix.item_ids - 1] = matrix.dense()
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, size=n_items)
    random = np.full((n_items, 20), -1, dtype=np.int32)
    for j in range(20):
        fires = rng.random(n_items) < 0.3
        right = rng.random(n_items) < 0.7
        random[fires, j] = np.where(right, truth, 1 - truth)[fires]
    return {"keyword_and_regex": time_fit(dense, 2), "adversarial": time_fit(random, 2)}


def bench_sms(seeds: int) -> dict[str, Any]:
    from activelabel.al.simulate import simulate
    from activelabel.ml import TextFeaturizer

    texts, gold = sms_data()
    keyword = [KeywordFunction(n, lab, kw) for n, lab, kw in SMS_KEYWORD_FUNCTIONS]
    votes = LabelingFunctionSet(keyword, labels=LABELS, text_field="text").apply(
        [{"text": t} for t in texts]
    )
    matrix = LabelMatrix.from_votes(
        votes.rows + 1,
        votes.columns,
        votes.values,
        functions=tuple(f.name for f in keyword),
        labels=LABELS,
    )
    fitted = fit_one_of_labels(matrix, pool_size=len(texts))
    truth = np.asarray([LABELS.index(g) for g in gold])[matrix.item_ids - 1]
    model_acc, n = accuracy_on(fitted.proba.argmax(axis=1), truth)
    mv_acc, _ = accuracy_on(MajorityVote(2).predict(matrix.dense()), truth)
    per_function = {}
    for j, name in enumerate(matrix.functions):
        voted = matrix.columns == j
        hits = truth[matrix.rows[voted]] == matrix.values[voted]
        per_function[name] = {
            "coverage": round(float(voted.sum() / len(texts)), 4),
            "accuracy": round(float(hits.mean()), 4) if voted.any() else None,
            "estimated_accuracy": round(fitted.accuracies[name], 4),
        }
    # The weak labels of the whole collection, for the simulation.
    weak = np.array([None] * len(texts), dtype=object)
    confidence = np.zeros(len(texts))
    weak[matrix.item_ids - 1] = [LABELS[i] for i in fitted.proba.argmax(axis=1)]
    confidence[matrix.item_ids - 1] = fitted.proba.max(axis=1)
    X = TextFeaturizer().fit_transform(texts)
    options: dict[str, Any] = {
        "strategies": ["default", "random"],
        "initial_labels": 10,
        "batch_size": 10,
        "budget": 200,
        "seeds": seeds,
    }
    plain = simulate(X, gold, **options)
    with_weak = simulate(X, gold, weak_labels=(weak, confidence), **options)
    curves = {}
    for name, result in (("people only", plain), ("with weak labels", with_weak)):
        summary = result.summary.set_index("strategy")
        mean = result.mean_curves()
        curves[name] = {
            strategy: {
                "auc": round(float(summary.loc[strategy, "auc"]), 4),
                "final_accuracy": round(
                    float(summary.loc[strategy, "final_accuracy"]), 4
                ),
                "accuracy_at": {
                    int(row.n_labels): round(float(row.mean), 4)
                    for row in mean[mean["strategy"] == strategy].itertuples()
                    if int(row.n_labels) in (10, 20, 50, 100, 200)
                },
            }
            for strategy in options["strategies"]
        }
    return {
        "messages": len(texts),
        "spam_share": round(float((gold == "spam").mean()), 4),
        "coverage": round(matrix.n_items / len(texts), 4),
        "measured_on": n,
        "label_model_accuracy": round(model_acc or 0.0, 4),
        "majority_vote_accuracy": round(mv_acc or 0.0, 4),
        "functions": per_function,
        "simulation": {**options, "curves": curves},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    texts, _ = sms_data()
    print(
        f"Applying {len(functions())} functions to {args.items:,} texts ...",
        file=sys.stderr,
    )
    applied, matrix = bench_apply(texts, args.items)
    print("Fitting the label model ...", file=sys.stderr)
    fits = bench_fit(matrix, args.items)
    print("SMS spam: accuracy and learning curves ...", file=sys.stderr)
    sms = bench_sms(args.seeds)

    print("\nApplying 20 labeling functions")
    print(f"{'':28}{'items/s':>12}{'items':>12}")
    print(
        f"{'activelabel (batches)':28}{applied['items_per_s']:>12,}{applied['items']:>12,}"
    )
    print(
        f"{'plain Python loop':28}{applied['baseline_items_per_s']:>12,}"
        f"{applied['baseline_items']:>12,}"
    )
    print(
        f"votes on the first {applied['baseline_items']:,} texts: "
        f"{applied['votes_first_100k']:,} (plain loop: "
        f"{applied['baseline_votes_first_100k']:,})"
    )
    print(
        f"speedup {applied['speedup']}x; peak RSS {applied['peak_rss_mib']} MiB; "
        f"RSS at each quarter {applied['rss_at_quarters_mib']} MiB"
    )
    print("\nLabel model fit (Dawid-Skene with abstains)")
    for name, fit in fits.items():
        print(
            f"  {name:20} {fit['shape'][0]:,} x {fit['shape'][1]}: {fit['patterns']:,} "
            f"patterns, {fit['iterations']} iterations, {fit['total_s']} s "
            f"(patterns {fit['patterns_s']}, fit {fit['fit_s']}, predict {fit['predict_s']})"
        )
    print(f"\nSMS spam ({sms['messages']:,} messages, coverage {sms['coverage']:.1%})")
    print(
        f"  label model accuracy   {sms['label_model_accuracy']:.4f} (on {sms['measured_on']:,})"
    )
    print(f"  majority vote accuracy {sms['majority_vote_accuracy']:.4f}")
    print("\nLearning curves (test accuracy, mean over seeds)")
    for name, by_strategy in sms["simulation"]["curves"].items():
        for strategy, figures in by_strategy.items():
            points = ", ".join(
                f"{k}: {v:.3f}" for k, v in figures["accuracy_at"].items()
            )
            print(f"  {name:18} {strategy:8} AUC {figures['auc']:.4f}  {points}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"apply": applied, "fit": fits, "sms": sms}, indent=2, default=str)
    )
    print(f"\nWrote {RESULTS}")


if __name__ == "__main__":
    main()
