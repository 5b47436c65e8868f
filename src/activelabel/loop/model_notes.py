"""Sentences for the model panel: the featurizer ``auto`` chose, and calibration.

A model version holds ``metrics["featurizer_choice"]``
(:mod:`activelabel.loop.featurizer_choice`) and ``metrics["calibration"]``
(:mod:`activelabel.ml.calibration`). This module turns them into one sentence
each without importing NumPy or scikit-learn: the server's presenters call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["calibration_summary", "featurizer_summary"]


def _number(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "n/a"


def featurizer_summary(record: Mapping[str, Any] | None) -> str | None:
    """E.g. ``Features: embeddings (auto, macro-F1 0.97; tfidf 0.44, both 0.83;
    compared at 40 labels, again at 80)``; auto's note while it has not
    compared; None for a project that named its featurizer."""
    if not isinstance(record, Mapping):
        return None
    chosen = record.get("chosen")
    scores = record.get("scores")
    if not isinstance(scores, Mapping) or not scores:
        note = record.get("note")
        return f"Features: {chosen} ({note})" if isinstance(note, str) else None
    others = ", ".join(
        f"{name} {_number(score)}" for name, score in scores.items() if name != chosen
    )
    again = record.get("next_check")
    return (
        f"Features: {chosen} (auto, macro-F1 {_number(scores.get(chosen))}; "
        f"{others}; compared at {record.get('n_labels')} labels"
        + (f", again at {again})" if isinstance(again, int) else ")")
    )


def calibration_summary(record: Mapping[str, Any] | None) -> str | None:
    """E.g. ``Confidences calibrated (temperature 0.29): held-out calibration
    error 0.29 → 0.12``; why not, when they are not; None without a record."""
    if not isinstance(record, Mapping):
        return None
    before = record.get("ece_before")
    if record.get("method") == "temperature":
        return (
            f"Confidences calibrated (temperature {_number(record.get('temperature'))}): "
            f"held-out calibration error {_number(before)} → "
            f"{_number(record.get('ece_after'))}"
        )
    reason = record.get("reason")
    return (
        f"Confidences not calibrated ({reason}); held-out calibration error "
        f"{_number(before)}"
        if isinstance(reason, str)
        else None
    )
