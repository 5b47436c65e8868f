"""Named entities: CRF training, scoring a pool, token features, dictionary prelabels.

On CoNLL-2003 (``../shared/datasets/conll2003`` from the repository root; its
text is Reuters' and stays there):

* **training**: the CRF on the first 500 / 2,000 / 14,000 sentences of
  ``eng.train``, fit alone and with 3-fold cross-validation, with the
  held-out entity F1 on ``eng.testa``;
* **token features**: tokens per second over a pool of 100,000 sentences;
* **scoring**: the marginals of that pool (and MNLP, spans), in numpy from the
  model's weights, against python-crfsuite's one-call-per-tag-and-token
  marginals (what sklearn-crfsuite's ``predict_marginals`` does) measured in
  the same run on a sample;
* **dictionary**: prelabeling the pool with 10,000 surface forms by the
  Aho-Corasick :class:`~activelabel.ml.span_dictionary.SpanDictionary`
  against a compiled regular-expression alternation of the same forms (longest
  first, on token boundaries), measured in the same run on a sample (it is
  far too slow for the whole pool) and compared as rates.

Times are this process's CPU seconds (``time.process_time``), with the wall
clock beside them in the JSON: on a shared machine the wall clock measures the
neighbours as much as the code. The pool is every sentence of eng.train, eng.testa and eng.testb (20,744)
repeated to 100,000; sentence text is its tokens joined by one space, as the
importer writes it.

    python benchmarks/bench_ner.py                        # everything (~10 min)
    python benchmarks/bench_ner.py --sizes 500,2000 --pool 20000
    python benchmarks/bench_ner.py --parts dictionary      # the others kept from the file
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pycrfsuite
from seqeval.metrics import f1_score

from activelabel.al.sequence_scores import mnlp, spans_from_marginals
from activelabel.ml import token_features
from activelabel.ml.sequence_model import train_sequence_model
from activelabel.ml.span_dictionary import SpanDictionary
from activelabel.ml.token_features import iter_sentences_features, sentence_features

HERE = Path(__file__).parent
CONLL = HERE.parent.parent / "shared" / "datasets" / "conll2003"
RESULTS = HERE / "results" / "ner.json"

Sentence = tuple[list[str], list[str]]


def read_conll(path: Path) -> list[Sentence]:
    """Words and IOB2 tags per sentence of a CoNLL-2003 file (IOB1 tags converted)."""
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if words:
                    sentences.append((words, tags))
                    words, tags = [], []
                continue
            if len(parts) != 4:
                raise SystemExit(f"{path}, line {number}: expected 4 columns.")
            words.append(parts[0])
            tags.append(parts[3])
    if words:
        sentences.append((words, tags))
    return [(w, iob1_to_iob2(t)) for w, t in sentences]


def iob1_to_iob2(tags: list[str]) -> list[str]:
    """An ``I-X`` that starts an entity becomes ``B-X``."""
    out, previous = [], "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        previous = tag
    return out


def text_and_tokens(words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    tokens, at = [], 0
    for w in words:
        tokens.append((at, at + len(w)))
        at += len(w) + 1
    return " ".join(words), tokens


def entity_spans(words: list[str], tags: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """The sentence's text and its entities as character spans."""
    text, tokens = text_and_tokens(words)
    spans: list[dict[str, Any]] = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-"):
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + tag[2:]:
                j += 1
            spans.append(
                {"start": tokens[i][0], "end": tokens[j - 1][1], "label": tag[2:]}
            )
    return text, spans


@dataclass
class Took:
    """Seconds a step took: on the wall clock, and of this process's CPU."""

    wall: float
    cpu: float


def timed(fn: Any) -> tuple[Took, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return Took(time.perf_counter() - wall, time.process_time() - cpu), out


# -- training -------------------------------------------------------------------


def bench_training(
    train: list[Sentence], testa: list[Sentence], sizes: Sequence[int], cv: bool
) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        words = [w for w, _ in train[:n]]
        tags = [t for _, t in train[:n]]
        fit, model = timed(partial(train_sequence_model, words, tags, cv_folds=0))
        guess = model.predict_tags([w for w, _ in testa])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            held_out = f1_score([t for _, t in testa], guess)
        row: dict[str, Any] = {
            "sentences": n,
            "tokens": sum(map(len, words)),
            "fit_cpu_s": round(fit.cpu, 2),
            "fit_wall_s": round(fit.wall, 2),
            "testa_entity_f1": round(float(held_out), 4),
            "model_kb": round(len(model.to_bytes()) / 1024, 1),
        }
        if cv:
            cv, with_cv = timed(partial(train_sequence_model, words, tags, cv_folds=3))
            row["fit_with_3fold_cv_cpu_s"] = round(cv.cpu, 2)
            row["fit_with_3fold_cv_wall_s"] = round(cv.wall, 2)
            row["cv_entity_f1"] = round(with_cv.cv_score or 0.0, 4)
        rows.append(row)
        print(f"  trained on {n}: {row}", flush=True)
    return rows


# -- token features and scoring ------------------------------------------------------


def bench_features(pool: list[list[str]], distinct: int) -> dict[str, Any]:
    token_features._word_cache.clear()
    n_tokens = sum(map(len, pool))
    first, _ = timed(lambda: sum(1 for _ in iter_sentences_features(pool[:distinct])))
    every, _ = timed(lambda: sum(1 for _ in iter_sentences_features(pool)))
    return {
        "sentences": len(pool),
        "tokens": n_tokens,
        "cpu_s": round(every.cpu, 2),
        "wall_s": round(every.wall, 2),
        "tokens_per_s": round(n_tokens / every.cpu),
        "sentences_per_s": round(len(pool) / every.cpu),
        "cold_cache_sentences": distinct,
        "cold_cache_tokens_per_s": round(sum(map(len, pool[:distinct])) / first.cpu),
    }


def crfsuite_marginals(model_file: bytes, sentences: list[list[str]]) -> int:
    """Baseline: one ``Tagger.marginal`` call per tag and token."""
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model_file)
    labels = tagger.labels()
    count = 0
    for words in sentences:
        tagger.set(sentence_features(words))
        marginals = [
            {y: tagger.marginal(y, i) for y in labels} for i in range(len(words))
        ]
        count += len(marginals)
    return count


def bench_scoring(
    train: list[Sentence], pool: list[list[str]], sample: int
) -> dict[str, Any]:
    model = train_sequence_model(
        [w for w, _ in train[:2000]], [t for _, t in train[:2000]], cv_folds=0
    )

    def score_pool() -> int:
        n_spans = 0
        offset = 0
        for chunk in model.iter_marginal_arrays(pool):
            scores = mnlp(chunk)
            assert scores.shape == (len(chunk),)
            for words, marginals in zip(
                pool[offset : offset + len(chunk)], chunk, strict=True
            ):
                _, tokens = text_and_tokens(words)
                n_spans += len(spans_from_marginals(tokens, marginals, model.labels))
            offset += len(chunk)
        return n_spans

    took, n_spans = timed(score_pool)
    base_took, _ = timed(lambda: crfsuite_marginals(model.model_file, pool[:sample]))
    ours = len(pool) / took.cpu
    base = sample / base_took.cpu
    return {
        "model_sentences": 2000,
        "pool": len(pool),
        "cpu_s": round(took.cpu, 2),
        "wall_s": round(took.wall, 2),
        "sentences_per_s": round(ours),
        "suggested_spans": n_spans,
        "baseline": "python-crfsuite Tagger.marginal per tag and token (marginals only)",
        "baseline_sample": sample,
        "baseline_sentences_per_s": round(base),
        "baseline_seconds_for_pool": round(len(pool) / base, 1),
        "speedup": round(ours / base, 1),
    }


# -- dictionary --------------------------------------------------------------------


def regex_matcher(forms: dict[str, str]) -> Any:
    """The baseline: one compiled alternation, longest forms first, on token
    boundaries (a token here is delimited by a space or the text's ends)."""
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\S)(?:{alternation})(?!\S)")

    def match(text: str) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), forms[m.group()]) for m in pattern.finditer(text)]

    return match


def bench_dictionary(
    all_sentences: list[Sentence], pool: list[list[str]], n_forms: int, sample: int
) -> dict[str, Any]:
    counts: Counter[tuple[str, str]] = Counter()
    for words, tags in all_sentences:
        text, spans = entity_spans(words, tags)
        for s in spans:
            counts[(text[s["start"] : s["end"]], s["label"])] += 1
    by_form: Counter[str] = Counter()
    for (form, _), c in counts.items():
        by_form[form] += c
    chosen = {form for form, _ in by_form.most_common(n_forms)}
    # One labeled span per (form, label) occurrence count, as labeling would give.
    examples = [
        (form, [{"start": 0, "end": len(form), "label": label}] * c)
        for (form, label), c in counts.items()
        if form in chosen
    ]
    build, dictionary = timed(lambda: SpanDictionary.from_spans(examples))
    texts_tokens = [text_and_tokens(w) for w in pool]
    texts = [t for t, _ in texts_tokens]
    tokens = [k for _, k in texts_tokens]
    # The automaton is built on the first match after a change: timed apart.
    automaton, _ = timed(lambda: dictionary.match("x", [(0, 1)]))
    ours, found = timed(lambda: dictionary.match_many(texts, tokens))
    labels = {form: dictionary.label_of(form)[0] for form in chosen}  # type: ignore[index]
    compiling, regex = timed(lambda: regex_matcher(labels))
    regex_took, regex_found = timed(lambda: [regex(t) for t in texts[:sample]])
    same = sum(
        [(s["start"], s["end"], s["label"]) for s in ours] == theirs
        for ours, theirs in zip(found[:sample], regex_found, strict=True)
    )
    ours_rate = len(texts) / ours.cpu
    regex_rate = sample / regex_took.cpu
    return {
        "forms": len(dictionary),
        "pool": len(texts),
        "build_cpu_s": round(build.cpu, 3),
        "automaton_cpu_s": round(automaton.cpu, 3),
        "cpu_s": round(ours.cpu, 2),
        "wall_s": round(ours.wall, 2),
        "sentences_per_s": round(ours_rate),
        "suggested_spans": sum(map(len, found)),
        "regex_compile_cpu_s": round(compiling.cpu, 3),
        "regex_sample": sample,
        "regex_sentences_per_s": round(regex_rate, 1),
        "regex_seconds_for_pool": round(len(texts) / regex_rate, 1),
        "speedup": round(ours_rate / regex_rate, 1),
        "same_spans_on_sample": round(same / sample, 4),
    }


def table(results: dict[str, Any]) -> str:
    lines = [
        "Seconds and rates are CPU seconds of this process (the machine is shared;",
        "wall seconds are in the JSON).",
        "",
        "| measure | value | baseline | ratio |",
        "|---|---|---|---|",
    ]
    for row in results.get("training", []):
        cv = (
            f"; with 3-fold CV {row['fit_with_3fold_cv_cpu_s']} s (CV F1 {row['cv_entity_f1']})"
            if "fit_with_3fold_cv_cpu_s" in row
            else ""
        )
        lines.append(
            f"| CRF fit, {row['sentences']:,} sentences | {row['fit_cpu_s']} s{cv}; "
            f"testa F1 {row['testa_entity_f1']} | | |"
        )
    f = results.get("features")
    if f:
        lines.append(
            f"| token features, {f['sentences']:,} sentences | "
            f"{f['tokens_per_s']:,} tokens/s ({f['cpu_s']} s; cold cache "
            f"{f['cold_cache_tokens_per_s']:,} tokens/s) | | |"
        )
    s = results.get("scoring")
    if s:
        lines.append(
            f"| marginals + MNLP + spans, {s['pool']:,} sentences | {s['cpu_s']} s "
            f"({s['sentences_per_s']:,}/s) | crfsuite per call "
            f"{s['baseline_sentences_per_s']:,}/s (~{s['baseline_seconds_for_pool']} s) "
            f"| {s['speedup']}x |"
        )
    d = results.get("dictionary")
    if d:
        lines.append(
            f"| dictionary prelabels, {d['forms']:,} forms, {d['pool']:,} sentences | "
            f"{d['cpu_s']} s ({d['sentences_per_s']:,}/s) | regex alternation "
            f"{d['regex_sentences_per_s']:,}/s (~{d['regex_seconds_for_pool']} s; "
            f"same spans on {d['same_spans_on_sample']:.1%} of {d['regex_sample']:,}) "
            f"| {d['speedup']}x |"
        )
    return "\n".join(lines)


PARTS = ("dictionary", "features", "scoring", "training")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,2000,14000")
    parser.add_argument("--no-cv", action="store_true", help="time the fit alone")
    parser.add_argument("--pool", type=int, default=100_000)
    parser.add_argument("--forms", type=int, default=10_000)
    parser.add_argument("--regex-sample", type=int, default=2_000)
    parser.add_argument("--crfsuite-sample", type=int, default=10_000)
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help="which measures to run; the others are kept from the results file",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise SystemExit(f"Unknown parts {unknown}; the parts are {', '.join(PARTS)}.")

    train = read_conll(CONLL / "eng.train")
    testa = read_conll(CONLL / "eng.testa")
    testb = read_conll(CONLL / "eng.testb")
    everything = train + testa + testb
    pool = [w for w, _ in itertools.islice(itertools.cycle(everything), args.pool)]
    results: dict[str, Any] = {}
    if set(parts) != set(PARTS) and args.out.exists():
        results = json.loads(args.out.read_text())
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    runs = {
        "dictionary": lambda: bench_dictionary(
            everything, pool, args.forms, args.regex_sample
        ),
        "features": lambda: bench_features(pool, min(len(everything), len(pool))),
        "scoring": lambda: bench_scoring(
            train, pool, min(args.crfsuite_sample, len(pool))
        ),
        "training": lambda: bench_training(
            train,
            testa,
            [int(s) for s in args.sizes.split(",") if s],
            cv=not args.no_cv,
        ),
    }
    for part in PARTS:
        if part not in parts:
            continue
        print(f"==> {part}", flush=True)
        load = os.getloadavg()[0]
        results[part] = runs[part]()
        results.setdefault("load_average", {})[part] = {
            "before": round(load, 2),
            "after": round(os.getloadavg()[0], 2),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        print(f"  {results[part]}", flush=True)
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
