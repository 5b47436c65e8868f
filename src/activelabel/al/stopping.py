"""When to stop labeling: stabilizing predictions plus the CV-score curve.

Bloodgood & Vijay-Shanker (2009), "A method for stopping active learning based
on stabilizing predictions": fix a *stop set* of unlabeled items once; after
each training round predict it and compare with the previous model using
Cohen's kappa. When kappa stays >= ``threshold`` (0.99) for ``window`` (3)
rounds in a row, new labels no longer change what the model says, and more
labeling pays little. The CV score of each round is recorded beside it, so the
page can show both curves; :meth:`StoppingSignal.to_dict` is that data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import cohen_kappa_score

from activelabel.al._validation import check_int, check_probability, labeled_mask
from activelabel.exceptions import ConfigError

__all__ = ["StoppingSignal", "agreement_kappa", "select_stop_set"]


def agreement_kappa(previous: Any, current: Any) -> float:
    """Cohen's kappa between two prediction vectors of the same stop set.

    Identical predictions give 1.0 even when they are all one class (where the
    textbook kappa is undefined), because nothing changed.
    """
    a = np.asarray(previous).astype(str)
    b = np.asarray(current).astype(str)
    if a.shape != b.shape:
        raise ConfigError(
            "Predictions of successive models must cover the same stop set; "
            f"got {a.shape[0]} and {b.shape[0]} rows."
        )
    if a.size == 0:
        raise ConfigError("The stop set is empty; pick at least one item.")
    if np.array_equal(a, b):
        return 1.0
    value = cohen_kappa_score(a, b)
    return 0.0 if not np.isfinite(value) else float(value)


def select_stop_set(
    y: Any, *, size: int = 1000, random_state: Any = None
) -> npt.NDArray[np.intp]:
    """A fixed random sample of unlabeled positions to measure agreement on."""
    size = check_int(size, name="size", owner="select_stop_set", minimum=1)
    arr = np.asarray(y)
    mask = labeled_mask(arr, n_samples=arr.shape[0], owner="select_stop_set")
    pool = np.flatnonzero(~mask)
    rng = np.random.default_rng(random_state)
    take = min(size, pool.size)
    return np.sort(rng.choice(pool, size=take, replace=False)).astype(np.intp)


@dataclass
class StoppingSignal:
    """Track agreement between successive models and the CV-score curve.

    Parameters
    ----------
    threshold : float, default=0.99
        Kappa at or above which two successive models count as agreeing.
    window : int, default=3
        Agreeing rounds in a row needed before :attr:`should_stop` is True.
    """

    threshold: float = 0.99
    window: int = 3
    history: list[dict[str, Any]] = field(default_factory=list)
    _previous: npt.NDArray[Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_probability(
            self.threshold, name="threshold", owner="StoppingSignal", low=0.0
        )
        check_int(self.window, name="window", owner="StoppingSignal", minimum=1)

    @classmethod
    def from_history(
        cls, history: Sequence[Mapping[str, Any]], **params: Any
    ) -> StoppingSignal:
        """A signal that continues the rounds recorded in ``history`` (as stored
        by :meth:`report`)."""
        signal = cls(**params)
        signal.history = [dict(entry) for entry in history]
        return signal

    def update(
        self,
        predictions: Any,
        *,
        n_labels: int,
        cv_score: float | None = None,
    ) -> dict[str, Any]:
        """Record one round: the new model's stop-set predictions and CV score."""
        current = np.asarray(predictions)
        kappa = (
            None if self._previous is None else agreement_kappa(self._previous, current)
        )
        self._previous = current.copy()
        return self.record(kappa=kappa, n_labels=n_labels, cv_score=cv_score)

    def record(
        self, *, kappa: float | None, n_labels: int, cv_score: float | None = None
    ) -> dict[str, Any]:
        """Record one round whose agreement with the previous model is ``kappa``
        (None: nothing to compare with)."""
        entry = {
            "round": len(self.history) + 1,
            "n_labels": int(n_labels),
            "kappa": kappa,
            "cv_score": None if cv_score is None else float(cv_score),
        }
        self.history.append(entry)
        return entry

    @property
    def stable_rounds(self) -> int:
        """How many of the latest rounds in a row reached the kappa threshold."""
        count = 0
        for entry in reversed(self.history):
            k = entry["kappa"]
            if k is None or k < self.threshold:
                break
            count += 1
        return count

    @property
    def should_stop(self) -> bool:
        """True once predictions have been stable for ``window`` rounds."""
        return self.stable_rounds >= self.window

    @property
    def message(self) -> str:
        """The verdict as a sentence for the page, from the latest round's kappa."""
        if self.should_stop:
            return (
                f"Predictions have been stable (κ ≥ {self.threshold}) for "
                f"{self.stable_rounds} rounds: more labels are unlikely to change "
                "the model much."
            )
        kappa = self.history[-1]["kappa"] if self.history else None
        if kappa is None:
            return "One model so far: the stopping signal compares successive models."
        return (
            f"Successive models agree with κ = {kappa:.3f}; stable for "
            f"{self.stable_rounds} of the {self.window} rounds (κ ≥ {self.threshold}) "
            "that suggest stopping."
        )

    def report(self) -> dict[str, Any]:
        """:meth:`to_dict` plus the kappa curve and :attr:`message`: what a
        model version stores as its ``stopping`` metrics."""
        data = self.to_dict()
        data["kappa"] = [e["kappa"] for e in self.history if e["kappa"] is not None]
        data["message"] = self.message
        return data

    def to_dict(self) -> dict[str, Any]:
        """The signal as JSON-ready data for the page: curves and the verdict."""
        return {
            "threshold": self.threshold,
            "window": self.window,
            "stable_rounds": self.stable_rounds,
            "should_stop": self.should_stop,
            "history": [dict(e) for e in self.history],
        }
