"""Saving and loading a fitted TF-IDF featurizer, packed vocabularies vs a plain dict.

A round caches the fitted featurizer beside the feature matrix (skops, never
pickle). skops writes a dict one node per entry, so a TF-IDF vocabulary of
hundreds of thousands of n-grams took minutes to save; the featurizer now packs
each vocabulary into two arrays. The baseline, measured in the same run on the
same fitted featurizer, is the plain state (the vocabulary dict as sklearn keeps
it), which is what was saved before.

    python benchmarks/bench_featurizer_save.py                 # SMS spam and AG News
    python benchmarks/bench_featurizer_save.py --no-plain      # the packed format only

The baseline is quadratic-looking in the number of terms (12 minutes for the
128,000 of the whole SMS collection), so it runs only up to ``--plain-max-terms``.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

from activelabel.ml import TextFeaturizer, load_model_bytes, save_model_bytes
from activelabel.ml.featurizer import Featurizer

HERE = Path(__file__).parent
DATASETS = HERE.parent.parent / "shared" / "datasets"
RESULTS = HERE / "results" / "featurizer_save.json"


def sms_texts() -> list[str]:
    """The 5,574 messages of the SMS Spam Collection (label TAB text)."""
    path = DATASETS / "sms_spam_collection" / "SMSSpamCollection"
    with path.open(encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t", 1)[1] for line in f if "\t" in line]


def ag_news_texts() -> list[str]:
    """The 7,600 AG News test articles: title and description."""
    path = DATASETS / "ag_news" / "test.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return [f"{title} {body}" for _, title, body in csv.reader(f)]


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def plain_bytes(fitted: TextFeaturizer) -> bytes:
    """The fitted featurizer saved as before: its plain state, vocabulary dicts included."""
    packed = TextFeaturizer.__getstate__
    TextFeaturizer.__getstate__ = Featurizer.__getstate__  # type: ignore[method-assign]
    try:
        return save_model_bytes(fitted)
    finally:
        TextFeaturizer.__getstate__ = packed  # type: ignore[method-assign]


def measure(
    name: str, texts: list[str], *, plain_max_terms: int
) -> list[dict[str, Any]]:
    fit_s, fitted = timed(lambda: TextFeaturizer().fit(texts))
    terms = sum(len(vec.vocabulary_) for _, vec in fitted.union_.transformer_list)
    plain = terms <= plain_max_terms
    expected = fitted.transform(texts[:200])
    rows = []
    formats = [("packed arrays", save_model_bytes)]
    if plain:
        formats.insert(0, ("plain dict (baseline)", plain_bytes))
    for label, save in formats:
        save_s, data = timed(lambda save=save: save(fitted))
        load_s, loaded = timed(lambda data=data: load_model_bytes(data))
        same = (loaded.transform(texts[:200]) != expected).nnz == 0
        rows.append(
            {
                "dataset": name,
                "texts": len(texts),
                "terms": terms,
                "format": label,
                "fit_s": round(fit_s, 3),
                "save_s": round(save_s, 3),
                "load_s": round(load_s, 3),
                "mb": round(len(data) / 1e6, 2),
                "same_features": same,
            }
        )
        print(
            f"  {name}: {label}: save {save_s:.3f} s, load {load_s:.3f} s, "
            f"{len(data) / 1e6:.1f} MB",
            flush=True,
        )
    base = rows[0] if plain else None
    for row in rows:
        for step in ("save", "load"):
            row[f"{step}_speedup"] = (
                round(base[f"{step}_s"] / max(row[f"{step}_s"], 1e-9), 1)
                if base is not None
                else None
            )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'dataset':<10} {'texts':>6} {'terms':>8} {'format':<22} {'save s':>8} "
        f"{'load s':>7} {'MB':>6}  save / load vs baseline"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['dataset']:<10} {r['texts']:>6,} {r['terms']:>8,} {r['format']:<22} "
            f"{r['save_s']:>8.3f} {r['load_s']:>7.3f} {r['mb']:>6.1f}  "
            + (
                f"{r['save_speedup']:,.1f}x / {r['load_speedup']:,.1f}x"
                if r["save_speedup"] is not None
                else "no baseline (too many terms)"
            )
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--no-plain", action="store_true", help="Skip the (slow) plain-dict baseline."
    )
    parser.add_argument(
        "--plain-max-terms",
        type=int,
        default=150_000,
        help="Run the baseline only for vocabularies up to this many terms.",
    )
    args = parser.parse_args()
    limit = -1 if args.no_plain else args.plain_max_terms
    cases = (
        ("sms_600", lambda: sms_texts()[:600]),  # the bundled example's size
        ("sms_spam", sms_texts),
        ("ag_news", ag_news_texts),
    )
    rows: list[dict[str, Any]] = []
    for name, load in cases:
        print(f"==> {name}", flush=True)
        rows += measure(name, load(), plain_max_terms=limit)
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
