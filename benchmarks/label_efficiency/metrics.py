"""What the curves add up to: labels to reach random's final figure, areas.

Both figures are measured for accuracy and for macro-F1 (the mean of the
per-class F1 scores), since several sets are imbalanced and accuracy there
rewards a model that ignores the small classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from activelabel.al.simulate import learning_curve_area

METRICS = ("accuracy", "macro_f1")


def mean_curve(payloads: Sequence[dict[str, Any]], metric: str) -> dict[int, float]:
    """``metric`` per label count, averaged over seeds (counts all seeds share)."""
    per_seed = [
        {int(r["n_labels"]): float(r[metric]) for r in p["curve"]} for p in payloads
    ]
    common = set.intersection(*(set(s) for s in per_seed))
    return {n: float(np.mean([s[n] for s in per_seed])) for n in sorted(common)}


def final(payloads: Sequence[dict[str, Any]], metric: str) -> float:
    """The mean ``metric`` at the largest label count."""
    curve = mean_curve(payloads, metric)
    return curve[max(curve)]


def labels_to_reach(
    payloads: Sequence[dict[str, Any]], metric: str, target: float
) -> int | None:
    """Fewest labels at which the mean curve is at least ``target`` (None: never)."""
    curve = mean_curve(payloads, metric)
    reached = [n for n, v in curve.items() if v >= target]
    return min(reached) if reached else None


def areas(payloads: Sequence[dict[str, Any]], metric: str) -> list[float]:
    """Area under the learning curve of each seed (the mean over the rounds)."""
    return [
        learning_curve_area(
            [r["n_labels"] for r in p["curve"]], [r[metric] for r in p["curve"]]
        )
        for p in payloads
    ]


def paired_difference(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Mean of ``a - b`` over the seeds both ran (seeds 0, 1, ... in order:
    the same splits and starts) and its standard error."""
    n = min(len(a), len(b))
    diff = np.asarray(a[:n], dtype=float) - np.asarray(b[:n], dtype=float)
    se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0
    return float(diff.mean()), se


def summarize(
    runs: dict[str, list[dict[str, Any]]],
    *,
    baseline: str = "random",
    budget: int,
) -> dict[str, dict[str, Any]]:
    """Per run: final figures, AULC (mean and std over seeds), and labels to
    reach ``baseline``'s final accuracy and macro-F1, also as a share of
    ``budget``."""
    targets = {m: final(runs[baseline], m) for m in METRICS} if baseline in runs else {}
    out: dict[str, dict[str, Any]] = {}
    for name, payloads in runs.items():
        row: dict[str, Any] = {"seeds": len(payloads)}
        for m in METRICS:
            a = areas(payloads, m)
            row[f"aulc_{m}"] = float(np.mean(a))
            row[f"aulc_{m}_std"] = float(np.std(a))
            row[f"aulc_{m}_per_seed"] = a
            row[f"final_{m}"] = final(payloads, m)
            if m in targets:
                reach = labels_to_reach(payloads, m, targets[m])
                row[f"labels_to_random_final_{m}"] = reach
                row[f"share_of_budget_{m}"] = None if reach is None else reach / budget
        row["full_accuracy"] = float(np.mean([p["full_accuracy"] for p in payloads]))
        row["seconds_per_run"] = float(np.mean([p["seconds"] for p in payloads]))
        out[name] = row
    return out
