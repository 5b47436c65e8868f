"""Active learning: query strategies, batch selection, stopping, simulation.

Every pool strategy has one signature::

    strategy.query(X, y, *, estimator, candidates=None, batch_size=1,
                   return_scores=False)

``y`` marks unlabeled rows with :data:`MISSING_LABEL` (NaN) or None; the
result is positions in ``X``. Scoring is separate from selection: the pure
measures live in :mod:`activelabel.al.scores`, and :func:`select_batch` picks
the top in O(N) with a random tie-break.
"""

from __future__ import annotations

from activelabel.al._base import QueryStrategy
from activelabel.al._cold_start import RepresentativeSampling
from activelabel.al._committee import QueryByCommittee
from activelabel.al._diversity import DiverseUncertaintySampling
from activelabel.al._random import RandomSampling
from activelabel.al._registry import (
    DEFAULT_STRATEGY,
    STRATEGY_NAMES,
    default_strategy,
    make_strategy,
)
from activelabel.al._stream import AutoAccepted, ConfidenceThresholdStream
from activelabel.al._uncertainty import UncertaintySampling
from activelabel.al._validation import MISSING_LABEL
from activelabel.al.selection import TopKAccumulator, select_batch
from activelabel.al.simulate import SimulationResult, learning_curve_area, simulate
from activelabel.al.stopping import StoppingSignal, agreement_kappa, select_stop_set

__all__ = [
    "DEFAULT_STRATEGY",
    "MISSING_LABEL",
    "STRATEGY_NAMES",
    "AutoAccepted",
    "ConfidenceThresholdStream",
    "DiverseUncertaintySampling",
    "QueryByCommittee",
    "QueryStrategy",
    "RandomSampling",
    "RepresentativeSampling",
    "SimulationResult",
    "StoppingSignal",
    "TopKAccumulator",
    "UncertaintySampling",
    "agreement_kappa",
    "default_strategy",
    "learning_curve_area",
    "make_strategy",
    "select_batch",
    "select_stop_set",
    "simulate",
]
