"""A round for a model that learns from token sequences: spans in sentences.

:func:`activelabel.loop.round.compute_round` comes here when the project's
task adapter names a model family that learns from token sequences
(:func:`activelabel.ml.model_families.family_input`). The round

1. reads the labeled sentences (text, tokens) and their training labels
   (character spans, :mod:`activelabel.loop.training_labels`), and turns
   each into IOB2 tags, one per token;
2. builds a dictionary of the surface forms labeled so far (the prelabels a
   person sees before any model, and one of the strategies);
3. trains the family's model when the adapter's ``can_train`` allows, with
   entity-level F1 by cross-validation, per type, in its model version;
4. scores every unlabeled sentence with the project's strategy (``mnlp``
   first, ``token_entropy``, ``dictionary_disagreement``), reading the pool
   :data:`CHUNK` sentences at a time and keeping one number per sentence, so
   memory stays flat in the size of the pool; before any model the queue is
   random;
5. queues a diverse head and the next best (:mod:`activelabel.al.sentence_batches`),
   each with its score and, when the project's ``prelabel`` setting is on, its
   prelabels: the model's spans, the dictionary's and imported predictions,
   merged without overlaps (:mod:`activelabel.loop.prelabels`).

It reads the store only; :func:`activelabel.loop.write.write_round` writes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

from activelabel.al.sentence_batches import hashed_word_counts, pick_sentences
from activelabel.al.sentence_strategies import NEEDS_SPANS, SENTENCE_SCORES
from activelabel.al.sequence_scores import spans_from_marginals
from activelabel.loop.pool_memo import PoolMemo
from activelabel.loop.prelabels import merge_prelabels, sentence_confidence
from activelabel.loop.round_start import kind_strategy, read_round_inputs
from activelabel.loop.sentences import Sentence, sentences_by_id, stream_sentences
from activelabel.loop.write import ComputedRound, NewModelVersion
from activelabel.ml.model_families import train_sequence_family
from activelabel.ml.span_dictionary import SpanDictionary
from activelabel.project_config import ProjectConfig
from activelabel.store.engine import Store
from activelabel.store.predictions import latest_predictions
from activelabel.store.queue import QueueCandidate
from activelabel.tasks import TaskAdapter
from activelabel.tasks.spans.tag_schemes import spans_to_tags

__all__ = ["CHUNK", "MAX_DIVERSE_BATCH", "compute_span_round", "sentence_strategy"]

#: Sentences read, featurized and scored at a time.
CHUNK: Final = 2_000
#: Largest head picked for diversity (as for feature rows); the rest by score.
MAX_DIVERSE_BATCH: Final = 100
#: What a span model version says its ``cv_score`` is.
SCORE_METRIC: Final = "entity_f1"
#: The featurizer recorded with a span model version: the CRF's token features.
TOKEN_FEATURES: Final = "crf-token-features"


def sentence_strategy(adapter: TaskAdapter, asked: str | None) -> str:
    """The strategy that orders a span project's queue (:func:`kind_strategy`)."""
    return kind_strategy(adapter, asked, SENTENCE_SCORES, "sentences")


def compute_span_round(
    store: Store,
    project_id: int,
    *,
    adapter: TaskAdapter,
    queue_size: int = 500,
    strategy: str | None = None,
    random_state: int = 0,
    memo: PoolMemo | None = None,
    chunk_size: int = CHUNK,
) -> ComputedRound:
    """Everything of a span round but its writes (see the module docstring)."""
    timings: dict[str, float] = {}
    started = time.monotonic()
    t = time.perf_counter()
    inputs = read_round_inputs(store, project_id, memo)
    report, rows, labels = inputs.report, inputs.rows, inputs.labels
    settings = inputs.project.settings
    if not rows:
        report.note = "The project has no items yet."
        return ComputedRound(project_id=project_id, report=report, empty=True)
    item_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    labeled_sentences = _labeled(store, settings, labels)
    report.n_labels = len(labeled_sentences)
    dictionary = SpanDictionary.from_spans(
        (sentence.text, spans) for sentence, spans in labeled_sentences
    )
    timings["load"] = time.perf_counter() - t

    model = None
    values = [spans for _, spans in labeled_sentences]
    family = adapter.model_family
    if family is not None and adapter.can_train(values):
        t = time.perf_counter()
        model = train_sequence_family(
            family,
            [sentence.words for sentence, _ in labeled_sentences],
            [
                spans_to_tags(sentence.tokens, spans, "iob2")
                for sentence, spans in labeled_sentences
            ],
            random_state=random_state,
        )
        timings["train"] = time.perf_counter() - t

    t = time.perf_counter()
    labeled_ids = {sentence.item_id for sentence, _ in labeled_sentences}
    labeled_ids.update(labels)
    scores = np.full(len(item_ids), np.nan)
    scores[~np.isin(item_ids, np.fromiter(labeled_ids, dtype=np.int64))] = 0.0
    name = (
        "random"
        if model is None
        else sentence_strategy(adapter, strategy or settings.strategy)
    )
    if name == "random":
        # Random before the first model (or when asked): uniform scores, drawn once.
        unlabeled = ~np.isnan(scores)
        scores[unlabeled] = np.random.default_rng(random_state).random(
            int(unlabeled.sum())
        )
    else:
        _score_pool(
            store,
            project_id,
            settings,
            model,
            dictionary,
            name,
            item_ids,
            labeled_ids,
            scores,
            chunk_size,
        )
    timings["score"] = time.perf_counter() - t

    t = time.perf_counter()
    head_size = min(max(1, settings.retrain_every), MAX_DIVERSE_BATCH)
    if name == "random":
        head_size = 1  # a random queue needs no diversity
    labeled_features = (
        hashed_word_counts([s.words for s, _ in labeled_sentences])
        if labeled_sentences
        else None
    )

    def features_of(positions: np.ndarray[Any, Any]) -> Any:
        found = sentences_by_id(store, settings, [int(i) for i in item_ids[positions]])
        return hashed_word_counts(
            [
                found[int(i)].words if int(i) in found else []
                for i in item_ids[positions]
            ]
        )

    picked = pick_sentences(
        scores,
        head_size=head_size,
        queue_size=queue_size,
        features_of=features_of,
        labeled_features=labeled_features,
        random_state=random_state,
    )
    candidates = _candidates(
        store,
        project_id,
        settings,
        model,
        dictionary,
        item_ids,
        picked,
        scores,
        scored=name != "random",
    )
    timings["select"] = time.perf_counter() - t
    report.strategy = name
    report.seconds = {k: round(v, 3) for k, v in timings.items()}
    if model is None:
        report.note = (
            f"{len(labeled_sentences)} labeled sentence(s) are not enough for a "
            "first model yet; the queue is random."
        )
    new_model = None
    if model is not None:
        t = time.perf_counter()
        new_model = span_model_version(model, family=str(family))
        report.seconds["serialize"] = round(time.perf_counter() - t, 3)
    return ComputedRound(
        project_id=project_id,
        report=report,
        strategy=name,
        pool_size=int((~np.isnan(scores)).sum()),
        candidates=candidates,
        model=new_model,
        started=started,
    )


def _labeled(
    store: Store, settings: ProjectConfig, labels: Mapping[int, Any]
) -> list[tuple[Sentence, list[dict[str, Any]]]]:
    """Each labeled sentence with its spans (a label that is not a list of spans,
    which the adapter never stores, is left out)."""
    found = sentences_by_id(store, settings, list(labels))
    return [
        (found[item_id], list(spans))
        for item_id, spans in labels.items()
        if item_id in found and isinstance(spans, list)
    ]


def _score_pool(
    store: Store,
    project_id: int,
    settings: ProjectConfig,
    model: Any,
    dictionary: SpanDictionary,
    name: str,
    item_ids: np.ndarray[Any, Any],
    labeled_ids: set[int],
    scores: np.ndarray[Any, Any],
    chunk_size: int,
) -> None:
    """Put the strategy's score of every unlabeled sentence in ``scores``, chunk
    by chunk: only one chunk's marginals are alive at a time."""
    score = SENTENCE_SCORES[name]
    wants_spans = name in NEEDS_SPANS
    for chunk in stream_sentences(
        store,
        project_id,
        settings,
        last_id=int(item_ids[-1]),
        skip=labeled_ids,
        chunk_size=chunk_size,
    ):
        marginals = model.predict_marginals([s.words for s in chunk])
        ours: list[Any] = []
        theirs: list[Any] = []
        if wants_spans:
            ours = [
                spans_from_marginals(s.tokens, m)
                for s, m in zip(chunk, marginals, strict=True)
            ]
            theirs = dictionary.match_many(
                [s.text for s in chunk], [s.tokens for s in chunk]
            )
        chunk_scores = score(marginals, ours, theirs)
        ids = np.fromiter((s.item_id for s in chunk), dtype=np.int64, count=len(chunk))
        positions = np.minimum(np.searchsorted(item_ids, ids), len(item_ids) - 1)
        # Only sentences of the pool this round read (ids are sorted).
        known = item_ids[positions] == ids
        scores[positions[known]] = chunk_scores[known]


def _candidates(
    store: Store,
    project_id: int,
    settings: ProjectConfig,
    model: Any,
    dictionary: SpanDictionary,
    item_ids: np.ndarray[Any, Any],
    picked: np.ndarray[Any, Any],
    scores: np.ndarray[Any, Any],
    *,
    scored: bool,
) -> list[QueueCandidate]:
    """The queue's entries in order, each with its prelabels and its score."""
    ids = [int(i) for i in item_ids[picked]]
    n = len(ids)
    suggestions: dict[int, list[dict[str, Any]]] = {}
    if settings.prelabel and ids:
        found = sentences_by_id(store, settings, ids)
        with store.session() as session:
            predicted = latest_predictions(session, project_id, ids)
        order = [found[i] for i in ids if i in found]
        model_spans: list[list[dict[str, Any]]] = [[] for _ in order]
        if model is not None:
            marginals = model.predict_marginals([s.words for s in order])
            model_spans = [
                spans_from_marginals(s.tokens, m)
                for s, m in zip(order, marginals, strict=True)
            ]
        matched = dictionary.match_many(
            [s.text for s in order], [s.tokens for s in order]
        )
        for sentence, ours, theirs in zip(order, model_spans, matched, strict=True):
            prediction = predicted.get(sentence.item_id)
            suggestions[sentence.item_id] = merge_prelabels(
                model=ours,
                dictionary=theirs,
                predictions=_prediction_spans(prediction),
            )
    candidates = []
    for rank, (item_id, position) in enumerate(zip(ids, picked, strict=True)):
        prelabels = suggestions.get(item_id) or None
        candidates.append(
            QueueCandidate(
                item_id=item_id,
                priority=float(n - rank),
                suggestion=prelabels,
                confidence=sentence_confidence(prelabels) if prelabels else None,
                score=float(scores[position]) if scored else None,
            )
        )
    return candidates


def _prediction_spans(prediction: Any) -> list[dict[str, Any]]:
    """An imported prediction's spans, each with the span's own confidence, else
    the prediction's score (a prediction that is not a list of spans: none)."""
    if prediction is None or not isinstance(prediction.value, list):
        return []
    spans = []
    for span in prediction.value:
        if not isinstance(span, dict) or not {"start", "end", "label"} <= set(span):
            continue
        confidence = span.get("confidence", span.get("score", prediction.score))
        spans.append({**span, "confidence": confidence})
    return spans


def span_model_version(model: Any, *, family: str) -> NewModelVersion:
    """The model version of a sequence model: its bytes, and its entity F1 by
    cross-validation overall and per entity type (as the page reads per class)."""
    metrics = dict(model.metrics)
    per_entity = metrics.get("per_entity") or {}
    metrics.update(
        score_metric=SCORE_METRIC,
        per_class={
            str(kind): {
                "precision": row.get("precision", 0.0),
                "recall": row.get("recall", 0.0),
                "f1": row.get("f1", 0.0),
                "support": row.get("support", 0),
            }
            for kind, row in per_entity.items()
        },
        classes=list(model.labels),
        entity_types=list(model.entity_types),
        cv_folds=model.cv_folds,
        cv_note=model.cv_note,
        multilabel=False,
        model_family=family,
        estimator=type(model).__name__,
        trained_at=model.trained_at.isoformat(),
    )
    return NewModelVersion(
        name=model.name,
        n_labels=model.n_labels,
        featurizer=TOKEN_FEATURES,
        cv_score=model.cv_score,
        metrics=metrics,
        artifact=model.to_bytes(),
    )
