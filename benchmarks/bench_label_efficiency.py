"""Label-efficiency benchmark: learning curves of strategies on real datasets.

Each set is replayed with :func:`activelabel.al.simulate` as activelabel does
by default (logistic regression with balanced class weights, the modality's
default featurizer): 10 initial random labels (the same for every run of a
seed), batches of 10, 300 labels, 10 seeds, a stratified 25 % test split per
seed. Per set it reports the labels the default strategy needs to reach
random sampling's accuracy and macro-F1 at 300 labels (and as a share of the
300), the area under the learning curve (AULC, the mean over the rounds) of
the default against the best single strategy's, and the variants: the
default with AutoML, other featurizers, augmentation (``--variants``).

Sets (``../shared/datasets`` relative to the repository root, or ``--data``):
digits, sms_spam, wine_colour, ag_news (TF-IDF), ag_news_embeddings,
cifar10, spoken_digits, madewithml (and madewithml_embeddings). Features and
every (set, run, seed) curve are cached under ``benchmarks/results/.cache``,
so an interrupted run resumes where it stopped.

    python benchmarks/bench_label_efficiency.py                 # the full table
    python benchmarks/bench_label_efficiency.py --quick         # 3 seeds, 100 labels
    python benchmarks/bench_label_efficiency.py --datasets cifar10 --variants all
"""

from __future__ import annotations

import os

# One BLAS thread: reproducible sums (see label_efficiency.runner), and the
# benchmark shares its machine. Set before numpy is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from label_efficiency.datasets import DATA, DEFAULT_DATASETS, LOADERS, load
from label_efficiency.metrics import summarize
from label_efficiency.report import headline, markdown, print_headlines, print_set
from label_efficiency.runner import Schedule, simulate_runs
from label_efficiency.variants import VARIANTS, run_variant

HERE = Path(__file__).resolve().parent
STRATEGIES = ["default", "random", "margin", "least_confidence", "entropy"]
#: Share of the budget within which the default should reach random's final figure.
GOAL_SHARE = 0.4


def main() -> None:
    """Run (or read from the cache) every set's curves; print and write the table."""
    from activelabel.cli.progress import progress_bar

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets",
        default=",".join(DEFAULT_DATASETS),
        help=f"comma-separated, from: {', '.join(LOADERS)}",
    )
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="run seeds first-seed ... first-seed + seeds - 1 (to split a run "
        "across processes; the report reads every cached seed below --seeds)",
    )
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--variants",
        default="",
        help=f"'all' or a comma-separated list from: {', '.join(VARIANTS)}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="for development: 3 seeds and 100 labels",
    )
    parser.add_argument(
        "--cached",
        action="store_true",
        help="compute nothing: report the curves already cached (and say what is missing)",
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also run scikit-activeml's MaxHerding and Falcun (peer venv only)",
    )
    parser.add_argument(
        "--out", type=Path, default=HERE / "results" / "label_efficiency.json"
    )
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.budget = 3, 100
        if args.out == parser.get_default("out"):
            args.out = HERE / "results" / "label_efficiency_quick.json"
    schedule = Schedule(budget=args.budget)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    strategies = [s for s in args.strategies.split(",") if s]
    if args.peers:
        from peer_strategies import register

        strategies += register()
    variants = (
        list(VARIANTS)
        if args.variants == "all"
        else [v for v in args.variants.split(",") if v]
    )
    for v in variants:
        if v not in VARIANTS:
            raise SystemExit(
                f"Unknown variant {v!r}; choose from: {', '.join(VARIANTS)}."
            )

    results: dict[str, Any] = {}
    for name in args.datasets.split(","):
        t0 = time.perf_counter()
        data = load(name, args.data)
        featurize_s = time.perf_counter() - t0
        with progress_bar(f"{name}: rounds") as update:
            runs = simulate_runs(
                data,
                strategies,
                seeds,
                schedule,
                progress=update,
                compute=not args.cached,
            )
        for v in variants:
            spec = VARIANTS[v]
            if not spec.applies(data):
                continue
            with progress_bar(f"{name}: {v}") as update:
                curves = run_variant(
                    spec,
                    data,
                    seeds,
                    schedule,
                    progress=update,
                    compute=not args.cached,
                )
            if curves:
                runs[v] = curves
        if not runs:
            print(f"\n{name}: nothing cached yet")
            continue
        summary = summarize(runs, budget=args.budget)
        heads = [headline(summary, "default")] if "default" in summary else []
        heads += [headline(summary, v) for v in variants if v in summary]
        results[name] = {
            "rows": int(data.X.shape[0]),
            "features": int(data.X.shape[1]),
            "classes": int(np.unique(data.y).size),
            "imbalance": data.imbalance,
            "featurizer": data.featurizer,
            "featurize_seconds_or_cache": featurize_s,
            "full_accuracy": max(r["full_accuracy"] for r in summary.values()),
            "summary": summary,
            "headlines": heads,
        }
        print_set(name, results[name])
    print_headlines(results, GOAL_SHARE)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "setup": {
                    "initial_labels": schedule.initial_labels,
                    "batch_size": schedule.batch_size,
                    "budget": schedule.budget,
                    "seeds": args.seeds,
                    "test_size": schedule.test_size,
                    "model": "LogisticRegression(class_weight='balanced')",
                    "threads": 1,
                    "goal_share": GOAL_SHARE,
                },
                "variants": {v: VARIANTS[v].description for v in variants},
                "datasets": results,
            },
            indent=2,
            default=str,
        )
    )
    args.out.with_suffix(".md").write_text(markdown(results, GOAL_SHARE) + "\n")
    print(f"\nwrote {args.out.name} and {args.out.with_suffix('.md').name}")


if __name__ == "__main__":
    main()
