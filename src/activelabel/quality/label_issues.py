"""Likely mislabeled items, and the consensus of several annotators (cleanlab).

Pure: arrays in, arrays out, nothing from the store. Both functions read
*out-of-fold* probabilities, each item's probabilities from a model that did
not see its label (the round's cross-validation keeps them:
:attr:`activelabel.ml.training.TrainedModel.oof_proba`); a model scored on
the labels it learned from would agree with its own mistakes.

* :func:`find_label_issues` is cleanlab's confident learning: items whose
  given label the out-of-fold model finds unlikely, beyond the noise rate it
  estimates per pair of classes (``prune_by_noise_rate``), ranked by the
  label's self-confidence (the probability of the given label, lowest
  first). Multi-label items go through cleanlab's multi-label helpers, which
  judge each label of the set as a yes/no question.
* :func:`crowd_consensus` is CROWDLAB
  (``cleanlab.multiannotator.get_label_quality_multiannotator``): with several
  annotators per item, a consensus label per item weighted by each annotator's
  estimated quality and the model's, and a quality score per annotator.

cleanlab is imported on first use: it costs a second of import time that a
round without labels, or the server, never needs.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from activelabel.exceptions import InvalidLabelError

__all__ = ["Consensus", "FoundIssues", "crowd_consensus", "find_label_issues"]


@dataclass(frozen=True)
class FoundIssues:
    """The items the finder flags, most likely mislabeled first."""

    #: Positions into the arrays given, most likely mislabeled first.
    positions: npt.NDArray[np.intp]
    #: cleanlab's label quality score of each (0-1, low: likely mislabeled).
    quality: npt.NDArray[np.float64]
    #: The value the out-of-fold model suggests for each.
    suggested: list[Any]
    #: How many items were judged (rows that were held out once).
    n_judged: int


@contextlib.contextmanager
def _quiet_cleanlab() -> Iterator[None]:
    """cleanlab's warnings (a class with few examples, an annotator with one
    label) speak of its arguments; the figures are what a person reads."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="cleanlab")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="cleanlab")
        yield


def _held_out(proba: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Rows with probabilities: the cross-validation held them out once."""
    return np.flatnonzero(~np.isnan(proba).any(axis=1))


def find_label_issues(
    given: Sequence[Any],
    proba: Any,
    classes: Sequence[Any],
    *,
    multilabel: bool = False,
) -> FoundIssues:
    """Rank the items whose ``given`` labels look wrong by ``proba``.

    ``given[i]`` is the label (or, ``multilabel``, the list of labels) of row
    ``i``; ``proba`` holds its out-of-fold probabilities, one column per
    entry of ``classes`` (NaN rows are skipped: never held out). Returns the
    flagged items ranked by self-confidence, each with its quality score and
    the model's suggestion. Raises :class:`InvalidLabelError` when a given
    label is not one of ``classes`` or the shapes differ.
    """
    proba = np.asarray(proba, dtype=np.float64)
    names = list(classes)
    if proba.ndim != 2 or proba.shape != (len(given), len(names)):
        raise InvalidLabelError(
            f"The out-of-fold probabilities have shape {proba.shape}; expected "
            f"{len(given)} rows (one per label) and {len(names)} columns (one "
            "per class)."
        )
    rows = _held_out(proba)
    empty = FoundIssues(np.array([], np.intp), np.array([]), [], int(rows.size))
    if rows.size < 2 or len(names) < 2:
        return empty
    index = {name: k for k, name in enumerate(names)}
    try:
        if multilabel:
            labels: Any = [sorted(index[v] for v in given[int(r)]) for r in rows]
        else:
            labels = np.fromiter(
                (index[given[int(r)]] for r in rows), dtype=np.intp, count=rows.size
            )
    except KeyError as exc:
        raise InvalidLabelError(
            f"The label {exc.args[0]!r} is not one of the model's classes "
            f"({', '.join(map(str, names))})."
        ) from None
    held = proba[rows]
    with _quiet_cleanlab():
        if multilabel:
            flagged, scores = _multilabel_issues(labels, held)
        else:
            flagged, scores = _single_label_issues(labels, held)
    if not flagged.size:
        return empty
    order = flagged[np.argsort(scores[flagged], kind="stable")]
    if multilabel:
        suggested: list[Any] = [
            [names[j] for j in np.flatnonzero(held[i] >= 0.5)] for i in order
        ]
    else:
        suggested = [names[int(j)] for j in held[order].argmax(axis=1)]
    return FoundIssues(
        positions=rows[order].astype(np.intp),
        quality=scores[order].astype(np.float64),
        suggested=suggested,
        n_judged=int(rows.size),
    )


def _single_label_issues(
    labels: npt.NDArray[np.intp], proba: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    from cleanlab.filter import find_label_issues as cleanlab_issues
    from cleanlab.rank import get_label_quality_scores

    present = np.unique(labels)
    if present.size < 2:
        return np.array([], np.intp), np.zeros(labels.size)
    # cleanlab estimates noise between the classes that hold labels: columns of
    # classes no held-out row holds (a class labeled once) are left out and
    # the rows renormalized.
    columns = proba[:, present]
    sums = columns.sum(axis=1, keepdims=True)
    columns = np.divide(
        columns, sums, out=np.full_like(columns, 1 / present.size), where=sums > 0
    )
    compact = np.searchsorted(present, labels)
    # n_jobs=1: cleanlab would otherwise start a process pool inside the
    # round's worker; one process is fast enough (bench_quality.py).
    mask = cleanlab_issues(compact, columns, filter_by="prune_by_noise_rate", n_jobs=1)
    scores = get_label_quality_scores(compact, columns, method="self_confidence")
    return np.flatnonzero(mask).astype(np.intp), np.asarray(scores, np.float64)


def _multilabel_issues(
    labels: list[list[int]], proba: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    from cleanlab.multilabel_classification.filter import (
        find_label_issues as multilabel_issues,
    )
    from cleanlab.multilabel_classification.rank import get_label_quality_scores

    if proba.shape[1] < 2:
        return np.array([], np.intp), np.zeros(len(labels))
    mask = multilabel_issues(labels, proba, filter_by="prune_by_noise_rate", n_jobs=1)
    scores = get_label_quality_scores(labels, proba)
    return np.flatnonzero(mask).astype(np.intp), np.asarray(scores, np.float64)


@dataclass(frozen=True)
class Consensus:
    """CROWDLAB's answer over items labeled by several annotators."""

    #: The consensus label of each item (in the order given).
    labels: list[Any]
    #: How sure the consensus is (0-1), per item.
    quality: npt.NDArray[np.float64]
    #: Each annotator's quality score (0-1): how often their labels match the
    #: consensus, weighted by how sure it is.
    annotator_quality: dict[str, float]
    #: Each annotator's agreement with the consensus (share of their labels).
    annotator_agreement: dict[str, float]
    #: How many labels each annotator gave among these items.
    annotator_labels: dict[str, int]


def crowd_consensus(
    labels: Sequence[Sequence[Any | None]],
    proba: Any,
    classes: Sequence[Any],
    annotators: Sequence[str],
) -> Consensus:
    """CROWDLAB over ``labels[i][a]``: annotator ``a``'s label of item ``i`` (None: not
    labeled), with the items' out-of-fold ``proba`` (one column per class).

    Needs at least one item labeled by two annotators; raises
    :class:`InvalidLabelError` with a sentence otherwise, or when a label is
    not one of ``classes``.
    """
    from cleanlab.multiannotator import get_label_quality_multiannotator

    proba = np.asarray(proba, dtype=np.float64)
    names = list(classes)
    index = {name: float(k) for k, name in enumerate(names)}
    matrix = np.full((len(labels), len(annotators)), np.nan)
    for i, row in enumerate(labels):
        for a, value in enumerate(row):
            if value is None:
                continue
            if value not in index:
                raise InvalidLabelError(
                    f"{annotators[a]}'s label {value!r} is not one of the model's "
                    f"classes ({', '.join(map(str, names))})."
                )
            matrix[i, a] = index[value]
    counts = (~np.isnan(matrix)).sum(axis=1)
    if not (counts >= 2).any():
        raise InvalidLabelError(
            "The consensus of several annotators needs items that two or more "
            "annotators labeled; no item has two labels yet (set the project's "
            "overlap to 2 or more)."
        )
    given = ~np.isnan(matrix).all(axis=0)
    import pandas as pd

    frame = pd.DataFrame(
        matrix[:, given],
        columns=[a for a, g in zip(annotators, given, strict=True) if g],
    )
    with _quiet_cleanlab():
        result = get_label_quality_multiannotator(frame, proba, verbose=False)
    per_item = result["label_quality"]
    stats = result["annotator_stats"]
    return Consensus(
        labels=[names[int(k)] for k in per_item["consensus_label"]],
        quality=per_item["consensus_quality_score"].to_numpy(np.float64),
        annotator_quality={
            str(a): float(q) for a, q in stats["annotator_quality"].items()
        },
        annotator_agreement={
            str(a): float(q) for a, q in stats["agreement_with_consensus"].items()
        },
        annotator_labels={
            str(a): int(n) for a, n in stats["num_examples_labeled"].items()
        },
    )
