"""Spans over text: languages and their layout, tokenization, tag schemes.

Pure Python, shared by the NER adapter, the span formats, the loop's sequence
model and the page's layout of each item (:mod:`.languages`,
:mod:`.tokenization`, :mod:`.tag_schemes`).
"""

from activelabel.tasks.spans.languages import Direction, Tokenization, resolve_layout
from activelabel.tasks.spans.tag_schemes import (
    SCHEMES,
    Scheme,
    check_spans,
    convert,
    detect_scheme,
    spans_to_tags,
    tags_to_spans,
)
from activelabel.tasks.spans.tokenization import (
    Token,
    align_tokens,
    item_tokens,
    tokenize,
)

__all__ = [
    "SCHEMES",
    "Direction",
    "Scheme",
    "Token",
    "Tokenization",
    "align_tokens",
    "check_spans",
    "convert",
    "detect_scheme",
    "item_tokens",
    "resolve_layout",
    "spans_to_tags",
    "tags_to_spans",
    "tokenize",
]
