"""The sentence strategies by name: one score per sentence from a sequence model.

:mod:`activelabel.al.sequence_scores` measures a sentence by its tokens'
mean: MNLP and mean token entropy divide by the length, so that a long
sentence does not look informative only for being long. That is the right
measure when a label costs per token. In the loop a label costs per
*sentence* (one Enter per sentence), and a long sentence holds more entities
to learn from, so two strategies here keep the length in:

``least_confidence``
    ``1 - P(best path)``, the path's probability taken as the product of each
    token's highest marginal (the un-normalised form of MNLP).
``total_token_entropy``
    The sum of the tokens' entropies (each over ``log`` of the number of
    tags), mapped into [0, 1) by ``1 - exp(-sum)`` (the order is kept, and
    the scores stay on the [0, 1] scale the batch's diversity weighting reads).

Every strategy is called with the chunk's marginals, the model's spans and
the dictionary's spans (the last two only filled for a strategy listed in
:data:`NEEDS_SPANS`), and returns one score per sentence, higher first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np

from activelabel.al.sequence_scores import (
    dictionary_disagreement,
    mean_token_entropy,
    mnlp,
)

__all__ = [
    "NEEDS_SPANS",
    "SENTENCE_SCORES",
    "least_confidence",
    "total_token_entropy",
]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _lengths(marginals: Sequence[Any]) -> FloatArray:
    return np.fromiter(
        (len(m) for m in marginals), dtype=np.float64, count=len(marginals)
    )


def least_confidence(marginals: Sequence[Any]) -> FloatArray:
    """``1 - prod_t max_y p_t(y)`` per sentence (0 for an empty one)."""
    # MNLP is 1 - exp(mean log max); the product is exp(n * mean log max).
    mean_log = np.log(np.clip(1.0 - mnlp(marginals), 1e-300, 1.0))
    return np.clip(1.0 - np.exp(_lengths(marginals) * mean_log), 0.0, 1.0)


def total_token_entropy(marginals: Sequence[Any]) -> FloatArray:
    """``1 - exp(-sum_t H_t / log K)`` per sentence (0 for an empty one)."""
    total = mean_token_entropy(marginals) * _lengths(marginals)
    return np.clip(1.0 - np.exp(-total), 0.0, 1.0)


#: A strategy: (marginals, model spans, dictionary spans) -> scores.
SentenceScore = Callable[[Sequence[Any], Sequence[Any], Sequence[Any]], FloatArray]

#: Every sentence strategy by name.
SENTENCE_SCORES: Final[dict[str, SentenceScore]] = {
    "least_confidence": lambda m, ours, theirs: least_confidence(m),
    "total_token_entropy": lambda m, ours, theirs: total_token_entropy(m),
    "mnlp": lambda m, ours, theirs: mnlp(m),
    "token_entropy": lambda m, ours, theirs: mean_token_entropy(m),
    "dictionary_disagreement": lambda m, ours, theirs: dictionary_disagreement(
        ours, theirs
    ),
}

#: Strategies that compare the model's spans with the dictionary's.
NEEDS_SPANS: Final = frozenset({"dictionary_disagreement"})
