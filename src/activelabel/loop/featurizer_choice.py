"""A round's feature matrix, and the ``auto`` featurizer's choice by evidence.

:func:`round_features` is what a round over feature rows calls: it returns the
matrix of the project's featurizer for every item of the pool, from the memo
kept by a long-lived worker, else from the feature cache on disk, else
computed (and cached). A text project whose featurizer is ``auto`` first
chooses among ``tfidf``, ``embeddings`` and ``both``:

* with fewer than :data:`AUTO_MIN_LABELS` labels, or fewer than two labels
  used :data:`AUTO_MIN_PER_LABEL` times each, it uses tfidf: a comparison on
  fewer labels would pick by chance;
* then it cross-validates the project's model on each featurizer's rows of the
  labeled items (the same folds for all three, the model the round trains) and
  keeps the one with the best macro-F1 (a tie goes to the cheaper, in the
  order above). Macro-F1, not accuracy: a featurizer that only finds the
  majority class must not win on an imbalanced project;
* the choice holds until the number of labels has grown by
  :data:`AUTO_RECHECK_GROWTH` (doubled), then it is compared again. Each model
  version records the choice in force (``metrics["featurizer_choice"]``),
  which is also where the next round reads it;
* sentence embeddings are considered only when the ``embeddings`` extra is
  installed and the project's pool (all of it, not a first model's sample)
  has at most :data:`AUTO_EMBEDDING_POOL` items: embedding runs at about 60
  texts a second on two cores (10,000 texts in 2.7 minutes, once, then
  cached), so a larger pool would keep the round worker busy for too long;
  else auto uses tfidf and its record says why.

``auto`` is the text default: without the extra it is tfidf, and with it a
project that gains from embeddings gets them without knowing to ask.

The comparison embeds only the labeled texts; the whole pool is embedded (once,
in batches, then cached) only when embeddings or both win.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from activelabel import extras
from activelabel.loop.featurizers import feature_cache_dir, make_featurizer
from activelabel.loop.inputs import featurizer_inputs
from activelabel.loop.pool_memo import PoolMemo, PoolRow
from activelabel.ml.combined_features import combine_text_features
from activelabel.ml.feature_cache import FeatureCache
from activelabel.ml.featurizer import Featurizer
from activelabel.ml.model_families import train_family
from activelabel.store.engine import Store
from activelabel.store.model_versions import latest_model_version
from activelabel.store.models import Project
from activelabel.tasks import TaskAdapter

__all__ = [
    "AUTO_CANDIDATES",
    "AUTO_EMBEDDING_POOL",
    "AUTO_MIN_LABELS",
    "AUTO_MIN_PER_LABEL",
    "AUTO_RECHECK_GROWTH",
    "RoundFeatures",
    "compare_featurizers",
    "pick_featurizer",
    "round_features",
]

#: What ``auto`` compares, cheapest first (a tie goes to the cheaper).
AUTO_CANDIDATES = ("tfidf", "embeddings", "both")
#: Labels before ``auto`` compares featurizers...
AUTO_MIN_LABELS = 30
#: ...with at least two labels used this many times each.
AUTO_MIN_PER_LABEL = 5
#: A choice is compared again once the labels have grown by this factor.
AUTO_RECHECK_GROWTH = 2.0
#: Pools above this size are never embedded by ``auto`` (tfidf, or hashing):
#: at ~60 texts/s on two cores, 20,000 texts take about 5.5 minutes, once.
AUTO_EMBEDDING_POOL = 20_000


@dataclass
class RoundFeatures:
    """The round's feature matrix (one row per pool item) and where it came from."""

    X: Any
    #: The id the model version records (which featurizer made ``X``).
    featurizer_id: str
    #: What ``auto`` chose and why (``metrics["featurizer_choice"]``); None
    #: for a project that named its featurizer.
    choice: dict[str, Any] | None = None


def round_features(
    store: Store,
    project: Project,
    rows: list[PoolRow],
    *,
    adapter: TaskAdapter,
    labeled: np.ndarray[Any, Any],
    values: Sequence[Any],
    memo: PoolMemo | None = None,
    cache_dir: Path | None = None,
    pool_size: int | None = None,
) -> RoundFeatures:
    """The feature matrix of ``rows`` under the project's featurizer.

    ``labeled`` are the positions in ``rows`` of the labeled items and
    ``values`` their labels (what ``auto`` compares featurizers on).
    ``pool_size`` is the project's whole pool when ``rows`` are a sample of
    it (``auto`` embeds no pool over :data:`AUTO_EMBEDDING_POOL`).
    """
    matrices = _Matrices(store, project, rows, memo, cache_dir)
    name = project.settings.featurizer_for(project.modality)
    choice = None
    if name == "auto":
        name, choice = _choose(
            matrices,
            project,
            adapter,
            labeled,
            list(values),
            pool_size=len(rows) if pool_size is None else pool_size,
        )
    X, featurizer_id = matrices.full(name)
    return RoundFeatures(X=X, featurizer_id=featurizer_id, choice=choice)


class _Matrices:
    """The named matrices of one round's pool, each computed at most once."""

    def __init__(
        self,
        store: Store,
        project: Project,
        rows: list[PoolRow],
        memo: PoolMemo | None,
        cache_dir: Path | None,
    ) -> None:
        self.store, self.project, self.rows, self.memo = store, project, rows, memo
        self.cache = FeatureCache(feature_cache_dir(store, cache_dir))
        self.hashes = [r[1] for r in rows]
        self._inputs: Any = None
        self._made: dict[str, tuple[Any, str]] = {}
        self._featurizers: dict[str, Featurizer] = {}
        self._keys: dict[str, str] = {}

    def inputs(self) -> Any:
        """What the featurizers read (texts, ...), read from the store once."""
        if self._inputs is None:
            self._inputs = featurizer_inputs(self.store, self.project, self.rows)
        return self._inputs

    def featurizer(self, name: str) -> Featurizer:
        """One unfitted featurizer per name, kept: the embedding featurizer
        remembers what it embedded, so the pool re-embeds no labeled text."""
        if name not in self._featurizers:
            self._featurizers[name] = make_featurizer(
                self.project.modality, name, pool_size=len(self.rows)
            )
        return self._featurizers[name]

    def full(self, name: str) -> tuple[Any, str]:
        """The matrix of every row under ``name``, and its featurizer id."""
        if name in self._made:
            return self._made[name]
        if name == "both":
            tfidf, tfidf_id = self.full("tfidf")
            embedded, embedded_id = self.full("embeddings")
            featurizer_id = f"both[{tfidf_id}+{embedded_id}]"
            featurizer = self.featurizer("embeddings")
            X = self._kept(featurizer_id)
            if X is None:
                # Cached too, so that the memo keeps its key, not its pages.
                key = self._key(featurizer_id)
                X = self.cache.load(key)
                if X is None:
                    combined = combine_text_features(tfidf, embedded)
                    self.cache.save(key, combined)
                    X = self.cache.load(key)
                    if X is None:  # pragma: no cover - written just above
                        X = combined
                    del combined
                self._keep(featurizer_id, X, featurizer)
        else:
            featurizer = self.featurizer(name)
            featurizer_id = featurizer.featurizer_id
            X = self._kept(featurizer_id)
            if X is None:
                X, fitted = self.cache.get_or_compute(
                    featurizer, self.inputs, self.hashes, key=self._key(featurizer_id)
                )
                self._keep(featurizer_id, X, fitted)
        self._made[name] = (X, featurizer_id)
        return X, featurizer_id

    def _key(self, featurizer_id: str) -> str:
        """The feature cache's key of the pool under ``featurizer_id``; the
        memo's when it has it (hashing a million content hashes takes a while)."""
        if featurizer_id not in self._keys:
            kept = None
            if self.memo is not None:
                kept = self.memo.kept_key(featurizer_id, len(self.rows))
            self._keys[featurizer_id] = (
                kept if kept is not None else self.cache.key(featurizer_id, self.hashes)
            )
        return self._keys[featurizer_id]

    def labeled_rows(self, name: str, positions: np.ndarray[Any, Any]) -> Any:
        """The rows ``positions`` under ``name``; embeddings of those texts only,
        unless the whole pool's are at hand."""
        if name == "tfidf" or name in self._made:
            return self.full(name)[0][positions]
        if name == "both":
            return combine_text_features(
                self.full("tfidf")[0][positions],
                self.labeled_rows("embeddings", positions),
            )
        featurizer = self.featurizer(name)
        cached = self.cache.load(self._key(featurizer.featurizer_id))
        if cached is not None:
            return np.asarray(cached[positions])
        texts = self.inputs()
        X, _ = self.cache.get_or_compute(
            featurizer,
            [texts[int(p)] for p in positions],
            [self.hashes[int(p)] for p in positions],
        )
        return np.asarray(X)

    def _kept(self, featurizer_id: str) -> Any:
        if self.memo is None:
            return None
        kept = self.memo.kept_matrix(featurizer_id, len(self.rows))
        return None if kept is None else kept[0]

    def _keep(self, featurizer_id: str, X: Any, featurizer: Featurizer) -> None:
        if self.memo is not None:
            self.memo.keep_matrix(
                featurizer_id,
                len(self.rows),
                X,
                featurizer,
                cache=self.cache,
                key=self._key(featurizer_id),
            )


def _previous_choice(store: Store, project_id: int) -> dict[str, Any] | None:
    """The choice the newest model version recorded, if it compared featurizers."""
    with store.session() as session:
        version = latest_model_version(session, project_id=project_id)
        recorded = None if version is None else (version.metrics or {})
        choice = (recorded or {}).get("featurizer_choice")
    if isinstance(choice, dict) and choice.get("scores"):
        return choice
    return None


def _choose(
    matrices: _Matrices,
    project: Project,
    adapter: TaskAdapter,
    labeled: np.ndarray[Any, Any],
    values: list[Any],
    *,
    pool_size: int,
) -> tuple[str, dict[str, Any]]:
    """The featurizer ``auto`` uses this round, and the record saying why."""
    n = len(values)
    record: dict[str, Any] = {"chosen": "tfidf", "scores": {}, "n_labels": n}
    if not extras.embeddings_installed():
        record["note"] = (
            "auto uses tfidf: sentence embeddings need the embeddings extra "
            f"({extras.EMBEDDINGS_INSTALL})."
        )
        return "tfidf", record
    if pool_size > AUTO_EMBEDDING_POOL:
        record["note"] = (
            f"auto uses tfidf: pools over {AUTO_EMBEDDING_POOL:,} items are not "
            "embedded (choose embeddings to embed them anyway)."
        )
        return "tfidf", record
    counts = Counter(label for v in values for label in adapter.value_labels(v))
    used = sum(c >= AUTO_MIN_PER_LABEL for c in counts.values())
    if n < AUTO_MIN_LABELS or used < 2:
        record["note"] = (
            f"auto uses tfidf until {AUTO_MIN_LABELS} labels with two labels used "
            f"{AUTO_MIN_PER_LABEL} times each; then it compares tfidf, embeddings "
            "and both."
        )
        return "tfidf", record
    previous = _previous_choice(matrices.store, project.id)
    if (
        previous is not None
        and previous.get("chosen") in AUTO_CANDIDATES
        and n < AUTO_RECHECK_GROWTH * int(previous.get("n_labels", 0))
    ):
        return str(previous["chosen"]), dict(previous)
    family = adapter.model_family
    assert family is not None  # a round over feature rows trains a family
    scores = compare_featurizers(
        {name: matrices.labeled_rows(name, labeled) for name in AUTO_CANDIDATES},
        values,
        family=family,
        # On logistic whatever the project's model: AutoML searches models
        # later, and gradient boosting cannot read TF-IDF's sparse rows (a
        # project that asks for it learns on what wins, or is told to choose
        # dense features when TF-IDF does).
        kind="logistic",
    )
    best = pick_featurizer(scores)
    record.update(
        chosen=best,
        scores={k: round(v, 4) for k, v in scores.items()},
        metric="macro_f1",
        next_check=int(np.ceil(AUTO_RECHECK_GROWTH * n)),
    )
    return best, record


def compare_featurizers(
    matrices: Mapping[str, Any], values: Sequence[Any], *, family: str, kind: str
) -> dict[str, float]:
    """Each matrix's cross-validated macro-F1 with the model ``kind`` of
    ``family`` (-1 where no cross-validation is possible).

    The rows of every matrix are the same labeled items, ``values`` their
    labels; the fold plan depends on the labels and a fixed seed only, so each
    matrix is scored on the same folds.
    """
    scores: dict[str, float] = {}
    for name, X in matrices.items():
        trained = train_family(family, X, list(values), kind=kind)
        macro_f1 = trained.metrics.get("macro_f1")
        scores[name] = float(macro_f1) if macro_f1 is not None else -1.0
    return scores


def pick_featurizer(scores: Mapping[str, float]) -> str:
    """The best-scoring name; a tie goes to the one listed first (the cheaper)."""
    order = list(scores)
    return max(order, key=lambda name: (scores[name], -order.index(name)))
