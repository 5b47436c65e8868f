"""Task kinds and their adapters: everything that depends on what a person does.

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

Each kind has one adapter (:class:`TaskAdapter`) in its own module; the rest of
activelabel asks :func:`adapter_for` rather than branching on the kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from activelabel.tasks.adapter import ModelFamily, TaskAdapter
from activelabel.tasks.classification import Classification
from activelabel.tasks.detection import Detection
from activelabel.tasks.kinds import (
    DEFAULT_TASK,
    MAX_LABELS,
    Modality,
    TaskKind,
    parse_labels,
)
from activelabel.tasks.multilabel import Multilabel
from activelabel.tasks.ner import Ner

__all__ = [
    "ADAPTERS",
    "DEFAULT_TASK",
    "MAX_LABELS",
    "Modality",
    "ModelFamily",
    "TaskAdapter",
    "TaskKind",
    "adapter_for",
    "parse_labels",
    "validate_value",
]

#: The adapter of every task kind.
ADAPTERS: dict[TaskKind, TaskAdapter] = {
    TaskKind.CLASSIFICATION: Classification(),
    TaskKind.MULTILABEL: Multilabel(),
    TaskKind.NER: Ner(),
    TaskKind.DETECTION: Detection(),
}


def adapter_for(task: TaskKind | str) -> TaskAdapter:
    """The adapter of the task kind ``task`` (a :class:`ConfigError` names the kinds)."""
    kind = task if isinstance(task, TaskKind) else TaskKind.parse(task)
    return ADAPTERS[kind]


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
    return adapter_for(task).validate(labels, value, where=where)
