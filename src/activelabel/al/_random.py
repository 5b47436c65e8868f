"""Random sampling: the baseline every other strategy must beat."""

from __future__ import annotations

from typing import Any

from activelabel.al._base import FloatArray, IntArray, PoolContext, QueryStrategy
from activelabel.al._validation import check_random_state

__all__ = ["RandomSampling"]


class RandomSampling(QueryStrategy):
    """Pick unlabeled rows uniformly at random.

    It ignores the model. It is the honest baseline in every learning-curve
    comparison and the default order before any model exists.

    Parameters
    ----------
    random_state : int, numpy Generator or None, default=None
        Seeds the choice.
    """

    def __init__(self, *, random_state: Any = None) -> None:
        self.random_state = random_state

    def _check_params(self) -> None:
        check_random_state(self.random_state, owner=type(self).__name__)

    def _query(self, ctx: PoolContext) -> tuple[IntArray, FloatArray | None]:
        return ctx.select_uniform()
