"""Informativeness of whole sentences, from a sequence model's marginals.

A CRF gives, for each token, a probability per tag (its marginals). The
scores here turn those into one number per sentence in [0, 1], higher for a
sentence worth labeling, so a strategy takes the highest as for items:

* :func:`mnlp` (Shen et al. 2017, "Deep Active Learning for Named Entity
  Recognition"): the best path's log-probability normalised by the sentence
  length, so long sentences are not favoured just for being long. We compute
  it from the marginals as ``1 - exp(mean_t log max_y p_t(y))``: one minus the
  geometric mean of each token's highest marginal. Why not the Viterbi path's
  exact probability: that needs a second decoding pass per sentence, while the
  marginals are already computed for the suggestions; where the model is sure
  of each token the two agree, and both rank a confused token first. The
  ``1 - exp(.)`` maps the normalised log-probability (in (-inf, 0]) into
  [0, 1) without changing the order.
* :func:`mean_token_entropy`: the mean over tokens of each token's entropy,
  divided by ``log(number of tags)``.
* :func:`dictionary_disagreement`: one minus the span-level F1 between what
  the model and the dictionary of labeled surface forms suggest.

:func:`spans_from_marginals` decodes a sentence's suggested spans.

Marginals are given per sentence either as a list of ``{tag: probability}``
dicts (one per token, as :meth:`SequenceModel.predict_marginals` returns) or
as a 2-D array ``(tokens, tags)``. The scores do not depend on the order of
the tags, so dicts are read in their own order. An empty sentence scores 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "SEQUENCE_STRATEGIES",
    "dictionary_disagreement",
    "mean_token_entropy",
    "mnlp",
    "spans_from_marginals",
]

#: The sentence strategies a span task offers, by name.
SEQUENCE_STRATEGIES: Final = ("mnlp", "token_entropy", "dictionary_disagreement")

FloatArray = npt.NDArray[np.float64]
SentenceMarginals = Sequence[Mapping[str, float]] | npt.NDArray[Any]

# A probability of exactly 0 would give log(0); marginals are clipped here.
_TINY: Final = 1e-12


def _stacked(
    marginals: Sequence[SentenceMarginals],
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """All tokens' marginals as one (tokens, tags) array, and sentence bounds.

    ``bounds[i]:bounds[i + 1]`` are the rows of sentence ``i``.
    """
    lengths = np.fromiter(
        (len(m) for m in marginals), dtype=np.intp, count=len(marginals)
    )
    bounds = np.zeros(len(marginals) + 1, dtype=np.intp)
    np.cumsum(lengths, out=bounds[1:])
    rows: list[Any] = []
    for m in marginals:
        if isinstance(m, np.ndarray):
            if m.size:
                rows.append(np.asarray(m, dtype=np.float64))
        elif m:
            rows.append(
                np.array([list(token.values()) for token in m], dtype=np.float64)
            )
    if not rows:
        return np.zeros((0, 1)), bounds
    widths = {r.shape[1] for r in rows}
    if len(widths) != 1:
        raise ValueError(
            f"Marginals over different numbers of tags ({sorted(widths)}) cannot be "
            "scored together; they must come from one model."
        )
    return np.concatenate(rows), bounds


def _mean_per_sentence(values: FloatArray, bounds: npt.NDArray[np.intp]) -> FloatArray:
    """Mean of ``values`` over each sentence's rows (0 for an empty sentence)."""
    sums = np.concatenate(([0.0], np.cumsum(values)))
    totals = sums[bounds[1:]] - sums[bounds[:-1]]
    counts = np.diff(bounds)
    means: FloatArray = np.divide(
        totals, counts, out=np.zeros(len(counts), dtype=np.float64), where=counts > 0
    )
    return means


def mnlp(marginals: Sequence[SentenceMarginals]) -> FloatArray:
    """``1 - exp(mean log max-marginal)`` per sentence: see the module docstring."""
    stacked, bounds = _stacked(marginals)
    if not stacked.shape[0]:
        return np.zeros(len(marginals))
    log_best = np.log(np.clip(stacked.max(axis=1), _TINY, 1.0))
    mean_log = _mean_per_sentence(log_best, bounds)
    scores = 1.0 - np.exp(mean_log)
    scores[np.diff(bounds) == 0] = 0.0
    return np.clip(scores, 0.0, 1.0)


def mean_token_entropy(marginals: Sequence[SentenceMarginals]) -> FloatArray:
    """Mean over tokens of the tag entropy divided by ``log(number of tags)``."""
    stacked, bounds = _stacked(marginals)
    n_tags = stacked.shape[1]
    if not stacked.shape[0] or n_tags < 2:
        return np.zeros(len(marginals))
    p = np.clip(stacked, 0.0, 1.0)
    # 0 log 0 is 0: log(1) stands in where p is 0, so a sure token scores 0 exactly.
    entropy = -(p * np.log(np.where(p > 0.0, p, 1.0))).sum(axis=1) / np.log(n_tags)
    return np.clip(_mean_per_sentence(entropy, bounds), 0.0, 1.0)


def _span_keys(spans: Sequence[Mapping[str, Any]]) -> set[tuple[int, int, str]]:
    return {(int(s["start"]), int(s["end"]), str(s["label"])) for s in spans}


def dictionary_disagreement(
    model_spans: Sequence[Sequence[Mapping[str, Any]]],
    dictionary_spans: Sequence[Sequence[Mapping[str, Any]]],
) -> FloatArray:
    """``1 - F1`` between the model's and the dictionary's spans, per sentence.

    Spans agree when start, end and label are equal. Two empty suggestions
    agree (score 0); one empty against one not disagrees fully (score 1).
    """
    if len(model_spans) != len(dictionary_spans):
        raise ValueError(
            f"dictionary_disagreement got {len(model_spans)} sentences of model spans "
            f"but {len(dictionary_spans)} of dictionary spans; they must match."
        )
    out = np.zeros(len(model_spans))
    for i, (ours, theirs) in enumerate(zip(model_spans, dictionary_spans, strict=True)):
        if not ours and not theirs:
            continue
        a, b = _span_keys(ours), _span_keys(theirs)
        out[i] = 1.0 - 2.0 * len(a & b) / (len(a) + len(b))
    return out


def spans_from_marginals(
    tokens: Sequence[tuple[int, int]],
    marginals: SentenceMarginals,
    labels: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The sentence's entities by each token's most probable IOB2 tag.

    Returns ``{"start", "end", "label", "source": "model", "confidence"}``
    with character offsets from ``tokens`` and the confidence the mean of the
    entity's tokens' highest marginals. An ``I-X`` that does not continue an
    ``X`` entity starts one, as IOB1 reads it. ``marginals`` may be a
    ``(tokens, tags)`` array, its columns named by ``labels``.
    """
    if len(tokens) != len(marginals):
        raise ValueError(
            f"spans_from_marginals got {len(tokens)} tokens but marginals for "
            f"{len(marginals)}; they must match."
        )
    spans: list[dict[str, Any]] = []
    label: str | None = None
    first = 0
    probs: list[float] = []

    def close(last: int) -> None:
        if label is not None:
            spans.append(
                {
                    "start": int(tokens[first][0]),
                    "end": int(tokens[last][1]),
                    "label": label,
                    "source": "model",
                    "confidence": float(sum(probs) / len(probs)),
                }
            )

    best: list[tuple[str, float]]
    if isinstance(marginals, np.ndarray):
        if labels is None or len(labels) != marginals.shape[1]:
            raise ValueError(
                "spans_from_marginals needs the labels of the marginal array's "
                f"{marginals.shape[1] if marginals.ndim == 2 else '?'} columns."
            )
        columns = marginals.argmax(axis=1).tolist() if len(marginals) else []
        best = [
            (labels[j], float(p))
            for j, p in zip(columns, marginals.max(axis=1).tolist(), strict=True)
        ]
    else:
        best = [max(m.items(), key=lambda kv: kv[1]) for m in marginals]
    for i, (tag, p) in enumerate(best):
        kind, entity = tag[:2], tag[2:]
        if kind == "I-" and entity == label:
            probs.append(p)
            continue
        close(i - 1)
        if kind in ("B-", "I-") and entity:
            label, first, probs = entity, i, [p]
        else:
            label, probs = None, []
    close(len(marginals) - 1)
    return spans
