"""The checks an imported row of a span project passes: text, labels, offsets.

A span is a pair of character offsets into the row's text, so it is checked
against that text and its tokens (kept from a token format, else the text
tokenized as the item's language says): inside the text, on token
boundaries, not overlapping another, with a label of the project (the
closest one named when it is not). A row with no text is refused: there
would be nothing to label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from activelabel.exceptions import ImportFormatError, InvalidLabelError
from activelabel.project_config import ProjectConfig
from activelabel.tasks import adapter_for
from activelabel.tasks.adapter import json_cell, label_choices
from activelabel.tasks.spans import check_spans, item_tokens

__all__ = ["SpanRowCheck", "labels_spans"]


def labels_spans(task: str) -> bool:
    """Whether a task kind labels spans of an item's text: its adapter reads
    CoNLL, whose tags are spans over tokens."""
    return "conll" in adapter_for(task).reads


def _closest_labels(value: Any, labels: Sequence[str], where: str) -> None:
    """Refuse the first span whose label is not one of ``labels``, naming the
    closest label (``PERS`` → ``PER``)."""
    if not isinstance(value, list):
        return  # the adapter's own sentence says what a value must be
    for number, span in enumerate(value):
        if not isinstance(span, dict):
            continue
        label = span.get("label")
        if isinstance(label, str) and label not in labels:
            raise InvalidLabelError(
                f"{where}, span {number + 1} ({span.get('start')}–{span.get('end')}): "
                f"{label!r} is not a label of this project; "
                f"{label_choices(label, labels)}"
            )


class SpanRowCheck:
    """Checks the rows of one import into one span project."""

    def __init__(self, task: str, labels: Sequence[str], settings: ProjectConfig):
        self.adapter = adapter_for(task)
        self.labels = list(labels)
        self.settings = settings

    def text(self, data: dict[str, Any], column: str | None, where: str) -> str:
        """The row's text; a sentence when it has none.

        Tokens given as spaCy / Prodigy objects (``{"text", "start", "end",
        ...}``) are kept as their texts, the shape every span reader gives.
        """
        tokens = data.get("tokens")
        if isinstance(tokens, list) and tokens and isinstance(tokens[0], dict):
            data["tokens"] = [
                t.get("text") if isinstance(t, dict) else t for t in tokens
            ]
        text = data.get(column) if column is not None else None
        if not isinstance(text, str) or not text.strip():
            shown = "no text" if text is None else f"the empty text {text!r}"
            raise ImportFormatError(
                f"{where}: the row has {shown} in its column {column!r}; a span "
                "project labels text, so every row needs some."
            )
        return text

    def spans(
        self, data: Mapping[str, Any], text: str, raw: Any, where: str
    ) -> list[dict[str, Any]] | None:
        """The row's spans checked against its text and tokens (``None``: none)."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        value = json_cell(raw, "ner", where)
        _closest_labels(value, self.labels, where)
        spans: list[dict[str, Any]] = self.adapter.validate(
            self.labels, value, where=where
        )
        _, tokenization = self.settings.text_layout(data)
        tokens = item_tokens(data, text, tokenization, where=where)
        check_spans(text, tokens, spans, where=where)
        return spans
