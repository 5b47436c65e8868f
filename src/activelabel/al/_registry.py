"""Strategies by name, for the CLI, the server's settings and simulate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activelabel.al._base import QueryStrategy
from activelabel.al._cold_start import RepresentativeSampling
from activelabel.al._committee import QueryByCommittee
from activelabel.al._diversity import DiverseUncertaintySampling
from activelabel.al._random import RandomSampling
from activelabel.al._uncertainty import UncertaintySampling
from activelabel.exceptions import ConfigError

__all__ = ["DEFAULT_STRATEGY", "STRATEGY_NAMES", "default_strategy", "make_strategy"]

#: The strategy used when none is named.
DEFAULT_STRATEGY = "default"

_FACTORIES: dict[str, Callable[[Any], QueryStrategy]] = {
    "random": lambda rs: RandomSampling(random_state=rs),
    "least_confidence": lambda rs: UncertaintySampling(
        "least_confidence", random_state=rs
    ),
    "margin": lambda rs: UncertaintySampling("margin", random_state=rs),
    "entropy": lambda rs: UncertaintySampling("entropy", random_state=rs),
    "qbc_vote_entropy": lambda rs: QueryByCommittee(
        method="vote_entropy", random_state=rs
    ),
    "qbc_kl": lambda rs: QueryByCommittee(method="kl_divergence", random_state=rs),
    "diverse_margin": lambda rs: DiverseUncertaintySampling("margin", random_state=rs),
    "representative": lambda rs: RepresentativeSampling(random_state=rs),
}


def default_strategy(*, random_state: Any = None) -> QueryStrategy:
    """The shipped default: margin uncertainty, weighted by coverage gain, diversified.

    Chosen on the label-efficiency benchmarks (docs/benchmarks.md): smallest
    margin is the strongest single measure there, clustering the batch keeps a
    batch of 10+ from spending labels on near-duplicates, and weighting by
    coverage gain keeps it from spending them on uncertain outliers or on
    regions the labels already cover. The gain fades as the model grows sure
    of the data ("adaptive_coverage"), so that on an easy problem the batch
    stays on the boundary once the model has settled.
    """
    return DiverseUncertaintySampling("margin", random_state=random_state)


_FACTORIES[DEFAULT_STRATEGY] = lambda rs: default_strategy(random_state=rs)

#: Every name :func:`make_strategy` accepts, sorted.
STRATEGY_NAMES: tuple[str, ...] = tuple(sorted(_FACTORIES))


def make_strategy(name: str, *, random_state: Any = None) -> QueryStrategy:
    """Build the strategy called ``name`` (see :data:`STRATEGY_NAMES`)."""
    try:
        factory = _FACTORIES[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"Unknown strategy {name!r}; choose one of: {', '.join(STRATEGY_NAMES)}."
        ) from None
    return factory(random_state)
