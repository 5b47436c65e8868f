"""CoNLL: one token per line with its tag, a blank line after each sentence.

Three formats, one per tag scheme (:mod:`activelabel.tasks.spans.tag_schemes`):
``conll`` writes IOB2 (``B-`` on every entity's first token), ``conll-iob1``
CoNLL-2003's original IOB1 and ``conll-bioes`` BIOES.

An item imported from a CoNLL file kept its tokens and its other columns
(``data["tokens"]`` and ``data["conll"]``: ``columns``, the middle columns of
each token; ``separator``, one space when absent; ``docstart``;
``blank_lines_after``, one when absent), so it is written as it came:
``token <middle columns> tag`` joined by the file's separator, with the
``-DOCSTART-`` line and its blank line before the first sentence of each
document, and as many blank lines after each sentence as the file had. A
CoNLL-2003 file imported and exported in its own scheme (``conll-iob1``) comes
back byte for byte. Any other item is written as ``token<TAB>tag``, its tokens
being the ones it kept or its text tokenized as the project's language says.

Items nobody has labeled are written with every tag ``O`` when the export
includes them (the default, as the other formats keep them too);
``include_unlabeled=False`` (``--labeled-only``) leaves them out, which also
leaves out a ``-DOCSTART-`` line such an item carried. An item with no token
(an empty text) is left out: CoNLL cannot write an empty sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from activelabel.exceptions import ExportError
from activelabel.io.writers.protocol import ExportedItem, ItemFormat, WriteItems
from activelabel.io.writers.span_items import (
    item_spans,
    item_text,
    item_tokens_of,
    where,
)
from activelabel.tasks.spans.tag_schemes import Scheme, spans_to_tags

if TYPE_CHECKING:
    from activelabel.store.models import Project

__all__ = ["FORMAT", "FORMAT_BIOES", "FORMAT_IOB1", "sentence_lines"]

#: What separates a token's columns when the item did not say (a token file).
PLAIN_SEPARATOR: Final = "\t"


def _kept_columns(item: ExportedItem, n_tokens: int) -> tuple[list[Any], str] | None:
    """The item's middle columns and separator, if it kept them for every token."""
    conll = item.data.get("conll")
    if not isinstance(conll, Mapping):
        return None
    columns = conll.get("columns")
    if not isinstance(columns, list) or len(columns) != n_tokens:
        return None
    separator = conll.get("separator")
    return columns, separator if isinstance(separator, str) and separator else " "


def _blank_lines_after(item: ExportedItem) -> int:
    """How many blank lines followed the item's sentence in its file (one unless
    the file said otherwise, as the two at the end of CoNLL-2003's test files)."""
    conll = item.data.get("conll")
    after = conll.get("blank_lines_after") if isinstance(conll, Mapping) else None
    return after if isinstance(after, int) and after >= 0 else 1


def _check_cell(item: ExportedItem, number: int, cell: str) -> str:
    """``cell`` if a CoNLL line can hold it, else a sentence naming the item.

    CoNLL readers split a line on white space, so a token holding any would
    come back as several columns.
    """
    if not cell or any(ch.isspace() for ch in cell):
        raise ExportError(
            f"{where(item)}: token {number} ({cell!r}) cannot be written as a "
            "CoNLL column: it is empty or holds white space. Export the project "
            "as spacy or jsonl instead."
        )
    return cell


def sentence_lines(project: Project, item: ExportedItem, scheme: Scheme) -> list[str]:
    """The lines of one item: its ``-DOCSTART-`` line and blank line if it
    carries one, then one line per token (no blank line after the sentence)."""
    text = item_text(project, item)
    tokens = item_tokens_of(project, item, text)
    if not tokens:
        return []
    tags = spans_to_tags(tokens, item_spans(item), scheme)
    kept = _kept_columns(item, len(tokens))
    separator = kept[1] if kept is not None else PLAIN_SEPARATOR
    lines: list[str] = []
    conll = item.data.get("conll")
    docstart = conll.get("docstart") if isinstance(conll, Mapping) else None
    if isinstance(docstart, str) and docstart:
        lines.extend((docstart, ""))
    for number, ((start, end), tag) in enumerate(zip(tokens, tags, strict=True), 1):
        cells = [_check_cell(item, number, text[start:end])]
        if kept is not None:
            middle: Sequence[Any] = kept[0][number - 1]
            cells.extend(str(cell) for cell in middle)
        cells.append(tag)
        lines.append(separator.join(cells))
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
                out.write("\n" * (1 + _blank_lines_after(item)))
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
