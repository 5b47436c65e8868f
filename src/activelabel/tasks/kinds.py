"""Task kinds, modalities and label schemas: the names a project is made of."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TypeVar

from activelabel.exceptions import ConfigError

__all__ = [
    "DEFAULT_TASK",
    "MAX_LABELS",
    "Modality",
    "TaskKind",
    "parse_labels",
]

#: A label schema longer than this is almost certainly a mistake (a column of ids).
MAX_LABELS = 1_000


_E = TypeVar("_E", bound=enum.StrEnum)


def _parse(cls: type[_E], value: str, what: str) -> _E:
    """The member of ``cls`` named ``value`` (any case, spaces around), else a
    :class:`ConfigError` listing them all."""
    try:
        return cls(value.strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in cls)
        raise ConfigError(
            f"Unknown {what} {value!r}; choose one of: {allowed}."
        ) from None


class TaskKind(enum.StrEnum):
    """What a person does with one item."""

    CLASSIFICATION = "classification"
    MULTILABEL = "multilabel"
    NER = "ner"
    DETECTION = "detection"

    @classmethod
    def parse(cls, value: str) -> TaskKind:
        """Return the kind named ``value`` or raise a :class:`ConfigError` listing all."""
        return _parse(cls, value, "task kind")


class Modality(enum.StrEnum):
    """What one item is."""

    TEXT = "text"
    TABULAR = "tabular"
    IMAGE = "image"
    AUDIO = "audio"

    @classmethod
    def parse(cls, value: str) -> Modality:
        """Return the modality named ``value`` or raise a :class:`ConfigError`."""
        return _parse(cls, value, "modality")


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


#: The task of a project created without saying.
DEFAULT_TASK = TaskKind.CLASSIFICATION
