"""The queries dataset: every unlabeled item scored by the newest model.

``activelabel query NAME -o queries.csv [--strategy margin,entropy] [--top N]``
writes what the Dataiku plugin's query sampler writes: the unlabeled items,
best first, each with its score under every chosen strategy, the query
session the scoring is recorded as, and the model's suggestion with its
confidence (:func:`write_queries`; :mod:`activelabel.io.queries_file` writes
the file). The page downloads the same file (``GET .../export?dataset=queries``,
written by the export's child process). The scores are those of a round
(:mod:`activelabel.al.scores`), so a file scored here and imported back with
``--as-queries`` serves the items a round would have put first.

Scoring reads the newest model version (:mod:`activelabel.loop.model_files`)
and the pool's features from the feature cache, where the round that trained
the model left them (computed and cached when they are not there); the pool
is scored in chunks so memory stays flat in its size. A project without a
trained model gets a sentence saying how to train one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from sqlalchemy import select

from activelabel.al.scores import UNCERTAINTY_METHODS
from activelabel.exceptions import ConfigError
from activelabel.io.queries_file import write_queries_file
from activelabel.loop.featurizers import feature_cache_dir, make_featurizer
from activelabel.loop.imported_predictions import uncertainty_of_rows
from activelabel.loop.inputs import featurizer_inputs
from activelabel.loop.model_files import load_model_version
from activelabel.loop.pool_memo import read_pool_rows
from activelabel.loop.training_labels import training_labels
from activelabel.ml.calibration import calibrated_proba
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.model_families import family_input
from activelabel.store.engine import Store
from activelabel.store.model_versions import latest_model_version
from activelabel.store.models import Item, QuerySession
from activelabel.store.projects import get_project
from activelabel.tasks import adapter_for

__all__ = [
    "QUERY_STRATEGIES",
    "QueryRow",
    "ScoredQueries",
    "check_query_strategies",
    "score_queries",
    "write_queries",
]

#: Strategies that score each item on its own (a batch strategy such as
#: ``diverse_margin`` picks a set, not a score per item).
QUERY_STRATEGIES: Final = UNCERTAINTY_METHODS

#: Pool rows scored per call to the model.
_CHUNK: Final = 10_000


@dataclass(frozen=True)
class QueryRow:
    """One unlabeled item as the queries dataset gives it."""

    item_id: int
    external_id: str
    #: The item's score under each chosen strategy, in their order.
    scores: tuple[float, ...]
    suggestion: Any
    confidence: float | None


@dataclass
class ScoredQueries:
    """A query run: its session, the model it used, the rows best first."""

    session_id: int
    model_version: str
    strategies: list[str]
    rows: list[QueryRow] = field(default_factory=list)
    pool_size: int = 0


def check_query_strategies(names: Sequence[str]) -> list[str]:
    """``names`` if each scores items one by one, else a sentence listing those."""
    chosen = [n.strip() for n in names if n.strip()]
    wrong = [n for n in chosen if n not in QUERY_STRATEGIES]
    if wrong or not chosen:
        raise ConfigError(
            f"--strategy {', '.join(wrong) or '(none)'}: the queries dataset "
            f"scores each item under {', '.join(QUERY_STRATEGIES)} (one or "
            "several, comma-separated)."
        )
    return list(dict.fromkeys(chosen))


def score_queries(
    store: Store,
    project_name: str,
    *,
    strategies: Sequence[str] = ("margin",),
    top: int | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScoredQueries:
    """Score the unlabeled items of ``project_name`` with its newest model.

    Rows are sorted by the first strategy's score, highest (most worth
    labeling) first, then by item id; ``top`` keeps that many. The run is
    recorded as a query session (strategy ``query:<names>``) whose id the
    rows carry. ``progress(done, total)`` counts scored items.
    """
    names = check_query_strategies(strategies)
    if top is not None and top < 1:
        raise ConfigError(f"--top {top}: give a number of items of 1 or more.")
    with store.session() as session:
        project = get_project(session, project_name)
        adapter = adapter_for(project.task)
        family = adapter.model_family
        if family is None or family_input(family) != "feature_rows":
            raise ConfigError(
                f"Project {project_name!r} labels {adapter.kind.value}; the "
                "queries dataset scores whole items of classification and "
                "label-set projects."
            )
        version = latest_model_version(session, project_id=project.id)
        if version is None:
            raise ConfigError(
                f"Project {project_name!r} has no trained model yet: label a "
                f"few items of each label, then run `activelabel train "
                f"{project_name}` (or let the server train), and query again."
            )
        loaded = load_model_version(session, model_version_id=version.id)
        rows = read_pool_rows(session, project.id)
        labeled = set(training_labels(session, project.id))
        external = dict(
            session.execute(
                select(Item.id, Item.external_id).where(Item.project_id == project.id)
            ).all()
        )
        session.expunge(project)
    choice = loaded.version.metrics.get("featurizer_choice") or {}
    name = choice.get("chosen") or project.settings.featurizer
    featurizer = make_featurizer(project.modality, name, pool_size=len(rows))
    if featurizer.featurizer_id != loaded.version.featurizer:
        raise ConfigError(
            f"The newest model of {project_name!r} ({loaded.version.name}) was "
            f"trained on features {loaded.version.featurizer!r}, not on the "
            f"project's {featurizer.featurizer_id!r}: run `activelabel train "
            f"{project_name}` so the model and the features agree, then query."
        )
    cache = FeatureCache(feature_cache_dir(store, cache_dir))
    X, _ = cache.get_or_compute(
        featurizer,
        lambda: featurizer_inputs(store, project, rows),
        [r[1] for r in rows],
    )
    pool = np.array(
        [p for p, r in enumerate(rows) if r[0] not in labeled], dtype=np.intp
    )
    scores = np.zeros((len(pool), len(names)))
    suggestions: list[Any] = []
    confidences: list[float | None] = []
    classes = loaded.classes
    unlearned = loaded.version.metrics.get("unlearned", [])
    if progress is not None:
        progress(0, len(pool))
    for start in range(0, len(pool), _CHUNK):
        part = pool[start : start + _CHUNK]
        proba = np.asarray(loaded.estimator.predict_proba(X[part]))
        for k, method in enumerate(names):
            scores[start : start + len(part), k] = uncertainty_of_rows(
                family, proba, method
            )
        # Suggested as the page suggests: calibrated, and never a class the
        # model has not learned (the order stays the strategies', as a round's).
        suggested, sure = adapter.suggest_learned(
            calibrated_proba(loaded.estimator, X[part]), classes, unlearned
        )
        suggestions.extend(suggested)
        confidences.extend(sure)
        if progress is not None:
            progress(start + len(part), len(pool))
    # Best first by the first strategy; ties by item id (pool is in id order).
    order = np.argsort(-scores[:, 0], kind="stable") if len(pool) else pool
    if top is not None:
        order = order[:top]
    with store.session(write=True) as session:
        recorded = QuerySession(
            project_id=project.id,
            model_version_id=loaded.version.id,
            strategy=f"query:{','.join(names)}"[:64],
            pool_size=len(pool),
        )
        session.add(recorded)
        session.flush()
        session_id = recorded.id
    result = ScoredQueries(
        session_id=session_id,
        model_version=loaded.version.name,
        strategies=names,
        pool_size=len(pool),
    )
    for k in order:
        item_id = rows[int(pool[int(k)])][0]
        result.rows.append(
            QueryRow(
                item_id=item_id,
                external_id=external[item_id],
                scores=tuple(float(s) for s in scores[int(k)]),
                suggestion=suggestions[int(k)],
                confidence=confidences[int(k)],
            )
        )
    return result


def write_queries(
    store: Store,
    project_name: str,
    path: Path,
    *,
    strategies: Sequence[str] = ("margin",),
    top: int | None = None,
    fmt: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ScoredQueries, str]:
    """Score the unlabeled items (:func:`score_queries`) and write the queries
    dataset to ``path``, as ``activelabel query`` and the page's download do;
    returns the scoring and the format written."""
    scored = score_queries(
        store, project_name, strategies=strategies, top=top, progress=progress
    )
    rows = [
        [
            row.external_id,
            row.scores[0],
            *row.scores,
            row.suggestion,
            row.confidence,
            scored.session_id,
            scored.model_version,
        ]
        for row in scored.rows
    ]
    return scored, write_queries_file(path, rows, scored.strategies, fmt=fmt)
