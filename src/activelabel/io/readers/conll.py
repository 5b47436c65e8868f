"""CoNLL columns: one token a line, a blank line after each sentence, the tag last.

This reads CoNLL-2003 as distributed (``word POS chunk NER``, one space between
columns, IOB1 tags, ``-DOCSTART- -X- O O`` lines opening each document) and the
token-per-line files other tools write (``token<TAB>tag``, IOB2 or BIOES). Any
width from one column (tokens without tags) up is read; every token line of a
file has the width of its first, and columns are split on a tab when that line
has one, else on white space.

Each sentence becomes one row::

    {"id": "eng.testa:1", "text": "EU rejects German call", "tokens": ["EU", ...],
     "spans": [{"start": 0, "end": 2, "label": "ORG"}, ...],
     "conll": {"columns": [["NNP", "I-NP"], ...], "docstart": "-DOCSTART- -X- O O"}}

``id`` is the file's name and the sentence's number, so two sentences that
read alike (headlines repeat) stay two items and a file imported again finds
its items; ``text`` is the tokens joined by one space, ``spans`` the entities as
character offsets into it (the label column), and ``conll`` what an export
needs to write the file back byte for byte: the middle columns of each token,
the ``-DOCSTART-`` line (on a document's first sentence only), ``separator``
when columns were split on tabs, and ``blank_lines_after`` when a sentence is
followed by other than one blank line (``eng.testa`` ends with two), and
``tags``, the file's own tags, with ``scheme``, the scheme they were read
in, when that scheme would write the sentence's entities otherwise
(``eng.train`` has a ``B-MISC`` after ``O``).

The tag scheme is given (``--scheme iob1|iob2|bioes``) or detected from the
whole file: ``E-``/``S-`` tags mean BIOES; an entity that starts with ``I-``
means IOB1, unless more entities start with ``B-`` where IOB1 would not
(after ``O`` or another type): that is IOB2 with slips. **An ``I-X`` that
follows ``O`` or another type in an IOB2 file is read as the start of an
entity, as IOB1 reads it** (a common slip of converters); the import's report
names the first line where that happened. A tag outside the scheme, or whose
type is not a label of the project, is refused with its line (and the closest
label).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from activelabel.exceptions import ImportFormatError
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.conll_lines import (
    DOCSTART,
    ConllLines,
    Layout,
    check_tag,
    detect_scheme_of,
    is_docstart,
    settle_layout,
    sniff_conll,
)
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.tasks.spans.tag_schemes import (
    Scheme,
    check_scheme,
    spans_to_tags,
    tags_to_spans,
)
from activelabel.tasks.spans.tokenization import joined_offsets

__all__ = ["DOCSTART", "FORMAT", "check_tag", "read_conll", "sniff_conll"]


class _Sentences:
    """Turns the lines of a file into sentence rows, remembering where each began."""

    def __init__(self, o: ReadOptions, scheme: Scheme) -> None:
        self.o = o
        self.scheme = scheme
        self.layout: Layout | None = None
        #: Where the sentence last handed out began ("line 12").
        self.place = ""
        self.repaired_at = 0
        #: Sentences read so far.
        self.count = 0
        self._lines: ConllLines | None = None

    def position(self) -> int:
        """Bytes of the file read so far."""
        return self._lines.position if self._lines is not None else 0

    def rows(self) -> Iterator[dict[str, Any]]:
        """One row per sentence, in file order."""
        o = self.o
        words: list[str] = []
        middles: list[list[str]] = []
        tags: list[str] = []
        first_line = 0
        docstart: str | None = None
        ready: dict[str, Any] | None = None
        ready_place = ""
        blanks = 0
        previous = "O"
        layout: Layout | None = None
        tabs = False
        width = 0
        # Tags seen once need no second check: a file has a dozen of them.
        checked: set[str] = set()
        watch_repairs = self.scheme == "iob2"
        opener = {"iob1": "B", "iob2": "I"}.get(self.scheme, "")
        # BIOES has more ways to differ (an E- without B-): always compared.
        irregular = self.scheme == "bioes"
        self._lines = lines = ConllLines(o)
        for line_no, line in lines:
            if not line.strip():
                if words:
                    ready, ready_place = (
                        self._row(words, middles, tags, docstart, irregular),
                        (f"line {first_line}"),
                    )
                    words, middles, tags, docstart = [], [], [], None
                    irregular = self.scheme == "bioes"
                    blanks = 0
                    previous = "O"
                blanks += 1
                continue
            if ready is not None:
                yield from self._hand_out(ready, ready_place, blanks)
                ready = None
            if line.startswith(DOCSTART) and is_docstart(line):
                if words:
                    # A document opened with no blank line after the sentence.
                    yield from self._hand_out(
                        self._row(words, middles, tags, docstart, irregular),
                        f"line {first_line}",
                        0,
                    )
                    words, middles, tags = [], [], []
                    irregular = self.scheme == "bioes"
                docstart = line
                previous = "O"
                continue
            if layout is None:
                tabs = "\t" in line
                fields = line.split("\t") if tabs else line.split()
                self.layout = layout = settle_layout(
                    o.path, None, fields, line_no, tabs
                )
                width = layout.width
            else:
                fields = line.split("\t") if tabs else line.split()
                if len(fields) != width or "" in fields:
                    settle_layout(o.path, layout, fields, line_no, tabs)
            if not words:
                first_line = line_no
            words.append(fields[0])
            if width >= 2:
                tag = fields[-1]
                if tag not in checked:
                    check_tag(tag, self.scheme, o.labels, f"{o.path}, line {line_no}")
                    checked.add(tag)
                # A tag the scheme would not write here: I- opening an entity
                # in IOB2 (a repair), B- opening one in IOB1 (a stray B-).
                if tag[0] == opener and previous[2:] != tag[2:]:
                    irregular = True
                    if watch_repairs and not self.repaired_at:
                        self.repaired_at = line_no
                previous = tag
                tags.append(tag)
                middles.append(fields[1:-1])
            else:
                middles.append([])
        if words:
            ready, ready_place, blanks = (
                self._row(words, middles, tags, docstart, irregular),
                f"line {first_line}",
                0,
            )
        if ready is not None:
            yield from self._hand_out(ready, ready_place, blanks)
        elif docstart is not None and self.layout is None:
            raise ImportFormatError(
                f"{o.path} holds no sentence: only a {DOCSTART} line and blank lines."
            )

    def _hand_out(
        self, row: dict[str, Any], place: str, blanks: int
    ) -> Iterator[dict[str, Any]]:
        if blanks != 1:
            row["conll"]["blank_lines_after"] = blanks
        self.place = place
        yield row

    def _row(
        self,
        words: list[str],
        middles: list[list[str]],
        tags: list[str],
        docstart: str | None,
        irregular: bool,
    ) -> dict[str, Any]:
        conll: dict[str, Any] = {"columns": middles}
        if docstart is not None:
            conll["docstart"] = docstart
        if self.layout is not None and self.layout.tabs:
            conll["separator"] = "\t"
        self.count += 1
        row: dict[str, Any] = {
            "id": f"{self.o.path.name}:{self.count}",
            "text": " ".join(words),
            "tokens": words,
        }
        if tags:
            offsets = joined_offsets(words)
            spans = tags_to_spans(offsets, tags, self.scheme, where=str(self.o.path))
            row["spans"] = spans
            if irregular and spans_to_tags(offsets, spans, self.scheme) != tags:
                # Tags the scheme would not write for these entities (a B- after
                # O in IOB1, a repaired I-): kept, so an unchanged sentence is
                # written back as it was.
                conll["tags"] = tags
                conll["scheme"] = self.scheme
        row["conll"] = conll
        return row


def read_conll(o: ReadOptions) -> Iterator[Batch]:
    """Batches of sentence rows of a CoNLL file (see the module's description)."""
    if o.scheme is not None:
        scheme = check_scheme(o.scheme)
    else:
        scheme = detect_scheme_of(o)
    sentences = _Sentences(o, scheme)

    def rows() -> Iterator[dict[str, Any]]:
        count = 0
        for row in sentences.rows():
            count += 1
            yield row
        if count == 0:
            raise ImportFormatError(f"{o.path} holds no sentence: every line is blank.")
        if sentences.repaired_at:
            o.notes.append(
                f"{o.path}, line {sentences.repaired_at}: an I- tag follows O or "
                "another type; read as the start of an entity, as IOB1 reads it "
                "(the first such line; IOB2 starts an entity with B-)."
            )

    yield from batched(
        rows(), o.batch_size, sentences.position, lambda: sentences.place
    )


FORMAT = ReaderFormat(
    "conll",
    (".conll", ".iob", ".bio", ".bioes"),
    read_conll,
    label_column="spans",
    id_column="id",
    spans_checked=True,
)
