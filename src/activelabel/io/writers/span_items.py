"""What the span formats read of an exported item: its text, its tokens, its spans.

The CoNLL, spaCy and Label Studio writers share these: the text is the field
the project names as its text column; the tokens are the ones the item was
imported with (``data["tokens"]``, from a token format), else the text split as
the project's (or the item's) language says
(:mod:`activelabel.tasks.spans.tokenization`); the spans are the item's final
label, with nothing for an item nobody has labeled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from activelabel.io.writers.protocol import ExportedItem
from activelabel.tasks.spans.tokenization import Token, item_tokens

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = [
    "item_language",
    "item_spans",
    "item_text",
    "item_tokens_of",
    "kept_words",
    "where",
]


def where(item: ExportedItem) -> str:
    """How a sentence about ``item`` names it."""
    return f"item {item.external_id!r}"


def item_text(project: Project, item: ExportedItem) -> str:
    """The item's text: its project's text column (``text`` when none is set)."""
    value = item.data.get(project.settings.text_column or "text")
    return "" if value is None else str(value)


def item_language(project: Project, item: ExportedItem) -> dict[str, Any]:
    """The item's language field, when the project reads each item's language
    from one (``language_column``): written beside the text so that a project
    importing the file back splits it into the same tokens."""
    column = project.settings.language_column
    if column is None or item.data.get(column) is None:
        return {}
    return {column: item.data[column]}


def kept_words(data: Mapping[str, Any]) -> list[str] | None:
    """The tokens the item was imported with, as text; ``None`` when it kept none.

    Tokens are a list of strings (CoNLL, token files) or, from a spaCy/Prodigy
    file, of objects with a ``text``.
    """
    kept = data.get("tokens")
    if not isinstance(kept, list) or not kept:
        return None
    if all(isinstance(token, str) for token in kept):
        return kept
    words: list[str] = []
    for token in kept:
        if isinstance(token, Mapping):
            token = token.get("text")
        if not isinstance(token, str):
            return None
        words.append(token)
    return words


def item_tokens_of(project: Project, item: ExportedItem, text: str) -> list[Token]:
    """The item's tokens as character offsets into ``text``.

    Kept tokens are found in the text in order; otherwise the text is
    tokenized as the project's settings (or the item's language column) say.
    Raises :class:`~activelabel.exceptions.InvalidLabelError` naming the item
    when a kept token is not in its text.
    """
    words = kept_words(item.data)
    if words is not None:
        # Kept tokens are where they are whatever the language says.
        return item_tokens({"tokens": words}, text, where=where(item))
    _, tokenization = project.settings.text_layout(item.data)
    return item_tokens({}, text, tokenization, where=where(item))


def item_spans(item: ExportedItem) -> list[dict[str, Any]]:
    """The item's final spans, by start; none when it has no label."""
    value = item.value
    if not isinstance(value, list):
        return []
    return sorted(
        (span for span in value if isinstance(span, dict)),
        key=lambda span: (int(span["start"]), int(span["end"])),
    )
