"""spaCy / Prodigy JSON Lines: one object per item with its text and character spans.

Each line is what Prodigy's ``ner.manual`` and ``data-to-spacy`` read and what
spaCy's ``Doc.char_span`` takes::

    {"text": "Tomas Ekwall scored", "spans": [{"start": 0, "end": 12,
     "label": "PER", "text": "Tomas Ekwall"}], "meta": {"id": "s3"},
     "answer": "accept"}

An item that kept its tokens (imported from CoNLL or a token file) also gets
``tokens`` as Prodigy writes them (``{"text", "start", "end", "id", "ws"}``),
and its spans the ``token_start`` / ``token_end`` (inclusive) of their first
and last tokens. ``meta.id`` is the item's external id. In a project that
reads each item's language from a field (``language_column``), that field is
written beside the text, so the file imports back with the same tokens.

A labeled item has ``"answer": "accept"`` and its ``spans`` (an empty list when
it has no entity). An item nobody has labeled has neither, which is how
Prodigy tells a task not yet annotated, so importing the file back (with
``--label-column spans``) leaves it unlabeled; ``include_unlabeled=False``
(``--labeled-only``) leaves such items out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from activelabel.io.writers.protocol import ExportedItem, ItemFormat
from activelabel.io.writers.span_items import (
    item_language,
    item_spans,
    item_text,
    item_tokens_of,
    kept_words,
)
from activelabel.tasks.spans.tokenization import Token

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FORMAT", "spacy_record"]


def _tokens(text: str, tokens: Sequence[Token]) -> list[dict[str, Any]]:
    """Tokens as Prodigy writes them; ``ws``: a space follows the token."""
    return [
        {
            "text": text[start:end],
            "start": start,
            "end": end,
            "id": number,
            "ws": text[end : end + 1].isspace(),
        }
        for number, (start, end) in enumerate(tokens)
    ]


def _span(
    text: str,
    span: Mapping[str, Any],
    first: Mapping[int, int] | None,
    last: Mapping[int, int] | None,
) -> dict[str, Any]:
    """One span with its text (and its token range when the tokens are written)."""
    start, end = int(span["start"]), int(span["end"])
    out: dict[str, Any] = {
        "start": start,
        "end": end,
        "label": span["label"],
        "text": text[start:end],
    }
    if first is not None and last is not None and start in first and end in last:
        out["token_start"] = first[start]
        out["token_end"] = last[end]
    return out


def spacy_record(project: Project, item: ExportedItem) -> dict[str, Any]:
    """The JSON object written for ``item``."""
    text = item_text(project, item)
    record: dict[str, Any] = {"text": text, **item_language(project, item)}
    first: dict[int, int] | None = None
    last: dict[int, int] | None = None
    if kept_words(item.data) is not None:
        tokens = item_tokens_of(project, item, text)
        record["tokens"] = _tokens(text, tokens)
        first = {start: i for i, (start, _) in enumerate(tokens)}
        last = {end: i for i, (_, end) in enumerate(tokens)}
    if item.labeled:
        record["spans"] = [_span(text, s, first, last) for s in item_spans(item)]
    record["meta"] = {"id": item.external_id}
    if item.labeled:
        record["answer"] = "accept"
    return record


def _write(project: Project, items: Iterable[ExportedItem], target: Path) -> int:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    written = 0
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for item in items:
            out.write(encode(spacy_record(project, item)))
            out.write("\n")
            written += 1
    return written


#: Named with ``--format spacy``: its ``.jsonl`` suffix is the row format's.
FORMAT: Final = ItemFormat("spacy", "", "application/x-ndjson", _write)
