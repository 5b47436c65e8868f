"""The benchmark's table (printed) and its JSON."""

from __future__ import annotations

from typing import Any

from label_efficiency.metrics import paired_difference

#: Single strategies the default is compared with ("best single strategy").
SINGLE = ("margin", "least_confidence", "entropy", "random")


def best_single(summary: dict[str, dict[str, Any]], metric: str) -> str | None:
    """The single strategy with the largest mean AULC of ``metric``."""
    present = [s for s in SINGLE if s in summary and s != "random"] or [
        s for s in SINGLE if s in summary
    ]
    if not present:
        return None
    return max(present, key=lambda s: summary[s][f"aulc_{metric}"])


def headline(
    summary: dict[str, dict[str, Any]], run: str = "default"
) -> dict[str, Any]:
    """The goal's figures for ``run``: labels (and share of the budget) to reach
    random's final accuracy and macro-F1, and its AULC against the best single
    strategy's (paired over seeds)."""
    row = summary[run]
    out: dict[str, Any] = {"run": run}
    for m in ("accuracy", "macro_f1"):
        out[f"labels_{m}"] = row.get(f"labels_to_random_final_{m}")
        out[f"share_{m}"] = row.get(f"share_of_budget_{m}")
        best = best_single(summary, m)
        out[f"best_single_{m}"] = best
        if best is not None:
            diff, se = paired_difference(
                row[f"aulc_{m}_per_seed"], summary[best][f"aulc_{m}_per_seed"]
            )
            out[f"aulc_{m}"] = row[f"aulc_{m}"]
            out[f"aulc_best_{m}"] = summary[best][f"aulc_{m}"]
            out[f"aulc_minus_best_{m}"] = diff
            out[f"aulc_minus_best_{m}_se"] = se
    return out


def _labels(n: int | None, share: float | None) -> str:
    return "—" if n is None or share is None else f"{n} ({share:.0%})"


def print_set(name: str, info: dict[str, Any]) -> None:
    """One set's runs: AULC, final figures, labels to random's final."""
    print(
        f"\n{name}: {info['rows']} rows x {info['features']} features, "
        f"{info['classes']} classes (largest/smallest {info['imbalance']:.1f}), "
        f"all-label accuracy {info['full_accuracy']:.3f}"
    )
    print(
        f"{'run':<26} {'AULC acc':>9} {'final acc':>9} {'→rnd acc':>10} "
        f"{'AULC F1':>8} {'final F1':>8} {'→rnd F1':>10} {'s/run':>7}"
    )
    for run, r in info["summary"].items():
        print(
            f"{run:<26} {r['aulc_accuracy']:>9.4f} {r['final_accuracy']:>9.4f} "
            f"{_labels(r.get('labels_to_random_final_accuracy'), r.get('share_of_budget_accuracy')):>10} "
            f"{r['aulc_macro_f1']:>8.4f} {r['final_macro_f1']:>8.4f} "
            f"{_labels(r.get('labels_to_random_final_macro_f1'), r.get('share_of_budget_macro_f1')):>10} "
            f"{r['seconds_per_run']:>7.1f}"
        )


def print_headlines(results: dict[str, Any], goal_share: float) -> None:
    """The goal table: one row per set (and per variant that has one)."""
    print(
        f"\nGoal: the default reaches random's final figure with ≤ {goal_share:.0%} "
        "of the budget, and its AULC ≥ the best single strategy's."
    )
    print(
        f"{'set':<24} {'run':<22} {'→acc':>10} {'→F1':>10} "
        f"{'AULC acc − best (±se)':>26} {'AULC F1 − best (±se)':>26}"
    )
    for name, info in results.items():
        for h in info["headlines"]:
            cells = []
            for m in ("accuracy", "macro_f1"):
                if f"aulc_minus_best_{m}" in h:
                    cells.append(
                        f"{h[f'aulc_minus_best_{m}'] * 100:+.2f} ± "
                        f"{h[f'aulc_minus_best_{m}_se'] * 100:.2f} ({h[f'best_single_{m}']})"
                    )
                else:
                    cells.append("—")
            print(
                f"{name:<24} {h['run']:<22} "
                f"{_labels(h['labels_accuracy'], h['share_accuracy']):>10} "
                f"{_labels(h['labels_macro_f1'], h['share_macro_f1']):>10} "
                f"{cells[0]:>26} {cells[1]:>26}"
            )


def _diff(h: dict[str, Any], m: str) -> str:
    if f"aulc_minus_best_{m}" not in h:
        return "—"
    return (
        f"{h[f'aulc_{m}']:.4f} vs {h[f'aulc_best_{m}']:.4f} {h[f'best_single_{m}']} "
        f"({h[f'aulc_minus_best_{m}'] * 100:+.2f} ± {h[f'aulc_minus_best_{m}_se'] * 100:.2f})"
    )


def _met(h: dict[str, Any], goal_share: float) -> str:
    """ "met" / "not met" for the share, and for the AULC "met", "level" (behind
    by less than two standard errors of the paired difference) or "not met"."""
    shares = [h.get("share_accuracy"), h.get("share_macro_f1")]
    reach = all(s is not None and s <= goal_share for s in shares)
    verdicts = []
    for m in ("accuracy", "macro_f1"):
        d = h.get(f"aulc_minus_best_{m}")
        se = h.get(f"aulc_minus_best_{m}_se", 0.0)
        if d is None:
            verdicts.append("—")
        elif d >= 0:
            verdicts.append("met")
        elif d + 2 * se >= 0:
            verdicts.append("level")
        else:
            verdicts.append("not met")
    aulc = verdicts[0] if verdicts[0] == verdicts[1] else "/".join(verdicts)
    return f"{'met' if reach else 'not met'} / {aulc}"


def markdown(results: dict[str, Any], goal_share: float) -> str:
    """The goal table and the variants table, in Markdown, for docs/benchmarks.md."""
    lines = [
        "| set (features; classes, largest/smallest) | seeds | random at 300: acc / macro-F1 "
        "| default: labels to random's acc / macro-F1 | AULC acc: default vs best single "
        "(points ± se) | AULC macro-F1: default vs best single | goal: ≤ 40 % / AULC ≥ |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, info in results.items():
        s = info["summary"]
        heads = [h for h in info["headlines"] if h["run"] == "default"]
        if not heads or "random" not in s:
            continue
        h = heads[0]
        lines.append(
            f"| {name} ({info['featurizer']}; {info['classes']}, "
            f"{info['imbalance']:.1f}) | {s['default']['seeds']} "
            f"| {s['random']['final_accuracy']:.3f} / {s['random']['final_macro_f1']:.3f} "
            f"| {_labels(h['labels_accuracy'], h['share_accuracy'])} / "
            f"{_labels(h['labels_macro_f1'], h['share_macro_f1'])} "
            f"| {_diff(h, 'accuracy')} | {_diff(h, 'macro_f1')} | {_met(h, goal_share)} |"
        )
    lines += [
        "",
        "| set | variant | seeds | labels to random's acc / macro-F1 "
        "| AULC acc / macro-F1 | final acc / macro-F1 | AULC acc − default (points ± se) |",
        "|---|---|---|---|---|---|---|",
    ]
    from label_efficiency.metrics import paired_difference

    for name, info in results.items():
        s = info["summary"]
        for h in info["headlines"]:
            run = h["run"]
            if run == "default":
                continue
            r = s[run]
            diff = "—"
            if "default" in s:
                d, se = paired_difference(
                    r["aulc_accuracy_per_seed"], s["default"]["aulc_accuracy_per_seed"]
                )
                diff = f"{d * 100:+.2f} ± {se * 100:.2f}"
            lines.append(
                f"| {name} | {run} | {r['seeds']} "
                f"| {_labels(h['labels_accuracy'], h['share_accuracy'])} / "
                f"{_labels(h['labels_macro_f1'], h['share_macro_f1'])} "
                f"| {r['aulc_accuracy']:.4f} / {r['aulc_macro_f1']:.4f} "
                f"| {r['final_accuracy']:.3f} / {r['final_macro_f1']:.3f} | {diff} |"
            )
    return "\n".join(lines)
