"""One round of the loop over a stored project: featurize, train, score, refill.

:func:`run_round` is what the server's background trainer (and ``activelabel
train``) runs. It reads the project's items and their training labels
(:mod:`activelabel.loop.training_labels`) from the store, featurizes them once
(:mod:`activelabel.loop.featurizers`, cached on disk), trains a model when the
project's task adapter says the labels allow it, records the stopping signal
(:mod:`activelabel.loop.stopping`), scores the unlabeled pool with the
project's strategy, and replaces the queue with the top items — each with the
model's suggestion, shaped by the task adapter — under a new query session
(:func:`activelabel.loop.write.write_round`).
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from activelabel.al._registry import DEFAULT_STRATEGY, make_strategy
from activelabel.al._validation import MISSING_LABEL
from activelabel.exceptions import InvalidLabelError
from activelabel.loop.augmented_rows import with_augmented_rows
from activelabel.loop.auto_accept import auto_accept_round
from activelabel.loop.featurizer_choice import round_features
from activelabel.loop.first_model_sample import rows_before_first_model
from activelabel.loop.imported_predictions import order_by_imported_predictions
from activelabel.loop.label_issues import round_label_issues
from activelabel.loop.model_choice import train_for_project
from activelabel.loop.model_files import new_model_version
from activelabel.loop.pool_memo import PoolMemo
from activelabel.loop.round_start import read_round_inputs
from activelabel.loop.stopping import stop_set, stopping_record
from activelabel.loop.weak_labels import weak_training_rows, with_rule_suggestions
from activelabel.loop.write import ComputedRound, RoundReport, write_round
from activelabel.ml.calibration import calibrated_proba
from activelabel.ml.model_families import family_input
from activelabel.ml.training import TrainedModel
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.store.queue import QueueCandidate
from activelabel.tasks import TaskAdapter, adapter_for

__all__ = ["RoundReport", "compute_round", "run_round"]

#: Largest batch picked by the (k-means based) strategy; the rest of the queue
#: is filled by margin. Beyond this, clustering costs minutes and buys nothing.
MAX_DIVERSE_BATCH = 100

#: The round of each model input other than feature rows: (module, function),
#: imported on first use so a classification round never loads a CRF.
_OWN_ROUNDS: dict[str, tuple[str, str]] = {
    "token_sequences": ("activelabel.loop.span_round", "compute_span_round"),
    "images": ("activelabel.loop.box_round", "compute_box_round"),
}

#: Strategies whose order says nothing about the model: no score is queued.
_UNSCORED = ("random", "representative")


def run_round(
    store: Store,
    project_id: int,
    *,
    queue_size: int = 500,
    strategy: str | None = None,
    cache_dir: Path | None = None,
    random_state: int = 0,
    automl_budget: float | None = None,
) -> RoundReport:
    """Train on the stored labels (if possible), score the pool, and refill the queue.

    ``cache_dir`` is where feature matrices are cached (default: the
    ``cache_dir`` setting, else beside a SQLite file). ``automl_budget``
    (seconds) runs an AutoML search now (``activelabel train --automl``).
    """
    computed = compute_round(
        store,
        project_id,
        queue_size=queue_size,
        strategy=strategy,
        cache_dir=cache_dir,
        random_state=random_state,
        automl_budget=automl_budget,
    )
    return write_round(store, computed)


def compute_round(
    store: Store,
    project_id: int,
    *,
    queue_size: int = 500,
    strategy: str | None = None,
    cache_dir: Path | None = None,
    random_state: int = 0,
    memo: PoolMemo | None = None,
    automl_budget: float | None = None,
) -> ComputedRound:
    """Everything of a round but its writes: featurize, train, score, pick the queue.

    A project whose model family learns from token sequences (spans) has its
    round computed by :func:`activelabel.loop.span_round.compute_span_round`;
    one that learns from images (boxes) by
    :func:`activelabel.loop.box_round.compute_box_round`.
    Reads the store only; :func:`activelabel.loop.write.write_round` stores
    the result (the server's worker process computes, the server writes).
    A ``memo`` kept from the round before saves re-reading an unchanged pool.
    """
    with store.session() as session:
        task = session.scalar(select(Project.task).where(Project.id == project_id))
    if task is None:
        raise InvalidLabelError(f"No project with id {project_id}.")
    adapter = adapter_for(task)
    family = adapter.model_family
    own_round = None if family is None else _OWN_ROUNDS.get(family_input(family))
    if own_round is not None:
        # A family that does not read feature rows (sentences, images with
        # boxes) has its round in its own module.
        module, function = own_round
        compute = getattr(importlib.import_module(module), function)
        computed: ComputedRound = compute(
            store,
            project_id,
            adapter=adapter,
            queue_size=queue_size,
            strategy=strategy,
            random_state=random_state,
            memo=memo,
        )
        return computed
    timings: dict[str, float] = {}
    start = time.perf_counter()
    started = time.monotonic()
    inputs = read_round_inputs(store, project_id, memo)
    project, report, rows, labels = (
        inputs.project,
        inputs.report,
        inputs.rows,
        inputs.labels,
    )
    timings["load"] = time.perf_counter() - start
    if not rows:
        report.note = "The project has no items yet."
        return ComputedRound(project_id=project_id, report=report, empty=True)
    # Before its first model, a large pool's round reads a sample of it.
    pool_size = len(rows)
    rows, sampled = rows_before_first_model(store, project_id, rows, set(labels))
    # A sample's rows change from round to round at the same count, which the
    # memo's matrix (kept by count) cannot tell apart: the disk cache, keyed
    # by content, serves them.
    features_memo = None if sampled is not None else memo
    settings = project.settings
    item_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    # Vectorized: a Python loop over a million ids cost most of a second per round.
    labeled = np.isin(item_ids, np.fromiter(labels, dtype=np.int64, count=len(labels)))
    y = np.full(len(item_ids), MISSING_LABEL, dtype=object)
    for position in np.flatnonzero(labeled):
        # One by one: a multilabel value is a list, which numpy would broadcast.
        y[position] = labels[int(item_ids[position])]
    report.n_labels = int(labeled.sum())

    t = time.perf_counter()
    # The featurizer the project named, or the one ``auto`` chooses by CV.
    features = round_features(
        store,
        project,
        rows,
        adapter=adapter,
        labeled=np.flatnonzero(labeled),
        values=[labels[int(i)] for i in item_ids[labeled]],
        memo=features_memo,
        cache_dir=cache_dir,
        pool_size=pool_size,
    )
    X, featurizer_id = features.X, features.featurizer_id
    timings["featurize"] = time.perf_counter() - t

    trained = None
    new_stop_set: list[int] | None = None
    label_issues = None
    y_train = [labels[int(i)] for i in item_ids[labeled]]
    train_rows, options = np.flatnonzero(labeled), {}
    if settings.train_on_weak and inputs.weak:
        # The label model's labels too, weighted by their confidence.
        train_rows, y_train, weights = weak_training_rows(item_ids, labels, inputs.weak)
        options = {"sample_weight": weights, "n_scored": report.n_labels}
    if adapter.model_family is not None and adapter.can_train(y_train):
        t = time.perf_counter()
        # Augmented copies of the labeled media, when the project augments.
        training = with_augmented_rows(
            store,
            project,
            rows,
            X,
            train_rows,
            y_train,
            options,
            n_labels=report.n_labels,
            cache_dir=cache_dir,
            memo=features_memo,
            seed=random_state,
        )
        # Logistic, gradient boosting or AutoML, as the project's ``model`` says.
        trained = train_for_project(
            store,
            project,
            adapter.model_family,
            training.X,
            training.y,
            time_budget=automl_budget,
            **training.options,
        )
        if training.copies:
            trained.metrics["augmented_copies"] = training.copies
        # What the model saw of people's labels (retraining counts those).
        trained.n_labels = report.n_labels
        if trained.oof_proba is not None:
            trained.oof_proba = trained.oof_proba[: report.n_labels]
        y_train = y_train[: report.n_labels]
        timings["train"] = time.perf_counter() - t
        t = time.perf_counter()
        label_issues = round_label_issues(
            store, project_id, trained, item_ids[labeled].tolist(), y_train
        )
        timings["label_issues"] = time.perf_counter() - t
        new_stop_set = _record_stopping(
            store, project_id, adapter, trained, X, item_ids, y
        )
    estimator = None if trained is None else trained.estimator
    if adapter.model_family is None:
        report.note = (
            f"No model learns {adapter.kind.value} labels in the loop yet; "
            "the queue is ordered without one."
        )

    t = time.perf_counter()
    pool = np.flatnonzero(~labeled)
    if estimator is None:
        # Cold start: typical, diverse items first while no model can be trained.
        name = "representative" if pool.size <= 20_000 else "random"
    else:
        name = strategy or settings.strategy or DEFAULT_STRATEGY
    # Only the batch labeled before the next retrain needs the (possibly costly,
    # diversity-aware) strategy; the rest of the queue is the next best by a cheap
    # O(N) measure, so a queue of hundreds costs no more than a batch of ten.
    head_size = min(
        queue_size,
        max(1, settings.retrain_every),
        MAX_DIVERSE_BATCH,
        max(pool.size, 1),
    )
    picked, scores = _select(
        name, X, y, estimator, pool, head_size, queue_size, random_state
    )
    timings["score"] = time.perf_counter() - t
    report.strategy = name
    candidates = _candidates(adapter, trained, X, item_ids, picked, scores, name)
    if trained is None:
        # Another model's imported predictions order and suggest until the
        # project trains its own (loop/imported_predictions.py).
        imported = order_by_imported_predictions(
            store,
            project_id,
            adapter,
            project.labels,
            candidates,
            item_ids[pool].tolist(),
            strategy=name,
            chosen=strategy or settings.strategy,
            queue_size=queue_size,
        )
        candidates, name = imported.candidates, imported.strategy
        report.strategy = name
    if trained is None and inputs.weak:
        candidates = with_rule_suggestions(candidates, inputs.weak)
    # Stream auto-labeling (auto_accept): the model labels the items it is
    # surest of; they leave the queue.
    candidates, auto_labels = auto_accept_round(
        store, project, adapter, trained, X, item_ids, pool, candidates
    )
    report.seconds = {k: round(v, 3) for k, v in timings.items()}
    if sampled is not None and report.note is None:
        report.note = sampled
    model = None
    if trained is not None:
        t = time.perf_counter()
        if features.choice is not None:
            trained.metrics["featurizer_choice"] = features.choice
        model = new_model_version(trained, featurizer_id=featurizer_id)
        report.seconds["serialize"] = round(time.perf_counter() - t, 3)
    return ComputedRound(
        project_id=project_id,
        report=report,
        strategy=name,
        pool_size=int(pool.size),
        candidates=candidates,
        model=model,
        stop_set=new_stop_set,
        started=started,
        label_issues=label_issues,
        auto_labels=auto_labels,
    )


def _record_stopping(
    store: Store,
    project_id: int,
    adapter: TaskAdapter,
    trained: TrainedModel,
    X: Any,
    item_ids: np.ndarray[Any, Any],
    y: np.ndarray[Any, Any],
) -> list[int] | None:
    """Put the stopping signal in ``trained.metrics`` (when the task compares
    successive models); the stop set to keep, if the project has none yet."""
    with store.session() as session:
        project = session.get_one(Project, project_id)
        stop_ids = stop_set(project, item_ids, y)
        kept = bool(project.settings.stop_set)
        if adapter.stopping_signal:
            index = {int(v): k for k, v in enumerate(item_ids)}
            positions = [index[i] for i in stop_ids if i in index]
            trained.metrics["stopping"] = stopping_record(
                session,
                project.id,
                estimator=trained.estimator,
                X=X,
                positions=positions,
                n_labels=trained.n_labels,
                cv_score=trained.cv_score,
            )
    return None if kept else (stop_ids or None)


def _select(
    name: str,
    X: Any,
    y: np.ndarray[Any, Any],
    estimator: Any,
    pool: np.ndarray[Any, Any],
    head_size: int,
    queue_size: int,
    random_state: int,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Positions for the queue, best first, and a score per row of ``X`` (NaN if none)."""
    scores = np.full(X.shape[0], np.nan)
    if not pool.size:
        return np.array([], dtype=np.intp), scores
    head, head_scores = make_strategy(name, random_state=random_state).query(
        X, y, estimator=estimator, batch_size=head_size, return_scores=True
    )
    scores[:] = head_scores
    rest_size = min(queue_size, pool.size) - len(head)
    if rest_size <= 0:
        return np.asarray(head), scores
    filler = "margin" if estimator is not None else "random"
    rest, rest_scores = make_strategy(filler, random_state=random_state).query(
        X,
        y,
        estimator=estimator,
        candidates=np.setdiff1d(pool, np.asarray(head, dtype=np.intp)),
        batch_size=rest_size,
        return_scores=True,
    )
    if estimator is not None:
        fill = np.isnan(scores)
        scores[fill] = rest_scores[fill]
    return np.concatenate([np.asarray(head), np.asarray(rest)]).astype(np.intp), scores


def _candidates(
    adapter: TaskAdapter,
    trained: TrainedModel | None,
    X: Any,
    item_ids: np.ndarray[Any, Any],
    picked: np.ndarray[Any, Any],
    scores: np.ndarray[Any, Any],
    strategy: str,
) -> list[QueueCandidate]:
    """The queue's entries, in the strategy's order, with the model's suggestions."""
    if not len(picked):
        return []
    n = len(picked)
    suggestions: list[Any] = [None] * n
    confidences: list[float | None] = [None] * n
    if trained is not None:
        # Calibrated: a suggestion's confidence is what a threshold reads.
        proba = calibrated_proba(trained.estimator, X[picked])
        suggested, sure = adapter.suggest_learned(
            proba, list(trained.classes), trained.metrics.get("unlearned", [])
        )
        suggestions, confidences = list(suggested), list(sure)
    candidates = []
    for rank, position in enumerate(picked):
        # Keep the strategy's order (a diverse batch is not sorted by score):
        # priority falls with rank, and the score is kept for the page to show.
        score = float(scores[position]) if len(scores) else None
        candidates.append(
            QueueCandidate(
                item_id=int(item_ids[position]),
                priority=float(n - rank),
                suggestion=suggestions[rank],
                confidence=confidences[rank],
                score=None if strategy in _UNSCORED else score,
            )
        )
    return candidates
