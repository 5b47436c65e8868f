"""One sentence for an AutoML record, as the CLI and the page's model panel show it.

A model version of a ``model=auto`` project (or one trained by ``activelabel
train --automl``) holds ``metrics["automl"]``
(:mod:`activelabel.loop.model_choice`). This module reads it without
importing scikit-learn or the tuner: the server's presenters call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["automl_summary"]


def _f1(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "n/a"


def automl_summary(record: Mapping[str, Any] | None) -> str | None:
    """E.g. ``AutoML: random forest, macro-F1 0.91 vs logistic 0.88`` (None: no record)."""
    if not isinstance(record, Mapping):
        return None
    baseline = record.get("baseline_macro_f1")
    best = record.get("best_macro_f1")
    if record.get("searched_at") is None:
        note = record.get("note")
        return f"AutoML: {note}" if isinstance(note, str) and note else None
    title = record.get("winner_title")
    if record.get("winner") is not None and isinstance(title, str):
        text = f"AutoML: {title}, macro-F1 {_f1(best)} vs logistic {_f1(baseline)}"
    else:
        text = (
            f"AutoML kept logistic regression: macro-F1 {_f1(baseline)}, "
            f"best of the search {_f1(best)}"
        )
    trials = record.get("trials")
    if record.get("searched") and isinstance(trials, list):
        count = f"{len(trials)} trial" + ("" if len(trials) == 1 else "s")
        text += f" ({count} in {record.get('seconds', 0):.0f} s)"
    else:
        text += f" (searched at {record.get('searched_at')} labels)"
    return text
