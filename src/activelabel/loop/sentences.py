"""The sentences of a span project as a sequence model reads them: text, tokens, words.

An item of a span project holds its text (the project's ``text_column``,
``text`` when none was named) and, when its source gave them, its tokens
(CoNLL keeps them). Its tokens are the kept ones, else its text tokenized as
its language says (the project's ``language`` / ``language_column`` /
``tokenization``, through :meth:`ProjectConfig.text_layout`).

A round over 100,000 sentences must not hold them all: the pool is read in
chunks (:func:`stream_sentences`), and only the few sentences a round keeps
(the labeled ones, the queue) are read by id (:func:`sentences_by_id`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from activelabel.exceptions import InvalidLabelError
from activelabel.project_config import ProjectConfig
from activelabel.store.engine import Store
from activelabel.store.models import Item
from activelabel.tasks.spans.tokenization import Token, item_tokens

__all__ = [
    "Sentence",
    "sentence_of",
    "sentences_by_id",
    "stream_sentences",
    "text_field",
]

#: Ids looked up per ``IN`` query (well under every backend's parameter limit).
_IDS_PER_QUERY = 5_000


@dataclass(frozen=True)
class Sentence:
    """One item as the sequence model reads it."""

    item_id: int
    text: str
    tokens: list[Token]

    @property
    def words(self) -> list[str]:
        """The text of each token."""
        return [self.text[start:end] for start, end in self.tokens]


def text_field(settings: ProjectConfig) -> str:
    """The field of a span item holding its text."""
    return settings.text_column or "text"


def sentence_of(
    item_id: int, data: Mapping[str, Any], settings: ProjectConfig
) -> Sentence:
    """The item's text and tokens, as the page and the formats see them."""
    raw = data.get(text_field(settings))
    text = "" if raw is None else str(raw)
    _, tokenization = settings.text_layout(data)
    try:
        tokens = item_tokens(data, text, tokenization, where=f"item {item_id}")
    except InvalidLabelError:
        # Kept tokens that no longer match the text: the text's own tokens, as
        # the page falls back to (a round must not fail on one item).
        tokens = item_tokens({}, text, tokenization)
    return Sentence(item_id, text, tokens)


def stream_sentences(
    store: Store,
    project_id: int,
    settings: ProjectConfig,
    *,
    last_id: int,
    skip: Iterable[int] = (),
    chunk_size: int = 2_000,
) -> Iterator[list[Sentence]]:
    """The project's sentences up to ``last_id`` in id order, ``chunk_size`` at a time,
    leaving out the ids in ``skip``; each chunk is dropped by the caller once read."""
    skipped = frozenset(skip)
    with store.session() as session:
        result = session.execute(
            select(Item.id, Item.data)
            .where(Item.project_id == project_id, Item.id <= last_id)
            .order_by(Item.id)
            .execution_options(yield_per=chunk_size)
        )
        chunk: list[Sentence] = []
        for item_id, data in result:
            if item_id in skipped:
                continue
            chunk.append(sentence_of(item_id, data, settings))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def sentences_by_id(
    store: Store, settings: ProjectConfig, item_ids: Sequence[int]
) -> dict[int, Sentence]:
    """The sentences of ``item_ids`` (a few thousand at most), by id."""
    found: dict[int, Sentence] = {}
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    with store.session() as session:
        for start in range(0, len(ids), _IDS_PER_QUERY):
            part = ids[start : start + _IDS_PER_QUERY]
            for item_id, data in session.execute(
                select(Item.id, Item.data).where(Item.id.in_(part))
            ):
                found[item_id] = sentence_of(item_id, data, settings)
    return found
