"""Label-efficiency benchmark: learning curves of strategies on real datasets.

Each dataset is replayed with :func:`activelabel.al.simulate` (logistic
regression, 10 initial random labels, batches of 10, 300 labels, 5 seeds, a
stratified 25 % test split per seed). We report the area under the learning
curve (AUC, mean accuracy over the curve), the final accuracy, and how many
labels the default strategy needs to reach random sampling's final accuracy.

Datasets (``../shared/datasets`` relative to the repository root, or
``--data``): digits (scikit-learn), sms_spam_collection and ag_news (TF-IDF),
wine_quality (colour, the Dataiku demo), cifar10_subset (image features).
``sms_spam_embeddings`` and ``ag_news_embeddings`` are the same texts as
sentence embeddings (the ``embeddings`` extra); the embedding matrix is cached
under ``benchmarks/results/.cache`` so reruns skip the encoding.

    python benchmarks/bench_label_efficiency.py [--datasets digits,sms_spam] [--seeds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "datasets"
CACHE = HERE / "results" / ".cache"
STRATEGIES = ["default", "random", "least_confidence", "margin", "entropy"]
PEER_DIGITS = {  # scikit-activeml in its own harness (other split, no class weights)
    "random": 0.865,
    "entropy": 0.877,
    "margin": 0.907,
    "MaxHerding (scikit-activeml)": 0.913,
    "Falcun (scikit-activeml)": 0.911,
}


def load_digits_data(_: Path) -> tuple[Any, Any]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def sms_texts(data: Path) -> tuple[list[str], Any]:
    df = pd.read_csv(
        data / "sms_spam_collection" / "SMSSpamCollection",
        sep="\t",
        header=None,
        names=["label", "text"],
        quoting=3,
    ).drop_duplicates("text")
    return df["text"].tolist(), df["label"].to_numpy()


def ag_news_texts(data: Path) -> tuple[list[str], Any]:
    df = pd.read_csv(
        data / "ag_news" / "test.csv", header=None, names=["label", "title", "desc"]
    )
    text = (
        df["title"] + ". " + df["desc"].str.replace("\\", " ", regex=False)
    ).tolist()
    return text, df["label"].astype(str).to_numpy()


def tfidf(texts: list[str]) -> Any:
    from activelabel.ml import TextFeaturizer

    return TextFeaturizer().fit_transform(texts)


def embeddings(texts: list[str]) -> Any:
    """Sentence embeddings, cached by featurizer id and a hash of the texts.

    Encoding ~8,000 texts takes a minute or two on a small CPU; the cache makes
    reruns of the benchmark fast. It is derived data (see .gitignore).
    """
    from activelabel.ml import SentenceEmbeddingFeaturizer

    featurizer = SentenceEmbeddingFeaturizer()
    digest = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"{featurizer.featurizer_id}-{digest}.npy"
    if path.exists():
        return np.load(path)
    X = featurizer.fit_transform(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, X)
    return X


def load_sms(data: Path) -> tuple[Any, Any]:
    texts, y = sms_texts(data)
    return tfidf(texts), y


def load_sms_embeddings(data: Path) -> tuple[Any, Any]:
    texts, y = sms_texts(data)
    return embeddings(texts), y


def load_ag_news(data: Path) -> tuple[Any, Any]:
    texts, y = ag_news_texts(data)
    return tfidf(texts), y


def load_ag_news_embeddings(data: Path) -> tuple[Any, Any]:
    texts, y = ag_news_texts(data)
    return embeddings(texts), y


def load_wine(data: Path) -> tuple[Any, Any]:
    from activelabel.ml import TabularFeaturizer

    frames = [
        pd.read_csv(data / "wine_quality" / f"winequality-{c}.csv", sep=";").assign(
            colour=c
        )
        for c in ("red", "white")
    ]
    df = pd.concat(frames, ignore_index=True).drop_duplicates()
    X = TabularFeaturizer().fit_transform(df.drop(columns=["colour"]))
    return X, df["colour"].to_numpy()


def load_cifar(data: Path) -> tuple[Any, Any]:
    from activelabel.ml import ImageFeaturizer

    root = data / "cifar10_subset"
    labels = pd.read_csv(root / "labels.csv")
    X = ImageFeaturizer().fit_transform([root / f for f in labels["file"]])
    return X, labels["label"].to_numpy()


LOADERS = {
    "digits": load_digits_data,
    "sms_spam": load_sms,
    "ag_news": load_ag_news,
    "wine_colour": load_wine,
    "cifar10": load_cifar,
    "sms_spam_embeddings": load_sms_embeddings,
    "ag_news_embeddings": load_ag_news_embeddings,
}
#: Run when --datasets is not given (the embedding rows need the extra).
DEFAULT_DATASETS = ["digits", "sms_spam", "ag_news", "wine_colour", "cifar10"]


#: Variants of the default, compared in the same harness: name -> parameters.
VARIANTS: dict[str, dict[str, Any]] = {
    "adaptive_coverage": {"weight": "adaptive_coverage"},
    "coverage_weight": {"weight": "coverage"},  # the default before adaptive_coverage
    "typicality_weight": {"weight": "typicality"},
    "uncertainty_weight": {"weight": "uncertainty"},
}


def register_variants(names: list[str] | None = None) -> list[str]:
    """Register variants of the default (all, or ``names``); their names."""
    from activelabel.al import DiverseUncertaintySampling, _registry

    chosen = list(VARIANTS) if names is None else names
    for name in chosen:
        _registry._FACTORIES[name] = (
            lambda kw: lambda rs: DiverseUncertaintySampling(**kw, random_state=rs)
        )(VARIANTS[name])
    return chosen


def main() -> None:
    from activelabel.al import simulate
    from activelabel.al.simulate import learning_curve_area
    from activelabel.cli.progress import progress_bar

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets",
        default=",".join(DEFAULT_DATASETS),
        help=f"comma-separated, from: {', '.join(LOADERS)}",
    )
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also run scikit-activeml's MaxHerding and Falcun (peer venv only)",
    )
    parser.add_argument(
        "--variants",
        nargs="?",
        const="all",
        default=None,
        help="also run variants of the default: 'all' or a comma-separated "
        f"list from: {', '.join(VARIANTS)}",
    )
    parser.add_argument(
        "--out", type=Path, default=HERE / "results" / "label_efficiency.json"
    )
    args = parser.parse_args()
    strategies = args.strategies.split(",")
    if args.peers:
        from peer_strategies import register

        strategies += register()
    if args.variants:
        strategies += register_variants(
            None if args.variants == "all" else args.variants.split(",")
        )
    results: dict[str, Any] = {}
    for name in args.datasets.split(","):
        t0 = time.perf_counter()
        X, y = LOADERS[name](args.data)
        t_feat = time.perf_counter() - t0
        run = strategies
        if sp.issparse(X) and "skactiveml_maxherding" in run:
            # scikit-activeml's MaxHerding takes dense features only.
            run = [s for s in run if s != "skactiveml_maxherding"]
        with progress_bar(f"{name}: rounds") as update:
            result = simulate(
                X,
                y,
                strategies=run,
                initial_labels=10,
                batch_size=10,
                budget=args.budget,
                seeds=args.seeds,
                progress=lambda done, total, _what: update(done, total),
            )
        summary = result.summary.set_index("strategy")
        mean = result.mean_curves()
        random_final = (
            float(summary.loc["random", "final_accuracy"])
            if "random" in summary.index
            else None
        )
        reach = {}
        for s in run:
            reach[s] = (
                result.labels_to_reach(s, random_final)
                if random_final is not None
                else None
            )
        results[name] = {
            "rows": int(X.shape[0]),
            "features": int(X.shape[1]),
            "featurize_seconds": t_feat,
            "simulate_seconds": time.perf_counter() - t0 - t_feat,
            "full_accuracy": float(np.mean(list(result.full_accuracy.values()))),
            "summary": {
                s: {
                    "auc": float(summary.loc[s, "auc"]),
                    "auc_std": float(summary.loc[s, "auc_std"]),
                    "final_accuracy": float(summary.loc[s, "final_accuracy"]),
                    "labels_to_random_final": reach[s],
                    "seconds_per_round": float(summary.loc[s, "seconds_per_round"]),
                }
                for s in run
            },
            "curves": mean.to_dict(orient="records"),
            # Per seed, for paired differences between strategies (same splits).
            "auc_per_seed": {
                str(s): [
                    learning_curve_area(g["n_labels"], g["accuracy"])
                    for _, g in group.groupby("seed")
                ]
                for s, group in result.curves.groupby("strategy", sort=False)
            },
        }
        print(
            f"\n{name}: {X.shape[0]} rows x {X.shape[1]} features, "
            f"all-label accuracy {results[name]['full_accuracy']:.3f}"
        )
        print(
            f"{'strategy':<22} {'AUC':>7} {'±':>6} {'final':>7} {'labels→random final':>20}"
        )
        for s in run:
            r = results[name]["summary"][s]
            lab = (
                "—"
                if r["labels_to_random_final"] is None
                else str(r["labels_to_random_final"])
            )
            print(
                f"{s:<22} {r['auc']:>7.3f} {r['auc_std']:>6.3f} {r['final_accuracy']:>7.3f} "
                f"{lab:>20}"
            )
        if name == "digits":
            print(
                "peers on digits, their own harness (AUC): "
                + ", ".join(f"{k} {v}" for k, v in PEER_DIGITS.items())
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "setup": {
                    "initial_labels": 10,
                    "batch_size": 10,
                    "budget": args.budget,
                    "seeds": args.seeds,
                    "test_size": 0.25,
                    "model": "LogisticRegression(class_weight='balanced')",
                },
                "peers_digits_auc": PEER_DIGITS,
                "datasets": results,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nwrote {args.out.name}")


if __name__ == "__main__":
    main()
