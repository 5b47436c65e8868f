"""Replay a labeled span dataset as if a person labeled it, sentence by sentence.

The sentence counterpart of :func:`activelabel.al.simulate.simulate`: for
every seed the sentences are split into a pool and a test set (or a test set
is given), the same random initial sentences are labeled for every strategy,
then each round a CRF (:func:`activelabel.ml.sequence_model.train_sequence_model`,
no cross-validation) is fitted on the labeled sentences, its entity-level F1
(seqeval) on the test set is recorded, and the strategy picks the next
``batch_size`` sentences, whose true tags are revealed, until ``budget``.

Strategies are the sentence strategies of :mod:`activelabel.al.sentence_strategies`
(``default`` is the NER adapter's first), picked as the
loop picks the batch labeled before its next retrain (a diverse head:
:func:`activelabel.al.sentence_batches.pick_sentences`), and ``random``.
The result is a :class:`~activelabel.al.simulate.SimulationResult` whose
metric is ``entity_f1``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from activelabel.al._validation import check_probability
from activelabel.al.sentence_batches import hashed_word_counts, pick_sentences
from activelabel.al.sentence_strategies import NEEDS_SPANS, SENTENCE_SCORES
from activelabel.al.sequence_scores import spans_from_marginals
from activelabel.al.simulate import ProgressFn, SimulationResult, check_schedule
from activelabel.exceptions import ConfigError
from activelabel.ml.sequence_model import SequenceModel, train_sequence_model
from activelabel.ml.span_dictionary import SpanDictionary
from activelabel.tasks.ner import SENTENCE_STRATEGIES
from activelabel.tasks.spans.tag_schemes import tags_to_spans
from activelabel.tasks.spans.tokenization import joined_offsets

__all__ = ["SPAN_STRATEGIES", "entity_f1", "simulate_spans"]

#: Strategies a span simulation compares (``default``: the loop's default,
#: :data:`DEFAULT_SENTENCE_STRATEGY`).
SPAN_STRATEGIES: Final = (*SENTENCE_SCORES, "random")
#: What ``default`` means here: the NER adapter's first sentence strategy.
DEFAULT_SENTENCE_STRATEGY: Final = SENTENCE_STRATEGIES[0]

Words = Sequence[str]
Tags = Sequence[str]


def entity_f1(truth: Sequence[Tags], guess: Sequence[Tags]) -> float:
    """Entity-level micro F1 (seqeval, conlleval's rule: type and both ends right)."""
    from seqeval.metrics import f1_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no entity predicted: F1 0, not a warning
        return float(
            f1_score(
                [list(t) for t in truth], [list(g) for g in guess], zero_division=0
            )
        )


class _Pool:
    """One seed's pool: sentences, tags, their cheap features, and text views."""

    def __init__(self, sentences: Sequence[Words], tags: Sequence[Tags]) -> None:
        self.words = [list(w) for w in sentences]
        self.tags = [list(t) for t in tags]
        self.features = hashed_word_counts(self.words)
        self.texts = [" ".join(w) for w in self.words]
        self.tokens = [joined_offsets(w) for w in self.words]

    def spans(self, i: int) -> list[dict[str, Any]]:
        return tags_to_spans(
            self.tokens[i], self.tags[i], "iob2", where=f"sentence {i}"
        )


def _scores(
    name: str,
    model: SequenceModel,
    pool: _Pool,
    unlabeled: np.ndarray[Any, Any],
    labeled: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """The strategy's score of each unlabeled sentence (NaN for labeled ones)."""
    scores = np.full(len(pool.words), np.nan)
    marginals = model.predict_marginals([pool.words[i] for i in unlabeled])
    ours: list[Any] = []
    theirs: list[Any] = []
    if name in NEEDS_SPANS:
        dictionary = SpanDictionary.from_spans(
            (pool.texts[i], pool.spans(i)) for i in labeled
        )
        ours = [
            spans_from_marginals(pool.tokens[i], m)
            for i, m in zip(unlabeled, marginals, strict=True)
        ]
        theirs = dictionary.match_many(
            [pool.texts[i] for i in unlabeled], [pool.tokens[i] for i in unlabeled]
        )
    scores[unlabeled] = SENTENCE_SCORES[name](marginals, ours, theirs)
    return scores


def _initial(pool: _Pool, size: int, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    """Random first sentences, at least one holding an entity (a CRF needs one)."""
    n = len(pool.words)
    for _ in range(100):
        rows = rng.choice(n, size=min(size, n), replace=False)
        if any(t != "O" for i in rows for t in pool.tags[i]):
            return np.asarray(rows, dtype=np.intp)
    raise ConfigError(
        "No sentence of the pool holds an entity; there is nothing to learn."
    )


def simulate_spans(
    sentences: Sequence[Words],
    tags: Sequence[Tags],
    *,
    strategies: Sequence[str] = ("default", "random"),
    initial_labels: int = 10,
    batch_size: int = 10,
    budget: int = 300,
    seeds: int | Sequence[int] = 5,
    test_size: float = 0.25,
    test_sentences: Sequence[Words] | None = None,
    test_tags: Sequence[Tags] | None = None,
    pool_size: int | None = None,
    full_model: bool = False,
    progress: ProgressFn | None = None,
) -> SimulationResult:
    """Replay labeling of ``sentences`` (lists of words) with their IOB2 ``tags``.

    Without ``test_sentences`` each seed holds out a ``test_size`` share.
    ``pool_size`` draws that many pool sentences per seed (a round scores the
    whole pool, so a smaller pool bounds the time). ``full_model`` also trains
    on every pool sentence for the all-label F1 (minutes on 10,000 sentences).
    """
    owner = "simulate_spans"
    initial_labels, batch_size, budget, seed_list = check_schedule(
        initial_labels, batch_size, budget, seeds, owner=owner, min_initial=1
    )
    names = list(strategies)
    unknown = [s for s in names if s not in (*SPAN_STRATEGIES, "default")]
    if unknown or not names:
        raise ConfigError(
            f"Unknown span strategy {unknown[0] if unknown else None!r}; choose from: "
            f"default, {', '.join(SPAN_STRATEGIES)}."
        )
    if len(sentences) != len(tags):
        raise ConfigError(
            f"{len(sentences)} sentences but {len(tags)} tag sequences; they must match."
        )
    if test_sentences is None:
        check_probability(test_size, name="test_size", owner=owner, low=0.01, high=0.9)
    rounds = 1 + -(-(budget - initial_labels) // batch_size)
    total, done = rounds * len(names) * len(seed_list), 0
    records: list[dict[str, Any]] = []
    full: dict[int, float] = {}
    for seed in seed_list:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(sentences))
        if test_sentences is None:
            cut = round(test_size * len(order))
            test_rows, pool_rows = order[:cut], order[cut:]
            test_words = [sentences[i] for i in test_rows]
            test_truth = [tags[i] for i in test_rows]
        else:
            pool_rows = order
            test_words, test_truth = list(test_sentences), list(test_tags or [])
        if pool_size is not None:
            pool_rows = pool_rows[:pool_size]
        pool = _Pool([sentences[i] for i in pool_rows], [tags[i] for i in pool_rows])
        if budget > len(pool.words):
            raise ConfigError(
                f"The budget ({budget}) is larger than the pool ({len(pool.words)} sentences)."
            )
        if full_model:
            model = train_sequence_model(
                pool.words, pool.tags, cv_folds=0, random_state=seed
            )
            full[seed] = entity_f1(test_truth, model.predict_tags(test_words))
        start = _initial(pool, initial_labels, rng)
        for name in names:
            labeled = np.zeros(len(pool.words), dtype=bool)
            labeled[start] = True
            round_no = 0
            while True:
                t0 = time.perf_counter()
                rows = np.flatnonzero(labeled)
                model = train_sequence_model(
                    [pool.words[i] for i in rows],
                    [pool.tags[i] for i in rows],
                    cv_folds=0,
                    random_state=seed,
                )
                fit_s = time.perf_counter() - t0
                record = {
                    "strategy": name,
                    "seed": seed,
                    "round": round_no,
                    "n_labels": int(rows.size),
                    "entity_f1": entity_f1(test_truth, model.predict_tags(test_words)),
                    "seconds": fit_s,
                }
                records.append(record)
                done += 1
                if progress is not None:
                    progress(done, total, f"{name} seed {seed}")
                if rows.size >= budget:
                    break
                t1 = time.perf_counter()
                picked = _pick(
                    name, model, pool, labeled, batch_size, budget, seed, round_no
                )
                record["seconds"] = fit_s + time.perf_counter() - t1
                if not picked.size:
                    break
                labeled[picked] = True
                round_no += 1
    config = {
        "strategies": names,
        "initial_labels": initial_labels,
        "batch_size": batch_size,
        "budget": budget,
        "seeds": seed_list,
        "pool_size": pool_size,
        "test_size": None if test_sentences is not None else test_size,
        "estimator": "CRF (sklearn-crfsuite)",
    }
    return SimulationResult(pd.DataFrame(records), full, config, metric="entity_f1")


def _pick(
    name: str,
    model: SequenceModel,
    pool: _Pool,
    labeled: np.ndarray[Any, Any],
    batch_size: int,
    budget: int,
    seed: int,
    round_no: int,
) -> np.ndarray[Any, Any]:
    """The next batch of pool positions for strategy ``name``."""
    want = min(batch_size, budget - int(labeled.sum()))
    name = DEFAULT_SENTENCE_STRATEGY if name == "default" else name
    unlabeled = np.flatnonzero(~labeled)
    rng = np.random.default_rng([seed, round_no])
    if name == "random":
        return rng.choice(unlabeled, size=min(want, unlabeled.size), replace=False)
    scores = _scores(name, model, pool, unlabeled, np.flatnonzero(labeled))
    features_of: Callable[[Any], Any] = lambda positions: pool.features[positions]  # noqa: E731
    return pick_sentences(
        scores,
        head_size=want,
        queue_size=want,
        features_of=features_of,
        labeled_features=pool.features[np.flatnonzero(labeled)],
        random_state=int(rng.integers(2**31 - 1)),
    )
