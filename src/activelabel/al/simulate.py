"""Replay a fully labeled dataset as if a person labeled it, one batch at a time.

For every seed the data is split into a pool and a test set; the same initial
labels are drawn for every strategy; then each strategy picks ``batch_size``
rows, their true labels are revealed, the model is refitted, and test accuracy
is recorded, until ``budget`` labels. The result holds the learning curves, a
summary table (area under the learning curve, labels needed to reach 95 % and
99 % of the accuracy with all labels, seconds per round), a plot, and CSV/JSON.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from activelabel.al._registry import make_strategy
from activelabel.al._validation import check_int, check_probability
from activelabel.exceptions import ConfigError
from activelabel.ml.training import fit_quietly, make_estimator

__all__ = ["SimulationResult", "check_schedule", "learning_curve_area", "simulate"]

#: Called as ``progress(done_rounds, total_rounds, description)``.
ProgressFn = Callable[[int, int, str], None]


def learning_curve_area(n_labels: Any, accuracy: Any) -> float:
    """Area under accuracy-vs-labels, divided by the label range (so in [0, 1]).

    Equal to the mean accuracy when rounds are evenly spaced; comparable
    across strategies run with the same initial labels, batch size and budget.
    """
    x = np.asarray(n_labels, dtype=float)
    a = np.asarray(accuracy, dtype=float)
    if x.size == 1 or x[-1] == x[0]:
        return float(a.mean())
    return float(np.trapezoid(a, x) / (x[-1] - x[0]))


@dataclass
class SimulationResult:
    """Learning curves of a simulation and what they add up to.

    ``metric`` names the figure measured on the test set each round (a column
    of ``curves``): ``accuracy`` for items, ``entity_f1`` for spans.
    ``full_accuracy`` holds, per seed, that figure for a model trained on
    every pool label (empty when it was not computed).
    """

    curves: pd.DataFrame
    full_accuracy: dict[int, float]
    config: dict[str, Any] = field(default_factory=dict)
    metric: str = "accuracy"

    def mean_curves(self) -> pd.DataFrame:
        """The metric per strategy and label count, averaged over seeds."""
        return (
            self.curves.groupby(["strategy", "n_labels"], sort=False)[self.metric]
            .agg(["mean", "min", "max", "std"])
            .reset_index()
        )

    def labels_to_reach(self, strategy: str, target: float) -> int | None:
        """Fewest labels at which ``strategy``'s mean metric is >= ``target``."""
        mean = self.mean_curves()
        rows = mean[(mean["strategy"] == strategy) & (mean["mean"] >= target)]
        return None if rows.empty else int(rows["n_labels"].min())

    def final_score(self, strategy: str) -> float:
        """``strategy``'s mean metric at its largest label count."""
        mean = self.mean_curves()
        rows = mean[mean["strategy"] == strategy]
        return float(rows.sort_values("n_labels")["mean"].iloc[-1])

    @property
    def summary(self) -> pd.DataFrame:
        """One row per strategy: AUC, final metric, labels to 95 %/99 % of the
        all-label metric and to random's final one, s/round."""
        metric = self.metric
        full = (
            float(np.mean(list(self.full_accuracy.values())))
            if self.full_accuracy
            else None
        )
        strategies = set(self.curves["strategy"])
        random_final = self.final_score("random") if "random" in strategies else None
        rows = []
        for name, group in self.curves.groupby("strategy", sort=False):
            aucs = [
                learning_curve_area(g["n_labels"], g[metric])
                for _, g in group.groupby("seed")
            ]
            last = group[group["n_labels"] == group["n_labels"].max()]
            rows.append(
                {
                    "strategy": name,
                    "auc": float(np.mean(aucs)),
                    "auc_std": float(np.std(aucs)),
                    f"final_{metric}": float(last[metric].mean()),
                    f"full_{metric}": full,
                    "labels_to_95": None
                    if full is None
                    else self.labels_to_reach(str(name), 0.95 * full),
                    "labels_to_99": None
                    if full is None
                    else self.labels_to_reach(str(name), 0.99 * full),
                    # Label efficiency: how soon the strategy does what random
                    # does with the whole budget.
                    "labels_to_random_final": None
                    if random_final is None
                    else self.labels_to_reach(str(name), random_final),
                    "seconds_per_round": float(group["seconds"].mean()),
                }
            )
        return pd.DataFrame(rows)

    def to_csv(self, path: str | Path) -> Path:
        """Write the per-round curves as CSV."""
        out = Path(path)
        self.curves.to_csv(out, index=False)
        return out

    def to_json(self, path: str | Path) -> Path:
        """Write config, summary, full-label metric and curves as JSON."""
        out = Path(path)
        summary = self.summary.astype(object).where(self.summary.notna(), None)
        payload = {
            "config": self.config,
            "metric": self.metric,
            f"full_{self.metric}": {str(k): v for k, v in self.full_accuracy.items()},
            "summary": summary.to_dict(orient="records"),
            "curves": self.curves.to_dict(orient="records"),
        }
        out.write_text(json.dumps(payload, indent=2, default=_jsonable))
        return out

    def plot(self, path: str | Path, *, title: str | None = None) -> Path:
        """The metric vs labels, one line per strategy, a min–max band over seeds."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
        mean = self.mean_curves()
        for name, g in mean.groupby("strategy", sort=False):
            (line,) = ax.plot(g["n_labels"], g["mean"], label=str(name), lw=1.6)
            ax.fill_between(
                g["n_labels"], g["min"], g["max"], color=line.get_color(), alpha=0.15
            )
        if self.full_accuracy:
            full = float(np.mean(list(self.full_accuracy.values())))
            ax.axhline(full, color="grey", ls="--", lw=1, label="all labels")
        ax.set_xlabel("number of labels")
        ax.set_ylabel("test " + self.metric.replace("_", " "))
        ax.set_title(title or "Learning curves (band: min–max over seeds)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        out = Path(path)
        fig.savefig(out)
        plt.close(fig)
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _initial_rows(
    y: npt.NDArray[Any], size: int, rng: np.random.Generator
) -> npt.NDArray[np.intp]:
    """A random start with at least two classes (a model needs two)."""
    n = y.shape[0]
    for _ in range(100):
        rows = rng.choice(n, size=min(size, n), replace=False)
        if np.unique(y[rows]).size >= 2:
            return np.asarray(rows, dtype=np.intp)
    # Very skewed data: one of each of two classes, then random.
    classes = np.unique(y)
    first = [int(rng.choice(np.flatnonzero(y == c))) for c in classes[:2]]
    rest = rng.permutation(np.setdiff1d(np.arange(n), first))[: max(size - 2, 0)]
    return np.concatenate([first, rest]).astype(np.intp)


def _take(X: Any, rows: Any) -> Any:
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


def check_schedule(
    initial_labels: Any,
    batch_size: Any,
    budget: Any,
    seeds: Any,
    *,
    owner: str,
    min_initial: int,
) -> tuple[int, int, int, list[int]]:
    """A simulation's schedule checked: labels to start with, batch, budget,
    and the seeds (a count of them, or the seeds themselves)."""
    initial_labels = check_int(
        initial_labels, name="initial_labels", owner=owner, minimum=min_initial
    )
    batch_size = check_int(batch_size, name="batch_size", owner=owner, minimum=1)
    budget = check_int(budget, name="budget", owner=owner, minimum=initial_labels)
    seed_list = (
        list(range(check_int(seeds, name="seeds", owner=owner, minimum=1)))
        if isinstance(seeds, int)
        else [int(s) for s in seeds]
    )
    return initial_labels, batch_size, budget, seed_list


def simulate(
    X: Any,
    y: Any,
    *,
    strategies: Sequence[str] = ("default", "random"),
    estimator: Any = None,
    initial_labels: int = 10,
    batch_size: int = 10,
    budget: int = 300,
    seeds: int | Sequence[int] = 5,
    test_size: float = 0.25,
    X_test: Any = None,
    y_test: Any = None,
    progress: ProgressFn | None = None,
    weak_labels: tuple[Any, Any] | None = None,
    augmented: tuple[Any, Any] | None = None,
) -> SimulationResult:
    """Replay labeling of ``(X, y)`` for each strategy and seed.

    ``augmented`` (feature rows of augmented copies, and for each the row of
    ``X`` it was made from) adds, each round, the copies of the labeled rows
    to the training rows under their labels, as a project with ``augment``
    learns them; copies of test rows are never used.

    ``weak_labels`` (labels and confidences, one per row of ``X``; ``None``
    where the rules gave no label) are learned beside the revealed labels
    each round, weighted by confidence, as a project with ``train_on_weak``
    learns them: a revealed label always wins.

    ``X`` is a feature matrix (dense or sparse) and ``y`` the true labels.
    Without ``X_test``/``y_test`` each seed holds out a stratified
    ``test_size`` share. ``estimator`` is an unfitted classifier to refit each
    round (default: the library's logistic regression). Strategy names come
    from :data:`activelabel.al.STRATEGY_NAMES`.
    """
    owner = "simulate"
    initial_labels, batch_size, budget, seed_list = check_schedule(
        initial_labels, batch_size, budget, seeds, owner=owner, min_initial=2
    )
    if not seed_list:
        raise ConfigError("The 'seeds' parameter of simulate must not be empty.")
    names = list(strategies)
    if not names:
        raise ConfigError("The 'strategies' parameter of simulate must not be empty.")
    for name in names:
        make_strategy(name)  # raises a ConfigError listing the names
    y_all = np.asarray(y)
    if X.shape[0] != y_all.shape[0]:
        raise ConfigError(
            f"X has {X.shape[0]} rows but y has {y_all.shape[0]}; they must match."
        )
    if np.unique(y_all).size < 2:
        raise ConfigError("y must hold at least two classes to simulate labeling.")
    if augmented is not None and (weak_labels is not None or X_test is not None):
        raise ConfigError(
            "simulate learns augmented copies without weak_labels and with its "
            "own test split; give augmented alone."
        )
    if X_test is None:
        check_probability(test_size, name="test_size", owner=owner, low=0.01, high=0.9)
    template = estimator if estimator is not None else make_estimator()

    rounds_per_run = 1 + -(-(budget - initial_labels) // batch_size)
    total = rounds_per_run * len(names) * len(seed_list)
    done = 0
    records: list[dict[str, Any]] = []
    full_accuracy: dict[int, float] = {}
    for seed in seed_list:
        if X_test is None:
            idx = np.arange(y_all.shape[0])
            train_idx, test_idx = train_test_split(
                idx, test_size=test_size, random_state=seed, stratify=y_all
            )
            Xp, yp = _take(X, train_idx), y_all[train_idx]
            Xt, yt = _take(X, test_idx), y_all[test_idx]
        else:
            train_idx = np.arange(y_all.shape[0])
            Xp, yp, Xt, yt = X, y_all, X_test, np.asarray(y_test)
        weak = None
        if weak_labels is not None:
            weak_y = np.asarray(weak_labels[0], dtype=object)[train_idx]
            weak_w = np.asarray(weak_labels[1], dtype=float)[train_idx]
            weak = (weak_y, weak_w, np.array([v is not None for v in weak_y]))
        copies = None
        if augmented is not None:
            # Each copy's source as a position in this seed's pool (-1: a test row).
            where = np.full(y_all.shape[0], -1, dtype=np.intp)
            where[train_idx] = np.arange(train_idx.shape[0])
            copies = (augmented[0], where[np.asarray(augmented[1], dtype=np.intp)])
        if budget > yp.shape[0]:
            raise ConfigError(
                f"The 'budget' parameter of simulate ({budget}) is larger than the "
                f"pool ({yp.shape[0]} rows after the test split)."
            )
        full_model = fit_quietly(clone(template), Xp, yp)
        full_accuracy[seed] = float(accuracy_score(yt, full_model.predict(Xt)))
        start = _initial_rows(yp, initial_labels, np.random.default_rng(seed))
        for name in names:
            strategy = make_strategy(name, random_state=seed)
            y_work = np.full(yp.shape[0], np.nan, dtype=object)
            y_work[start] = yp[start]
            labeled = np.zeros(yp.shape[0], dtype=bool)
            labeled[start] = True
            round_no = 0
            while True:
                t0 = time.perf_counter()
                if copies is not None:
                    model = _fit_with_copies(template, Xp, yp, labeled, copies)
                elif weak is None:
                    model = fit_quietly(clone(template), Xp[labeled], yp[labeled])
                else:
                    rows = labeled | weak[2]
                    fit_y = np.where(labeled, yp, weak[0])[rows]
                    fit_w = np.where(labeled, 1.0, weak[1])[rows]
                    model = fit_quietly(clone(template), _take(Xp, rows), fit_y, fit_w)
                fit_s = time.perf_counter() - t0
                pred = model.predict(Xt)
                n_lab = int(labeled.sum())
                record = {
                    "strategy": name,
                    "seed": seed,
                    "round": round_no,
                    "n_labels": n_lab,
                    "accuracy": float(accuracy_score(yt, pred)),
                    "macro_f1": float(
                        f1_score(yt, pred, average="macro", zero_division=0)
                    ),
                    "seconds": fit_s,
                }
                records.append(record)
                done += 1
                if progress is not None:
                    progress(done, total, f"{name} seed {seed}")
                if n_lab >= budget:
                    break
                t1 = time.perf_counter()
                picked = strategy.query(
                    Xp,
                    y_work,
                    estimator=model,
                    batch_size=min(batch_size, budget - n_lab),
                )
                record["seconds"] = fit_s + time.perf_counter() - t1
                if len(picked) == 0:
                    break
                labeled[picked] = True
                y_work[picked] = yp[picked]
                round_no += 1
    config = {
        "strategies": names,
        "initial_labels": initial_labels,
        "batch_size": batch_size,
        "budget": budget,
        "seeds": seed_list,
        "test_size": None if X_test is not None else test_size,
        "estimator": type(template).__name__,
        "weak_labels": weak_labels is not None,
        "augmented": augmented is not None,
    }
    return SimulationResult(pd.DataFrame(records), full_accuracy, config)


def _fit_with_copies(
    template: Any,
    Xp: Any,
    yp: npt.NDArray[Any],
    labeled: npt.NDArray[np.bool_],
    copies: tuple[Any, npt.NDArray[np.intp]],
) -> Any:
    """A model fitted on the labeled pool rows and the copies made of them."""
    X_copies, sources = copies
    used = (sources >= 0) & labeled[np.maximum(sources, 0)]
    parts = [_take(Xp, labeled), X_copies[used]]
    X_fit = sp.vstack(parts, format="csr") if sp.issparse(Xp) else np.vstack(parts)
    y_fit = np.concatenate([yp[labeled], yp[sources[used]]])
    return fit_quietly(clone(template), X_fit, y_fit)
