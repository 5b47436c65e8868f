"""CoNLL: one token per line with its tag, a blank line after each sentence.

Three formats, one per tag scheme (:mod:`activelabel.tasks.spans.tag_schemes`):
``conll`` writes IOB2 (``B-`` on every entity's first token), ``conll-iob1``
CoNLL-2003's original IOB1 and ``conll-bioes`` BIOES.

An item imported from a CoNLL file kept its tokens and its other columns
(``data["tokens"]`` and ``data["conll"]``: ``columns``, the middle columns of
each token; ``separator``, one space when absent; ``docstart``;
``blank_lines_after``, one when absent; ``tags`` and their ``scheme`` when the
file tagged a sentence otherwise than its scheme would), so it is written as it
came: ``token <middle columns> tag`` joined by the file's separator, with the
``-DOCSTART-`` line and its blank line before the first sentence of each
document, and as many blank lines after each sentence as the file had. A
CoNLL-2003 file imported and exported in its own scheme (``conll-iob1``) comes
back byte for byte, unless someone changed its labels. Any other item is written as ``token<TAB>tag``, its tokens
being the ones it kept or its text tokenized as the project's language says.

Items nobody has labeled are written with every tag ``O`` when the export
includes them (the default, as the other formats keep them too);
``include_unlabeled=False`` (``--labeled-only``) leaves them out, which also
leaves out a ``-DOCSTART-`` line such an item carried. An item with no token
(an empty text) is left out: CoNLL cannot write an empty sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from activelabel.exceptions import ExportError, InvalidLabelError
from activelabel.io.writers.protocol import ExportedItem, ItemFormat, WriteItems
from activelabel.io.writers.span_items import (
    item_spans,
    item_text,
    item_tokens_of,
    where,
)
from activelabel.tasks.spans.tag_schemes import Scheme, spans_to_tags, tags_to_spans
from activelabel.tasks.spans.tokenization import Token

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FORMAT", "FORMAT_BIOES", "FORMAT_IOB1", "sentence_lines"]

#: Any white space: a CoNLL reader would split a token holding some.
_SPACE: Final = re.compile(r"\s")


def _conll(item: ExportedItem) -> Mapping[str, Any]:
    """What the item kept of its CoNLL file (nothing for other items)."""
    conll = item.data.get("conll")
    return conll if isinstance(conll, Mapping) else {}


def _kept_columns(
    conll: Mapping[str, Any], n_tokens: int
) -> tuple[list[Any], str] | None:
    """The item's middle columns and separator, if it kept them for every token."""
    columns = conll.get("columns")
    if not isinstance(columns, list) or len(columns) != n_tokens:
        return None
    separator = conll.get("separator")
    return columns, separator if isinstance(separator, str) and separator else " "


def _blank_lines_after(conll: Mapping[str, Any]) -> int:
    """How many blank lines followed the item's sentence in its file (one unless
    the file said otherwise, as the two at the end of CoNLL-2003's test files)."""
    after = conll.get("blank_lines_after")
    return after if isinstance(after, int) and after >= 0 else 1


def _file_tags(
    conll: Mapping[str, Any],
    tokens: Sequence[Token],
    spans: Sequence[Mapping[str, Any]],
    scheme: Scheme,
) -> list[str] | None:
    """The file's own tags, when they are to be written back as they were.

    A file may tag entities otherwise than its scheme would (CoNLL-2003's
    ``eng.train`` has a ``B-MISC`` after ``O`` in IOB1; an IOB2 file may slip
    an ``I-`` after ``O``); the reader then keeps the tags and their scheme.
    Only IOB1 allows more than one way to write the same entities, so only an
    IOB1 export of an IOB1 file writes them again, and only while they still
    say the item's spans (nobody has changed them since). IOB2 and BIOES write
    each entity one way, so their exports repair a file's slips.
    """
    tags = conll.get("tags")
    if not isinstance(tags, list) or len(tags) != len(tokens):
        return None
    # A file that kept tags without naming its scheme was read as CoNLL-2003's.
    if scheme != "iob1" or conll.get("scheme", "iob1") != "iob1":
        return None
    try:
        said = tags_to_spans(tokens, tags, scheme)
    except InvalidLabelError:
        return None
    now = [(int(s["start"]), int(s["end"]), s["label"]) for s in spans]
    if sorted((s["start"], s["end"], s["label"]) for s in said) != sorted(now):
        return None
    return [str(tag) for tag in tags]


def _check_words(item: ExportedItem, words: Sequence[str]) -> None:
    """Refuse a token a CoNLL line cannot hold, with a sentence naming the item.

    CoNLL readers split a line on white space, so a token holding any would
    come back as several columns. One search over the sentence's tokens run
    together finds one; only then is each token looked at.
    """
    if all(words) and _SPACE.search("".join(words)) is None:
        return
    for number, word in enumerate(words, 1):
        if not word or _SPACE.search(word):
            raise ExportError(
                f"{where(item)}: token {number} ({word!r}) cannot be written as "
                "a CoNLL column: it is empty or holds white space. Export the "
                "project as spacy or jsonl instead."
            )


def sentence_lines(project: Project, item: ExportedItem, scheme: Scheme) -> list[str]:
    """The lines of one item: its ``-DOCSTART-`` line and blank line if it
    carries one, then one line per token (no blank line after the sentence)."""
    text = item_text(project, item)
    tokens = item_tokens_of(project, item, text)
    if not tokens:
        return []
    words = [text[start:end] for start, end in tokens]
    _check_words(item, words)
    conll = _conll(item)
    spans = item_spans(item)
    tags = _file_tags(conll, tokens, spans, scheme) or spans_to_tags(
        tokens, spans, scheme
    )
    lines: list[str] = []
    docstart = conll.get("docstart")
    if isinstance(docstart, str) and docstart:
        lines.extend((docstart, ""))
    kept = _kept_columns(conll, len(tokens))
    if kept is None:
        lines.extend(f"{word}\t{tag}" for word, tag in zip(words, tags, strict=True))
        return lines
    columns, separator = kept
    lines.extend(
        separator.join([word, *map(str, middle), tag])
        for word, middle, tag in zip(words, columns, tags, strict=True)
    )
    return lines


def _writer(scheme: Scheme) -> WriteItems:
    """The writer of the CoNLL format in ``scheme``."""

    def write(project: Project, items: Iterable[ExportedItem], target: Path) -> int:
        written = 0
        with target.open("w", encoding="utf-8", newline="\n") as out:
            for item in items:
                lines = sentence_lines(project, item, scheme)
                if not lines:
                    continue
                out.write("\n".join(lines))
                out.write("\n" * (1 + _blank_lines_after(_conll(item))))
                written += 1
        return written

    return write


#: How an unlabeled item reads in a CoNLL file: like a sentence with no entity.
UNLABELED_AS: Final = "with every tag O"

#: IOB2, the default: ``B-`` starts every entity.
FORMAT: Final = ItemFormat(
    "conll", ".conll", "text/plain", _writer("iob2"), unlabeled_as=UNLABELED_AS
)
#: IOB1, as CoNLL-2003 is written.
FORMAT_IOB1: Final = ItemFormat(
    "conll-iob1", ".iob", "text/plain", _writer("iob1"), unlabeled_as=UNLABELED_AS
)
#: BIOES: ``S-`` for one-token entities, ``E-`` on the last token of the others.
FORMAT_BIOES: Final = ItemFormat(
    "conll-bioes", ".bioes", "text/plain", _writer("bioes"), unlabeled_as=UNLABELED_AS
)
