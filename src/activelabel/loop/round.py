"""One round of the loop over a stored project: featurize, train, score, refill.

:func:`run_round` is what the server's background trainer (and ``activelabel
train``) runs. It reads the project's items and labels from the store, featurizes
them once (cached on disk), trains a model when the labels allow it, scores the
unlabeled pool with the project's strategy, and replaces the queue with the top
items — each with the model's suggestion — under a new query session.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.al._registry import DEFAULT_STRATEGY, make_strategy
from activelabel.al._validation import MISSING_LABEL
from activelabel.al.stopping import StoppingSignal, agreement_kappa
from activelabel.exceptions import InvalidLabelError
from activelabel.io.media_roots import media_file, root_paths
from activelabel.loop.model_versions import (
    latest_model_version,
    load_model_version,
    new_model_version,
)
from activelabel.loop.pool_memo import PoolMemo, read_pool_rows
from activelabel.loop.write import ComputedRound, RoundReport, write_round
from activelabel.ml.audio_features import AudioFeaturizer
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.featurizer import Featurizer
from activelabel.ml.image_features import ImageFeaturizer
from activelabel.ml.tabular_features import TabularFeaturizer
from activelabel.ml.text_features import TextFeaturizer
from activelabel.ml.training import train_model
from activelabel.store.annotations import aggregate_values
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Item, Project
from activelabel.store.queue import QueueCandidate

__all__ = ["RoundReport", "cache_dir_for", "compute_round", "run_round"]

#: Largest batch picked by the (k-means based) strategy; the rest of the queue
#: is filled by margin. Beyond this, clustering costs minutes and buys nothing.
MAX_DIVERSE_BATCH = 100

#: Items the stopping signal compares successive models on.
STOP_SET_SIZE = 1000


def cache_dir_for(store: Store) -> Path:
    """Where feature matrices are cached: beside a SQLite file, else ./.activelabel-cache."""
    url = store.engine.url
    if (
        url.get_backend_name() == "sqlite"
        and url.database
        and url.database != ":memory:"
    ):
        db = Path(url.database)
        return db.with_name(db.name + ".activelabel-cache")
    return Path(".activelabel-cache")


#: Text pools larger than this are featurized with hashed word n-grams: no
#: vocabulary to hold, and several times fewer non-zeros than with character
#: n-grams, so a round over a million texts stays within a few GiB.
LARGE_TEXT_POOL = 200_000


def _featurizer(project: Project, pool_size: int) -> Featurizer:
    if project.modality == "text":
        if pool_size > LARGE_TEXT_POOL:
            return TextFeaturizer(kind="hashing", char_ngrams=None)
        return TextFeaturizer()
    if project.modality == "tabular":
        return TabularFeaturizer()
    if project.modality == "image":
        return ImageFeaturizer()
    return AudioFeaturizer()


def _inputs(
    store: Store, project: Project, rows: list[tuple[int, str, str | None]]
) -> Any:
    """What the featurizer reads for each row, in row order.

    Only called when the feature cache misses: on a warm round the items'
    data is never read (a million parsed JSON objects are ~0.5 GiB and seconds).
    """
    config = project.config or {}
    if project.modality not in ("text", "tabular"):
        return _media_files(store, project.id, rows)
    # The same items as ``rows``: ids are only ever added, so bounding by the
    # last id read keeps items imported since then out.
    datas = _item_data(store, project.id, last_id=rows[-1][0])
    if project.modality == "text":
        column = str(config.get("text_column"))
        texts = [
            "" if data.get(column) is None else str(data.get(column)) for data in datas
        ]
        _check_aligned(len(texts), len(rows))
        return texts
    records = list(datas)
    _check_aligned(len(records), len(rows))
    columns = config.get("feature_columns") or sorted(
        {k for r in records[:100] for k in r}
    )
    frame = pd.DataFrame(
        [{c: r.get(c) for c in columns} for r in records], columns=columns
    )
    # CSV values arrive as text: numbers become numbers, the rest stays categorical.
    for column in columns:
        converted = pd.to_numeric(frame[column], errors="coerce")
        if converted.notna().sum() >= 0.9 * frame[column].notna().sum():
            frame[column] = converted
    return frame


def _media_files(
    store: Store, project_id: int, rows: list[tuple[int, str, str | None]]
) -> list[str]:
    """Each row's media file, found through the item's own media root."""
    with store.session() as session:
        placed = session.execute(
            select(Item.media_root_id, Item.media_path)
            .where(Item.project_id == project_id, Item.id <= rows[-1][0])
            .order_by(Item.id)
        ).all()
        roots = root_paths(session, (root_id for root_id, _ in placed))
    _check_aligned(len(placed), len(rows))
    return [
        str(media_file(roots[root_id], path)) if root_id in roots and path else ""
        for root_id, path in placed
    ]


def _item_data(
    store: Store, project_id: int, *, last_id: int
) -> Iterator[dict[str, Any]]:
    """The items' ``data`` in id order, streamed (each object is dropped once read)."""
    with store.session() as session:
        result = session.execute(
            select(Item.data)
            .where(Item.project_id == project_id, Item.id <= last_id)
            .order_by(Item.id)
            .execution_options(yield_per=10_000)
        )
        for (data,) in result:
            yield data


def _check_aligned(got: int, expected: int) -> None:
    if got != expected:
        raise InvalidLabelError(
            f"The project's items changed while a round read them ({got} rows of "
            f"data for {expected} items); the next round will use the new pool."
        )


def _labels(session: Session, project: Project) -> dict[int, Any]:
    """The training label of every labeled item: the majority of its active labels."""
    values: dict[int, list[Any]] = {}
    for item_id, value in session.execute(
        select(Annotation.item_id, Annotation.value)
        .where(
            Annotation.project_id == project.id,
            Annotation.status == "active",
            Annotation.source.in_(("human", "import", "rule")),
        )
        .order_by(Annotation.id)
    ):
        values.setdefault(item_id, []).append(value)
    consensus = {item_id: aggregate_values(v) for item_id, v in values.items()}
    return {item_id: c.value for item_id, c in consensus.items() if c is not None}


def _stop_set(
    project: Project, item_ids: np.ndarray[Any, Any], unlabeled: np.ndarray[Any, Any]
) -> list[int]:
    config = project.config or {}
    chosen = config.get("stop_set")
    if chosen:
        return list(chosen)
    rng = np.random.default_rng(0)
    pool = item_ids[unlabeled]
    take = min(STOP_SET_SIZE, pool.size)
    return (
        sorted(int(i) for i in rng.choice(pool, size=take, replace=False))
        if take
        else []
    )


def _stopping_message(signal: StoppingSignal, kappa: float | None) -> str:
    if signal.should_stop:
        return (
            f"Predictions have been stable (κ ≥ {signal.threshold}) for "
            f"{signal.stable_rounds} rounds: more labels are unlikely to change the model much."
        )
    if kappa is None:
        return "One model so far: the stopping signal compares successive models."
    return (
        f"Successive models agree with κ = {kappa:.3f}; stable for {signal.stable_rounds} "
        f"of the {signal.window} rounds (κ ≥ {signal.threshold}) that suggest stopping."
    )


def _stopping(
    session: Session,
    project: Project,
    estimator: Any,
    X: Any,
    positions: list[int],
    n_labels: int,
    cv_score: float | None,
) -> dict[str, Any]:
    """Kappa between the previous model's and this model's predictions on the stop set."""
    signal = StoppingSignal()
    previous = latest_model_version(session, project_id=project.id)
    kappa = None
    if previous is not None:
        history = (previous.metrics or {}).get("stopping", {}).get("history", [])
        signal.history = [dict(h) for h in history]
        if positions:
            try:
                old = load_model_version(
                    session, model_version_id=previous.id
                ).estimator
                kappa = agreement_kappa(
                    old.predict(X[positions]), estimator.predict(X[positions])
                )
            except (ValueError, InvalidLabelError):
                kappa = None  # e.g. the featurizer changed: no comparison this round
    signal.history.append(
        {
            "round": len(signal.history) + 1,
            "n_labels": n_labels,
            "kappa": kappa,
            "cv_score": cv_score,
        }
    )
    data = signal.to_dict()
    data["kappa"] = [h["kappa"] for h in signal.history if h["kappa"] is not None]
    data["message"] = _stopping_message(signal, kappa)
    return data


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


def run_round(
    store: Store,
    project_id: int,
    *,
    queue_size: int = 500,
    strategy: str | None = None,
    cache_dir: Path | None = None,
    random_state: int = 0,
) -> RoundReport:
    """Train on the stored labels (if possible), score the pool, and refill the queue."""
    computed = compute_round(
        store,
        project_id,
        queue_size=queue_size,
        strategy=strategy,
        cache_dir=cache_dir,
        random_state=random_state,
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
) -> ComputedRound:
    """Everything of a round but its writes: featurize, train, score, pick the queue.

    Reads the store only; :func:`activelabel.loop.write.write_round` stores
    the result (the server's worker process computes, the server writes).
    A ``memo`` kept from the round before saves re-reading an unchanged pool.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    started = time.monotonic()
    with store.session() as session:
        project = session.get(Project, project_id)
        if project is None:
            raise InvalidLabelError(f"No project with id {project_id}.")
        report = RoundReport(project=project.name)
        if memo is None:
            rows = read_pool_rows(session, project_id)
        else:
            rows = memo.pool_rows(
                session, store.engine.url.render_as_string(), project_id
            )
        labels = _labels(session, project)
        session.expunge(project)
    timings["load"] = time.perf_counter() - start
    report.pool_size = len(rows)
    if not rows:
        report.note = "The project has no items yet."
        return ComputedRound(project_id=project_id, report=report, empty=True)
    item_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    # Vectorized: a Python loop over a million ids cost most of a second per round.
    labeled = np.isin(item_ids, np.fromiter(labels, dtype=np.int64, count=len(labels)))
    y = np.full(len(item_ids), MISSING_LABEL, dtype=object)
    for position in np.flatnonzero(labeled):
        # One by one: a multilabel value is a list, which numpy would broadcast.
        y[position] = labels[int(item_ids[position])]
    report.n_labels = int(labeled.sum())

    t = time.perf_counter()
    featurizer = _featurizer(project, len(rows))
    featurizer_id = featurizer.featurizer_id
    kept = memo.kept_matrix(featurizer_id, len(rows)) if memo else None
    if kept is not None:
        X, featurizer = kept
    else:
        cache = FeatureCache(cache_dir or cache_dir_for(store))
        X, featurizer = cache.get_or_compute(
            featurizer, lambda: _inputs(store, project, rows), [r[1] for r in rows]
        )
        if memo is not None:
            memo.keep_matrix(featurizer_id, len(rows), X, featurizer)
    timings["featurize"] = time.perf_counter() - t

    estimator = None
    trained = None
    new_stop_set: list[int] | None = None
    multilabel = project.task == "multilabel"
    y_train = [labels[int(i)] for i in item_ids[labeled]]
    distinct = {json.dumps(v, sort_keys=True) for v in y_train}
    if len(distinct) >= 2 and project.task in ("classification", "multilabel"):
        t = time.perf_counter()
        trained = train_model(
            X[np.flatnonzero(labeled)], y_train, multilabel=multilabel
        )
        timings["train"] = time.perf_counter() - t
        estimator = trained.estimator
        with store.session() as session:
            fresh = session.get(Project, project_id)
            assert fresh is not None
            stop_ids = _stop_set(fresh, item_ids, ~labeled)
            if not (fresh.config or {}).get("stop_set"):
                new_stop_set = stop_ids or None
            index = {int(v): k for k, v in enumerate(item_ids)}
            positions = [index[i] for i in stop_ids if i in index]
            if not multilabel:
                trained.metrics["stopping"] = _stopping(
                    session,
                    fresh,
                    estimator,
                    X,
                    positions,
                    trained.n_labels,
                    trained.cv_score,
                )

    t = time.perf_counter()
    pool = np.flatnonzero(~labeled)
    if estimator is None:
        # Cold start: typical, diverse items first while no model can be trained.
        name = "representative" if pool.size <= 20_000 else "random"
    else:
        name = strategy or str((project.config or {}).get("strategy", DEFAULT_STRATEGY))
    # Only the batch labeled before the next retrain needs the (possibly costly,
    # diversity-aware) strategy; the rest of the queue is the next best by a cheap
    # O(N) measure, so a queue of hundreds costs no more than a batch of ten.
    retrain_every = int((project.config or {}).get("retrain_every", 10))
    head_size = min(
        queue_size, max(1, retrain_every), MAX_DIVERSE_BATCH, max(pool.size, 1)
    )
    picked, scores = _select(
        name, X, y, estimator, pool, head_size, queue_size, random_state
    )
    timings["score"] = time.perf_counter() - t
    report.strategy = name

    candidates: list[QueueCandidate] = []
    if len(picked):
        suggestions: list[Any] = [None] * len(picked)
        confidences: list[float | None] = [None] * len(picked)
        if estimator is not None and not multilabel:
            proba = estimator.predict_proba(X[picked])
            classes = list(estimator.classes_)
            best = proba.argmax(axis=1)
            suggestions = [str(classes[b]) for b in best]
            confidences = [float(p) for p in proba.max(axis=1)]
        elif trained is not None:
            # One-vs-rest: suggest every label the model gives p >= 0.5; the
            # confidence is that of the least certain of those yes/no decisions.
            proba = np.asarray(trained.estimator.predict_proba(X[picked]))
            names = list(trained.classes)
            suggestions = [
                [str(names[j]) for j in np.flatnonzero(row >= 0.5)] for row in proba
            ]
            confidences = [float(np.min(np.maximum(row, 1 - row))) for row in proba]
        n = len(picked)
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
                    score=None if name in ("random", "representative") else score,
                )
            )
    report.seconds = {k: round(v, 3) for k, v in timings.items()}
    model = None
    if trained is not None:
        t = time.perf_counter()
        model = new_model_version(trained, featurizer_id=featurizer.featurizer_id)
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
    )
