"""Task kinds, label schemas, and validation of annotation values.

An annotation's ``value`` is JSON whose shape depends on the project's task:

=================  ==========================================================
task               value
=================  ==========================================================
classification     ``"spam"`` — one label from the schema
multilabel         ``["sports", "politics"]`` — a list of distinct labels
ner                ``[{"start": 0, "end": 5, "label": "PER"}, ...]`` —
                   character spans into the item's text, ``start < end``
detection          ``[{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "label": "cat"}]``
                   — boxes in image coordinates relative to width/height
=================  ==========================================================
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from activelabel.exceptions import ConfigError, InvalidLabelError

__all__ = [
    "MAX_LABELS",
    "Modality",
    "TaskKind",
    "parse_labels",
    "validate_value",
]

#: A label schema longer than this is almost certainly a mistake (a column of ids).
MAX_LABELS = 1_000


class TaskKind(enum.StrEnum):
    """What a person does with one item."""

    CLASSIFICATION = "classification"
    MULTILABEL = "multilabel"
    NER = "ner"
    DETECTION = "detection"

    @classmethod
    def parse(cls, value: str) -> TaskKind:
        """Return the kind named ``value`` or raise a :class:`ConfigError` listing all."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(k.value for k in cls)
            raise ConfigError(
                f"Unknown task kind {value!r}; choose one of: {allowed}."
            ) from None


class Modality(enum.StrEnum):
    """What one item is."""

    TEXT = "text"
    TABULAR = "tabular"
    IMAGE = "image"
    AUDIO = "audio"

    @classmethod
    def parse(cls, value: str) -> Modality:
        """Return the modality named ``value`` or raise a :class:`ConfigError`."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ConfigError(
                f"Unknown modality {value!r}; choose one of: {allowed}."
            ) from None


def parse_labels(labels: str | Sequence[str]) -> list[str]:
    """Turn ``"ham,spam"`` or ``["ham", "spam"]`` into an ordered, checked list.

    Raises :class:`ConfigError` for an empty schema, blank or repeated labels.
    """
    raw = labels.split(",") if isinstance(labels, str) else list(labels)
    cleaned = [str(label).strip() for label in raw]
    if not cleaned or all(not label for label in cleaned):
        raise ConfigError("The label schema is empty; give at least one label.")
    if any(not label for label in cleaned):
        raise ConfigError(f"The label schema {raw!r} contains a blank label.")
    seen: set[str] = set()
    for label in cleaned:
        if label in seen:
            raise ConfigError(f"The label {label!r} appears twice in the schema.")
        seen.add(label)
    if len(cleaned) > MAX_LABELS:
        raise ConfigError(
            f"The label schema has {len(cleaned)} labels; at most {MAX_LABELS} "
            "are supported."
        )
    return cleaned


def _check_label(label: Any, labels: Sequence[str], where: str) -> str:
    if not isinstance(label, str) or label not in labels:
        allowed = ", ".join(labels)
        raise InvalidLabelError(
            f"{where}: {label!r} is not a label of this project; "
            f"the labels are: {allowed}."
        )
    return label


def _check_number(obj: dict[str, Any], key: str, where: str) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidLabelError(f"{where}: {key!r} must be a number, got {value!r}.")
    return float(value)


def validate_value(
    task: TaskKind | str,
    labels: Sequence[str],
    value: Any,
    *,
    where: str = "annotation",
) -> Any:
    """Check ``value`` against the task's shape and the schema; return it normalized.

    ``where`` names the place for the error message (``"row 12"``). Raises
    :class:`InvalidLabelError` with a sentence naming the problem.
    """
    task = TaskKind(task)
    if task is TaskKind.CLASSIFICATION:
        return _check_label(value, labels, where)
    if task is TaskKind.MULTILABEL:
        if isinstance(value, str):
            value = [v for v in (part.strip() for part in value.split(",")) if v]
        if not isinstance(value, list | tuple):
            raise InvalidLabelError(
                f"{where}: a multilabel value must be a list of labels, got {value!r}."
            )
        checked = [_check_label(v, labels, where) for v in value]
        if len(set(checked)) != len(checked):
            raise InvalidLabelError(
                f"{where}: the label list {checked!r} repeats a label."
            )
        # Keep schema order so equal sets compare equal as JSON.
        return [label for label in labels if label in checked]
    if not isinstance(value, list | tuple):
        raise InvalidLabelError(
            f"{where}: a {task.value} value must be a list of objects, got {value!r}."
        )
    out: list[dict[str, Any]] = []
    for i, obj in enumerate(value):
        spot = f"{where}, element {i}"
        if not isinstance(obj, dict):
            raise InvalidLabelError(f"{spot}: expected an object, got {obj!r}.")
        label = _check_label(obj.get("label"), labels, spot)
        if task is TaskKind.NER:
            start, end = (
                _check_number(obj, "start", spot),
                _check_number(obj, "end", spot),
            )
            if not (start.is_integer() and end.is_integer()) or not 0 <= start < end:
                raise InvalidLabelError(
                    f"{spot}: a span needs whole numbers 0 <= start < end, "
                    f"got start={obj.get('start')!r}, end={obj.get('end')!r}."
                )
            out.append({"start": int(start), "end": int(end), "label": label})
        else:
            box = {k: _check_number(obj, k, spot) for k in ("x", "y", "w", "h")}
            if box["w"] <= 0 or box["h"] <= 0 or box["x"] < 0 or box["y"] < 0:
                raise InvalidLabelError(
                    f"{spot}: a box needs x, y >= 0 and w, h > 0, got {box!r}."
                )
            out.append({**box, "label": label})
    return out
