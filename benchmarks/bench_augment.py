"""Augmentation benchmark: learning curves with and without augmented copies.

Each dataset is replayed twice with :func:`activelabel.al.simulate` (logistic
regression, 10 initial random labels, batches of 10, 300 labels, the same
seeds, splits and starts): once on the labeled rows alone, once with
``--copies`` augmented copies of every labeled row added to its training rows
(as a project with ``augment`` trains). Copies of test rows are never used.

* ``cifar10``: the 6,000 CIFAR-10 JPEGs (``cifar10_subset``), the image
  featurizer; copies from :func:`activelabel.ml.augmentation.augment_image`.
* ``spoken_digits``: the 3,000 clips of ``free_spoken_digit``, the audio
  featurizer; copies from :func:`activelabel.ml.augmentation.augment_audio`.
* ``sms_spam``: SMS texts (TF-IDF); copies by word dropout (each word dropped
  with p = 0.1) and one swap of two neighbouring words, written here only: the
  library has no text augmentation unless this shows a gain.

Reported per dataset and strategy: AUC (mean accuracy over the curve), final
accuracy and macro-F1, with and without, and the labels the augmented run
needs to reach the plain run's final accuracy.

    python benchmarks/bench_augment.py [--datasets cifar10,spoken_digits,sms_spam]
        [--strategies default,random] [--seeds 5] [--copies 4] [--out FILE]

Each dataset's entry is added to ``--out`` as soon as it is measured, so
datasets may run in separate processes writing to one file.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "datasets"
STRATEGIES = ["default", "random"]


def media_rows(
    data: Path, name: str, copies: int
) -> tuple[Any, Any, Any, Any, float, float]:
    """Features, labels, copies' features and sources, seconds (base, copies)."""
    from activelabel.loop.featurizers import make_featurizer
    from activelabel.ml.augmentation import augmented_features

    if name == "cifar10":
        root = data / "cifar10_subset"
        table = pd.read_csv(root / "labels.csv")
        files, y, modality = list(table["file"]), table["label"], "image"
    else:
        root = data / "free_spoken_digit"
        table = pd.read_csv(root / "metadata.csv")
        files, y, modality = list(table["file"]), table["digit"], "audio"
    paths = [root / f for f in files]
    t0 = time.perf_counter()
    featurizer = make_featurizer(modality)
    X = featurizer.fit_transform(paths)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    X_copies = augmented_features(
        featurizer, modality, paths, files, copies=copies, seed=0
    )
    t_copies = time.perf_counter() - t0
    sources = np.repeat(np.arange(len(paths)), copies)
    return X, y.astype(str).to_numpy(), X_copies, sources, t_base, t_copies


def altered_text(text: str, rng: np.random.Generator) -> str:
    """Word dropout (p = 0.1, at least one word kept) and one neighbour swap."""
    words = text.split()
    kept = [w for w in words if rng.random() >= 0.1] or words[:1]
    if len(kept) > 2:
        i = int(rng.integers(0, len(kept) - 1))
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return " ".join(kept)


def text_rows(data: Path, copies: int) -> tuple[Any, Any, Any, Any, float, float]:
    """SMS spam: TF-IDF rows and the rows of word-dropout copies."""
    from activelabel.loop.featurizers import make_featurizer
    from bench_weak import sms_data

    texts, labels = sms_data(data / "sms_spam_collection")
    t0 = time.perf_counter()
    featurizer = make_featurizer("text")
    X = featurizer.fit_transform(texts)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    altered = [altered_text(t, rng) for t in texts for _ in range(copies)]
    X_copies = featurizer.transform(altered)
    t_copies = time.perf_counter() - t0
    sources = np.repeat(np.arange(len(texts)), copies)
    return X, labels, X_copies, sources, t_base, t_copies


def figures(result: Any, strategy: str) -> dict[str, float]:
    """AUC, its spread, and the final accuracy and macro-F1 of one strategy."""
    summary = result.summary.set_index("strategy")
    curves = result.curves[result.curves["strategy"] == strategy]
    last = curves[curves["n_labels"] == curves["n_labels"].max()]
    return {
        "auc": float(summary.loc[strategy, "auc"]),
        "auc_std": float(summary.loc[strategy, "auc_std"]),
        "final_accuracy": float(last["accuracy"].mean()),
        "final_macro_f1": float(last["macro_f1"].mean()),
    }


def main() -> None:
    from activelabel.al import simulate
    from activelabel.cli.progress import progress_bar

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="cifar10,spoken_digits,sms_spam")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "augment.json")
    args = parser.parse_args()
    strategies = args.strategies.split(",")
    for name in args.datasets.split(","):
        if name == "sms_spam":
            X, y, X_copies, sources, t_base, t_copies = text_rows(
                args.data, args.copies
            )
        else:
            X, y, X_copies, sources, t_base, t_copies = media_rows(
                args.data, name, args.copies
            )
        runs = {}
        for label, augmented in (("plain", None), ("augmented", (X_copies, sources))):
            with progress_bar(f"{name} {label}: rounds") as update:
                runs[label] = simulate(
                    X,
                    y,
                    strategies=strategies,
                    initial_labels=10,
                    batch_size=10,
                    budget=args.budget,
                    seeds=args.seeds,
                    augmented=augmented,
                    progress=lambda done, total, _what: update(done, total),
                )
        entry: dict[str, Any] = {
            "rows": int(X.shape[0]),
            "features": int(X.shape[1]),
            "copies": args.copies,
            "featurize_seconds_per_item": t_base / X.shape[0],
            "augment_seconds_per_copy": t_copies / X_copies.shape[0],
            "strategies": {},
        }
        for strategy in strategies:
            plain = figures(runs["plain"], strategy)
            augmented_figures = figures(runs["augmented"], strategy)
            entry["strategies"][strategy] = {
                "plain": plain,
                "augmented": augmented_figures,
                "auc_gain": augmented_figures["auc"] - plain["auc"],
                "final_accuracy_gain": augmented_figures["final_accuracy"]
                - plain["final_accuracy"],
                "augmented_labels_to_plain_final": runs["augmented"].labels_to_reach(
                    strategy, plain["final_accuracy"]
                ),
                "curve_plain": runs["plain"]
                .mean_curves()
                .query("strategy == @strategy")[["n_labels", "mean"]]
                .values.tolist(),
                "curve_augmented": runs["augmented"]
                .mean_curves()
                .query("strategy == @strategy")[["n_labels", "mean"]]
                .values.tolist(),
            }
        entry["seeds"] = args.seeds
        print_table(name, entry)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        # Read again just before writing: another process may have added its
        # dataset meanwhile.
        results: dict[str, Any] = (
            json.loads(args.out.read_text())["datasets"] if args.out.exists() else {}
        )
        results[name] = entry
        config = {
            "budget": args.budget,
            "initial_labels": 10,
            "batch_size": 10,
            "model": "logistic",
        }
        args.out.write_text(
            json.dumps({"config": config, "datasets": results}, indent=2)
        )
        print(f"Wrote {args.out}", flush=True)


def print_table(name: str, entry: dict[str, Any]) -> None:
    """One dataset's figures, plain against augmented."""
    print(
        f"\n{name}: {entry['rows']} rows, {entry['copies']} copies per label, "
        f"{entry['augment_seconds_per_copy'] * 1000:.1f} ms per copy"
    )
    print(
        f"{'strategy':<10} {'AUC plain':>10} {'AUC aug':>10} {'acc plain':>10} "
        f"{'acc aug':>10} {'F1 plain':>9} {'F1 aug':>9} {'aug labels to plain final':>26}"
    )
    for strategy, row in entry["strategies"].items():
        plain, aug = row["plain"], row["augmented"]
        reach = row["augmented_labels_to_plain_final"]
        print(
            f"{strategy:<10} {plain['auc']:>10.3f} {aug['auc']:>10.3f} "
            f"{plain['final_accuracy']:>10.3f} {aug['final_accuracy']:>10.3f} "
            f"{plain['final_macro_f1']:>9.3f} {aug['final_macro_f1']:>9.3f} "
            f"{'—' if reach is None else reach:>26}"
        )


if __name__ == "__main__":
    main()
