"""Stream mode: accept the model's prediction when it is confident enough.

Items whose top-class probability is at least ``threshold`` can be labeled by
the model instead of a person. The result is recorded with ``source="model"``
so every such label is auditable and can be reviewed or undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator

from activelabel.al._base import is_fitted, n_rows
from activelabel.al._validation import check_candidates, check_probability
from activelabel.exceptions import ConfigError
from activelabel.ml.fast_scoring import DEFAULT_CHUNK_SIZE, predict_proba_chunks

__all__ = ["AutoAccepted", "ConfidenceThresholdStream"]

#: The annotation source recorded for auto-accepted labels.
MODEL_SOURCE = "model"


@dataclass(frozen=True)
class AutoAccepted:
    """Rows whose prediction was accepted, with the label and its confidence."""

    indices: npt.NDArray[np.intp]
    labels: npt.NDArray[Any]
    confidence: npt.NDArray[np.float32]
    source: str = MODEL_SOURCE

    def __len__(self) -> int:
        return int(self.indices.shape[0])


class ConfidenceThresholdStream(BaseEstimator):  # type: ignore[misc]
    """Auto-accept predictions whose confidence is >= ``threshold``.

    Parameters
    ----------
    threshold : float, default=0.95
        Minimum top-class probability, in [0.5, 1]. Below 0.5 a "confident"
        prediction could lose to another class, so it is refused.
    """

    def __init__(self, threshold: float = 0.95) -> None:
        self.threshold = threshold

    def accept(
        self,
        X: Any,
        *,
        estimator: Any,
        candidates: Any = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AutoAccepted:
        """Return the rows of ``X`` (or of ``candidates``) the model may label.

        Streams over chunks; an unfitted ``estimator`` raises a
        :class:`ConfigError`, because accepting guesses of no model is wrong.
        """
        owner = type(self).__name__
        threshold = check_probability(
            self.threshold, name="threshold", owner=owner, low=0.5, high=1.0
        )
        n = n_rows(X, owner)
        rows = check_candidates(candidates, n_samples=n, owner=owner)
        if not is_fitted(estimator):
            raise ConfigError(
                f"{owner}.accept needs a fitted model; the estimator is not fitted "
                "yet. Label at least a few items of two classes and train first."
            )
        classes = np.asarray(estimator.classes_)
        idx_parts, lab_parts, conf_parts = [], [], []
        for offset, positions, proba in predict_proba_chunks(
            estimator, X, chunk_size=chunk_size, rows=rows
        ):
            conf = proba.max(axis=1)
            hit = np.flatnonzero(conf >= threshold)
            where = hit + offset if positions is None else positions[hit]
            idx_parts.append(where.astype(np.intp))
            lab_parts.append(classes[proba[hit].argmax(axis=1)])
            conf_parts.append(conf[hit].astype(np.float32))
        if not idx_parts:
            return AutoAccepted(
                np.empty(0, dtype=np.intp),
                classes[:0],
                np.empty(0, dtype=np.float32),
            )
        return AutoAccepted(
            np.concatenate(idx_parts),
            np.concatenate(lab_parts),
            np.concatenate(conf_parts),
        )
