"""The cells of a predictions file: scores, per-label scores, and what a row
that gives only per-label scores predicts (:mod:`activelabel.io.prediction_rows`).

What per-label scores mean depends on what the project's model learns, so
the two tables here are by model family (never by task kind): one label of
several (``single_label``) or a label set (``one_vs_rest``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Final

from activelabel.exceptions import ImportFormatError
from activelabel.tasks.adapter import check_label

__all__ = [
    "CONFIDENCE_FROM_SCORES",
    "VALUE_FROM_SCORES",
    "read_label_scores",
    "read_score",
]


def read_score(raw: Any, where: str, column: str) -> float | None:
    """A score cell as a float in [0, 1]; ``None`` for a blank one."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(raw)
        if isinstance(raw, bool):
            raise ValueError
    except (TypeError, ValueError):
        raise ImportFormatError(
            f"{where}: the {column!r} {raw!r} is not a number; a score is a "
            "number from 0 to 1."
        ) from None
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ImportFormatError(
            f"{where}: the {column!r} {raw!r} is outside [0, 1]; a score is "
            "the model's probability, from 0 to 1."
        )
    return value


def read_label_scores(
    raw: Any, labels: list[str], where: str, column: str
) -> dict[str, float] | None:
    """A per-label score cell (a JSON object) checked against the schema."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raw = None
    if not isinstance(raw, dict) or not raw:
        raise ImportFormatError(
            f"{where}: {column!r} holds no JSON object of scores such as "
            '{"spam": 0.9, "ham": 0.1}.'
        )
    scores: dict[str, float] = {}
    for label, value in raw.items():
        check_label(label, labels, f"{where}, {column}")
        score = read_score(value, where, f"{column}[{label}]")
        if score is None:
            raise ImportFormatError(f"{where}: {column}[{label!r}] has no score.")
        scores[label] = score
    return scores


def _best_label(labels: list[str], scores: dict[str, float]) -> str:
    return max(scores, key=lambda label: scores[label])


def _labels_at_half(labels: list[str], scores: dict[str, float]) -> list[str]:
    return [label for label in labels if scores.get(label, 0.0) >= 0.5]


#: A row's value from its per-label scores alone, by model family: the best
#: label of several, or every label of a set scored 0.5 or more.
VALUE_FROM_SCORES: Final[dict[str, Callable[[list[str], dict[str, float]], Any]]] = {
    "single_label": _best_label,
    "one_vs_rest": _labels_at_half,
}


def _label_confidence(value: Any, scores: dict[str, float]) -> float | None:
    return scores.get(value)


def _set_confidence(value: Any, scores: dict[str, float]) -> float | None:
    # As the adapter's suggestion says it: the least sure yes-or-no decision.
    return min(max(p, 1.0 - p) for p in scores.values())


#: A row's score when it gave per-label scores only, by model family.
CONFIDENCE_FROM_SCORES: Final[
    dict[str, Callable[[Any, dict[str, float]], float | None]]
] = {
    "single_label": _label_confidence,
    "one_vs_rest": _set_confidence,
}
