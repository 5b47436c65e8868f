"""The label model: one label per item from the votes of the labeling functions.

Two models read the same ``n_items × n_functions`` int matrix (a label's
index, ``-1`` for an abstain; :meth:`LabelMatrix.dense`):

* :class:`MajorityVote`: the label most functions voted; ties go to the label
  voted most often over the whole matrix. The baseline every label model is
  reported against.
* :class:`DawidSkene`: the generative model of Snorkel's ``LabelModel``
  (Ratner et al., 2016/2019): the true label is a latent class, each function
  votes independently given it, with its own probability of every outcome
  *including abstaining* (a class-conditional confusion matrix with an
  abstain row), fitted by Dawid and Skene's EM (1979) as crowd-kit's
  ``DawidSkene`` fits it: initialised from majority vote, stopped when the
  evidence lower bound gains less than ``tol``.

Why abstains are modelled: a keyword function votes its one label or
abstains. Without an abstain outcome (crowd-kit's ``DawidSkene``, which reads
only the votes given) such a function's confusion matrix is ``P(spam | y) = 1``
for every ``y``: it carries no evidence at all, and the model falls back on
the prior. With it, "votes spam on 30 % of spam and 1 % of ham" is exactly
what the function knows.

Why not a library call (figures in docs/weak_supervision.md): crowd-kit's
``DawidSkene`` has no abstain outcome (on a million items and twenty keyword
functions it stopped after two iterations, in 11 s, naming the prior's label
for every item) and adds 220 MB (transformers, nltk); Snorkel's ``LabelModel``
needs torch, and PyPI's Linux torch brings CUDA.
Rows are fitted once per distinct vote pattern, weighted by how many items
share it: twenty keyword functions over a million texts make a few thousand
patterns, so a fit costs milliseconds after one pass to find the patterns.

A multilabel project fits one binary model per label
(:func:`fit_label_models`): "voted this label" or abstained, the other labels
ignored (voting "python" says nothing against "pytorch").

Pure NumPy: no store, no scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "DawidSkene",
    "MajorityVote",
    "VotePatterns",
    "accuracy_on",
]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

#: Probabilities are kept above this before a log (as crowd-kit clips them).
_EPS = 1e-10


@dataclass(frozen=True)
class VotePatterns:
    """The distinct rows of a vote matrix and how many items share each.

    ``patterns`` is ``n_patterns × n_functions`` (``-1`` abstain), ``counts``
    how many items have each, ``inverse`` each item's pattern.
    """

    patterns: np.ndarray[Any, np.dtype[np.int32]]
    counts: FloatArray
    inverse: IntArray

    @classmethod
    def of(cls, votes: np.ndarray[Any, Any], n_classes: int) -> VotePatterns:
        """The patterns of ``votes`` (an int matrix, ``-1`` abstain)."""
        votes = np.asarray(votes)
        n, m = votes.shape
        if n == 0:
            return cls(
                np.zeros((0, m), dtype=np.int32),
                np.zeros(0),
                np.zeros(0, dtype=np.int64),
            )
        base = n_classes + 1
        if m == 0 or m * math.log2(base) <= 62:
            # One integer key per row: sorting a million int64 keys is a
            # tenth of what sorting a million rows of 20 columns costs.
            keys = np.zeros(n, dtype=np.int64)
            for j in range(m):
                keys = keys * base + (votes[:, j].astype(np.int64) + 1)
            _, first, inverse, counts = np.unique(
                keys, return_index=True, return_inverse=True, return_counts=True
            )
            patterns = votes[first].astype(np.int32)
        else:
            patterns, inverse, counts = np.unique(
                votes.astype(np.int32), axis=0, return_inverse=True, return_counts=True
            )
        return cls(
            patterns=patterns,
            counts=counts.astype(np.float64),
            inverse=np.asarray(inverse, dtype=np.int64).reshape(-1),
        )


def _vote_counts(patterns: np.ndarray[Any, Any], n_classes: int) -> FloatArray:
    """``n_patterns × n_classes``: how many functions voted each label."""
    counts = np.zeros((patterns.shape[0], n_classes))
    for j in range(patterns.shape[1]):
        voted = patterns[:, j] >= 0
        np.add.at(counts, (np.flatnonzero(voted), patterns[voted, j]), 1.0)
    return counts


class MajorityVote:
    """The label most functions voted for an item.

    ``predict_proba`` gives each label's share of the item's votes (a row of
    zeros for an item nobody voted on); ``predict`` the most voted label, a
    tie going to the label voted most often in the whole matrix (then the
    lowest index), ``-1`` for an item without votes.
    """

    def __init__(self, n_classes: int) -> None:
        self.n_classes = n_classes

    def predict_proba(self, votes: np.ndarray[Any, Any]) -> FloatArray:
        """Each label's share of each item's votes."""
        patterns = VotePatterns.of(votes, self.n_classes)
        counts = _vote_counts(patterns.patterns, self.n_classes)
        totals = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        return np.asarray(shares[patterns.inverse], dtype=np.float64)

    def predict(self, votes: np.ndarray[Any, Any]) -> IntArray:
        """The majority label of each item (``-1`` without votes)."""
        proba = self.predict_proba(votes)
        overall = np.bincount(
            np.asarray(votes)[np.asarray(votes) >= 0].astype(np.int64),
            minlength=self.n_classes,
        )
        # Ties broken by the overall frequency: a tiny bonus below one vote.
        bonus = overall / (overall.max() + 1.0) * 1e-6 if overall.size else 0.0
        best = np.argmax(proba + bonus, axis=1).astype(np.int64)
        best[proba.sum(axis=1) == 0] = -1
        return np.asarray(best, dtype=np.int64)


class DawidSkene:
    """Dawid-Skene with abstains: class-conditional confusion of every function.

    Parameters
    ----------
    n_classes:
        How many labels (the matrix holds indices ``0 … n_classes-1``).
    n_iter:
        Most EM iterations.
    tol:
        Stop when the evidence lower bound per vote gains less than this.

    Attributes (after :meth:`fit`)
    ------------------------------
    priors_:
        ``P(y = c)``, shape ``(n_classes,)``.
    errors_:
        ``P(function j outputs o | y = c)``, shape
        ``(n_functions, n_classes + 1, n_classes)``; outcome ``o`` is the
        label index, the last outcome (``-1``) abstaining.
    n_iter_:
        Iterations run.
    """

    def __init__(self, n_classes: int, *, n_iter: int = 100, tol: float = 1e-5) -> None:
        if n_classes < 1:
            raise ValueError("A label model needs at least one label.")
        self.n_classes = n_classes
        self.n_iter = n_iter
        self.tol = tol

    def fit(self, votes: np.ndarray[Any, Any]) -> DawidSkene:
        """Fit on ``votes`` (``n_items × n_functions``, ``-1`` abstain)."""
        patterns = VotePatterns.of(votes, self.n_classes)
        return self.fit_patterns(patterns.patterns, patterns.counts)

    def fit_patterns(
        self,
        patterns: np.ndarray[Any, Any],
        counts: np.ndarray[Any, Any],
        *,
        silent_start: np.ndarray[Any, Any] | None = None,
    ) -> DawidSkene:
        """Fit on distinct vote rows ``patterns``, row ``u`` standing for
        ``counts[u]`` items (what :class:`VotePatterns` gives).

        ``silent_start`` is where the EM starts rows without a vote (default:
        uniform). A yes/no model whose functions only ever vote "yes" starts
        them at "no": from uniform, a single function cannot tell its silence
        from half the items being "yes", and EM settles there.
        """
        k = self.n_classes
        patterns = np.asarray(patterns, dtype=np.int64)
        weights = np.asarray(counts, dtype=np.float64)
        outcomes = _outcomes(patterns, k)
        vote_counts = _vote_counts(patterns, k)
        totals = vote_counts.sum(axis=1, keepdims=True)
        # Majority vote starts the EM; an item without votes at silent_start.
        start = (
            np.full(k, 1.0 / k)
            if silent_start is None
            else np.asarray(silent_start, dtype=np.float64)
        )
        proba = np.divide(
            vote_counts,
            totals,
            out=np.tile(start, (len(vote_counts), 1)),
            where=totals > 0,
        ).T.copy()
        priors = self._priors(proba, weights)
        errors = self._m_step(outcomes, proba, weights)
        loss = -np.inf
        self.n_iter_ = 0
        total = weights.sum()
        for _ in range(self.n_iter):
            self.n_iter_ += 1
            proba, log_likelihood = self._e_step(outcomes, priors, errors)
            priors = self._priors(proba, weights)
            errors = self._m_step(outcomes, proba, weights)
            # The data's log-likelihood per item never falls under EM: stop
            # when it gains less than tol.
            new_loss = float(log_likelihood @ weights / total) if total > 0 else 0.0
            if new_loss - loss < self.tol:
                break
            loss = new_loss
        self.priors_ = priors
        self.errors_ = errors
        return self

    def predict_proba(self, votes: np.ndarray[Any, Any]) -> FloatArray:
        """``P(y = c | votes)`` for each item."""
        patterns = VotePatterns.of(votes, self.n_classes)
        proba = self.predict_proba_patterns(patterns.patterns)
        return np.asarray(proba[patterns.inverse], dtype=np.float64)

    def predict_proba_patterns(self, patterns: np.ndarray[Any, Any]) -> FloatArray:
        """``P(y = c | pattern)`` for each distinct vote row."""
        outcomes = _outcomes(np.asarray(patterns), self.n_classes)
        proba, _ = self._e_step(outcomes, self.priors_, self.errors_)
        return np.ascontiguousarray(proba.T)

    @property
    def accuracies_(self) -> FloatArray:
        """Each function's accuracy when it votes: ``P(vote = y | voted)``."""
        k = self.n_classes
        joint = self.errors_[:, :k, :] * self.priors_[None, None, :]
        right = np.einsum("jcc->j", joint)
        voted = joint.sum(axis=(1, 2))
        accuracy = np.divide(right, voted, out=np.zeros_like(right), where=voted > 0)
        return np.asarray(accuracy, dtype=np.float64)

    # --- EM steps -----------------------------------------------------------

    # The EM keeps its arrays class-major: ``outcomes`` is ``n_functions ×
    # n_patterns``, ``proba`` ``n_classes × n_patterns``, so every step is
    # one-dimensional gathers and bincounts over contiguous rows.

    @staticmethod
    def _priors(proba: FloatArray, weights: FloatArray) -> FloatArray:
        total = weights.sum()
        if total <= 0:
            return np.full(proba.shape[0], 1.0 / proba.shape[0])
        return np.asarray(proba @ weights / total)

    def _m_step(
        self, outcomes: np.ndarray[Any, Any], proba: FloatArray, weights: FloatArray
    ) -> FloatArray:
        k = self.n_classes
        weighted = proba * weights[None, :]
        errors = np.empty((outcomes.shape[0], k + 1, k))
        for j, row in enumerate(outcomes):
            for c in range(k):
                errors[j, :, c] = np.bincount(row, weights=weighted[c], minlength=k + 1)
        np.clip(errors, _EPS, None, out=errors)
        errors /= errors.sum(axis=1, keepdims=True)
        return errors

    def _e_step(
        self, outcomes: np.ndarray[Any, Any], priors: FloatArray, errors: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """The posterior of each class per pattern, and each pattern's log-likelihood."""
        log_errors = np.log(errors)
        log_priors = np.log(np.clip(priors, _EPS, None))
        joint = np.empty((self.n_classes, outcomes.shape[1]))
        for c in range(self.n_classes):
            joint[c] = log_priors[c]
            for j, row in enumerate(outcomes):
                joint[c] += log_errors[j, :, c].take(row)
        top = joint.max(axis=0)
        like = np.exp(joint - top)
        total = like.sum(axis=0)
        return like / total, top + np.log(total)


def _outcomes(patterns: np.ndarray[Any, Any], k: int) -> np.ndarray[Any, Any]:
    """Each cell's outcome (the label, or ``k`` for an abstain), function-major."""
    return np.ascontiguousarray(np.where(patterns < 0, k, patterns).T, dtype=np.intp)


def accuracy_on(predicted: IntArray, truth: IntArray) -> tuple[float | None, int]:
    """The share of ``predicted`` equal to ``truth`` where ``truth >= 0``, and
    over how many items (an abstain, ``-1``, counts as wrong)."""
    known = np.asarray(truth) >= 0
    n = int(known.sum())
    if n == 0:
        return None, 0
    return float((np.asarray(predicted)[known] == np.asarray(truth)[known]).mean()), n
