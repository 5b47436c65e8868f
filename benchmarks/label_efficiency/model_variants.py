"""Variants that change the model or the features, not the strategy.

simulate refits one unfitted model per round (a clone of the template) on
one feature matrix. A project whose featurizer is ``auto`` compares
featurizers once in a while, and one whose model is ``auto`` searches now and
then and refits the winner in between. Both are emulated by a model that
carries a memo of its last choice across the clones of one run: the memo
object survives ``clone`` (its deep copy is itself), and a fresh one is made
for every seed (:func:`label_efficiency.runner.simulate_runs` calls the
factory per seed).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone


class RunMemo:
    """What a run's models remember between rounds; shared, not copied, by clone."""

    def __init__(self) -> None:
        self.choice: Any = None
        self.n_at_choice = 0
        self.history: list[dict[str, Any]] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> RunMemo:
        return self


class AutoFeaturizerModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """The ``auto`` text featurizer, as the round applies it, inside simulate.

    ``X`` is the ``both`` matrix (TF-IDF columns, then the embedding block
    weighted by ``weight``); the model sees the columns of the featurizer
    in force: TF-IDF until ``min_labels`` labels (two classes used
    ``min_per_label`` times each), then the best of tfidf, embeddings and
    both by cross-validated macro-F1 of activelabel's model, compared again
    whenever the labels have doubled. A fit on more than ``max_labels`` rows
    (simulate's all-label reference model) never compares. The strategy
    still measures coverage on the ``both`` matrix, which is the one
    difference from a project's round. ``model`` (unfitted) replaces
    activelabel's default model, e.g. :class:`CadencedAutoML`.
    """

    def __init__(
        self,
        n_tfidf: int = 0,
        weight: float = 1.0,
        memo: RunMemo | None = None,
        min_labels: int = 30,
        min_per_label: int = 5,
        max_labels: int = 300,
        model: Any = None,
    ) -> None:
        self.model = model
        self.n_tfidf = n_tfidf
        self.weight = weight
        self.memo = memo
        self.min_labels = min_labels
        self.min_per_label = min_per_label
        self.max_labels = max_labels

    def _columns(self, X: Any, name: str) -> Any:
        if name == "tfidf":
            return X[:, : self.n_tfidf]
        if name == "embeddings":
            return X[:, self.n_tfidf :] * (1.0 / self.weight)
        return X

    def _choose(self, X: Any, y: Any) -> str:
        from activelabel.ml.training import train_model

        memo = self.memo if self.memo is not None else RunMemo()
        n = len(y)
        counts = Counter(np.asarray(y).tolist())
        ready = (
            n >= self.min_labels
            and sum(c >= self.min_per_label for c in counts.values()) >= 2
        )
        if n > self.max_labels or not ready:
            return str(memo.choice or "tfidf")
        if memo.choice is not None and n < 2 * memo.n_at_choice:
            return str(memo.choice)
        scores = {}
        for name in ("tfidf", "embeddings", "both"):
            trained = train_model(self._columns(X, name), list(y))
            scores[name] = float(trained.metrics.get("macro_f1") or -1.0)
        best = max(scores, key=lambda k: scores[k])  # ties: the cheaper, first
        memo.choice, memo.n_at_choice = best, n
        memo.history.append({"n_labels": n, "scores": scores, "chosen": best})
        return best

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> AutoFeaturizerModel:
        """Choose the featurizer (if due), then fit activelabel's model on its columns."""
        from activelabel.ml.training import fit_quietly, make_estimator

        self.featurizer_ = self._choose(X, y)
        template = make_estimator() if self.model is None else clone(self.model)
        self.model_ = fit_quietly(
            template, self._columns(X, self.featurizer_), y, sample_weight
        )
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities from the columns of the featurizer in force."""
        return self.model_.predict_proba(self._columns(X, self.featurizer_))

    def predict(self, X: Any) -> Any:
        """Labels from the columns of the featurizer in force."""
        return self.model_.predict(self._columns(X, self.featurizer_))


def fresh(template: Any) -> Any:
    """``template`` with a new :class:`RunMemo` (one per seed), also for the
    model inside it."""
    made = clone(template).set_params(memo=RunMemo())
    if getattr(made, "model", None) is not None:
        made.set_params(model=clone(made.model).set_params(memo=RunMemo()))
    return made


class CadencedAutoML(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """``model=auto`` on a cadence: an AutoML search when the labels reach one
    of ``search_at``, and the last winner refitted every round in between.

    Before the first search the model is activelabel's default (balanced
    logistic regression). Each search gets ``time_budget`` seconds
    (:func:`activelabel.ml.automl.search_estimator`, which keeps the default
    unless a configuration beats its cross-validated macro-F1).
    """

    def __init__(
        self,
        time_budget: float = 10.0,
        search_at: tuple[int, ...] = (50, 100, 200),
        memo: RunMemo | None = None,
    ) -> None:
        self.time_budget = time_budget
        self.search_at = search_at
        self.memo = memo

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> CadencedAutoML:
        """Search if due, then fit the current winner on ``X``/``y``."""
        from activelabel.ml.automl import search_estimator
        from activelabel.ml.training import fit_quietly, make_estimator

        memo = self.memo if self.memo is not None else RunMemo()
        n = len(y)
        if n in self.search_at and n not in {h["n_labels"] for h in memo.history}:
            memo.choice = search_estimator(X, y, time_budget=self.time_budget)
            memo.history.append({"n_labels": n, "winner": repr(memo.choice)})
        template = memo.choice if memo.choice is not None else make_estimator()
        self.model_ = fit_quietly(clone(template), X, y, sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities of the current winner."""
        return self.model_.predict_proba(X)

    def predict(self, X: Any) -> Any:
        """Labels of the current winner."""
        return self.model_.predict(X)
