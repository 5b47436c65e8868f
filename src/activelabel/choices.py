"""Names the command line offers before the heavy libraries load.

The strategy registry and the training module import scikit-learn and skops,
which take seconds; help texts only need the names. A test keeps these tuples
equal to what the registry and the trainer accept.
"""

from __future__ import annotations

__all__ = ["MODEL_KINDS", "QUERY_STRATEGIES", "STRATEGY_NAMES"]

#: Query strategies :func:`activelabel.al.make_strategy` builds, sorted.
STRATEGY_NAMES: tuple[str, ...] = (
    "default",
    "diverse_margin",
    "entropy",
    "least_confidence",
    "margin",
    "qbc_kl",
    "qbc_vote_entropy",
    "random",
    "representative",
)

#: Strategies the queries dataset scores each item under
#: (:data:`activelabel.loop.query_scores.QUERY_STRATEGIES`).
QUERY_STRATEGIES: tuple[str, ...] = ("least_confidence", "margin", "entropy")

#: Classifiers :func:`activelabel.ml.make_estimator` builds.
MODEL_KINDS: tuple[str, ...] = ("logistic", "gradient_boosting")
