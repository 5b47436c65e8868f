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

import difflib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activelabel.exceptions import ImportFormatError, InvalidLabelError
from activelabel.io.readers.batches import Batch, batched
from activelabel.io.readers.delimited import field_too_large
from activelabel.io.readers.protocol import ReaderFormat, ReadOptions
from activelabel.io.readers.text import encoding_error, open_text
from activelabel.tasks.spans.tag_schemes import (
    Scheme,
    check_scheme,
    spans_to_tags,
    tags_to_spans,
)

__all__ = ["DOCSTART", "FORMAT", "check_tag", "read_conll", "sniff_conll"]

#: The first field of a line that opens a document.
DOCSTART = "-DOCSTART-"

_PREFIXES: dict[str, frozenset[str]] = {
    "iob1": frozenset("BI"),
    "iob2": frozenset("BI"),
    "bioes": frozenset("BIES"),
}


@dataclass
class _Layout:
    """The columns of a file, settled by its first token line."""

    width: int
    tabs: bool
    line: int

    def split(self, line: str) -> list[str]:
        """The fields of a token line."""
        return line.split("\t") if self.tabs else line.split()


class _Lines:
    """The lines of a file without their ends, numbered, read with a bound.

    Leaner than :class:`~activelabel.io.readers.text.LineSource` (a CoNLL file
    is hundreds of thousands of short lines): a line longer than the field
    limit is refused at its first piece, since no token or tag is that long.
    """

    def __init__(self, o: ReadOptions) -> None:
        self.o = o
        self.line_no = 0
        self._raw, self._stream = open_text(o.path, o.encoding)
        self._done = False

    @property
    def position(self) -> int:
        """Bytes of the file read so far."""
        return self.o.path.stat().st_size if self._done else self._raw.tell()

    def __iter__(self) -> Iterator[tuple[int, str]]:
        o = self.o
        cap = o.max_field_bytes + 2
        readline = self._stream.readline
        with self._stream:
            try:
                while line := readline(cap):
                    self.line_no += 1
                    if len(line) >= cap and not line.endswith(("\n", "\r")):
                        raise field_too_large(
                            o.path, self.line_no, self.line_no, o.max_field_bytes, None
                        )
                    yield self.line_no, line.rstrip("\r\n")
            except UnicodeDecodeError:
                raise encoding_error(o.path, o.encoding) from None
        self._done = True


def _is_docstart(line: str) -> bool:
    return line.startswith(DOCSTART) and line[len(DOCSTART) : len(DOCSTART) + 1] in (
        "",
        " ",
        "\t",
    )


def _settle(
    path: Path, layout: _Layout | None, fields: list[str], line_no: int, tabs: bool
) -> _Layout:
    """The file's layout, or a sentence when this token line does not fit it."""
    if layout is None:
        return _Layout(len(fields), tabs, line_no)
    if len(fields) != layout.width:
        raise ImportFormatError(
            f"{path}, line {line_no}: {len(fields)} "
            f"column{'s' if len(fields) != 1 else ''} where the file's first token "
            f"line (line {layout.line}) has {layout.width}; every token line needs "
            "the same columns, the tag last."
        )
    if any(not f for f in fields):
        raise ImportFormatError(
            f"{path}, line {line_no}: an empty column; a token line holds the "
            "token, any further columns, and the tag last, none of them empty."
        )
    return layout


def check_tag(
    tag: str,
    scheme: str,
    labels: Sequence[str] | None,
    where: str,
) -> None:
    """Refuse a tag that is not ``O`` or ``P-TYPE`` with a prefix of ``scheme`` and,
    when ``labels`` are given, a type among them (naming the closest)."""
    if tag == "O":
        return
    prefix, dash, kind = tag.partition("-")
    prefixes = _PREFIXES[scheme]
    if not dash or not kind or prefix not in prefixes:
        allowed = ", ".join(f"{p}-" for p in sorted(prefixes))
        raise InvalidLabelError(
            f"{where}: {tag!r} is not {'a' if scheme == 'bioes' else 'an'} "
            f"{scheme.upper()} tag; a tag is O or a "
            f"label after one of {allowed} (such as I-PER)."
        )
    if labels is not None and kind not in labels:
        close = difflib.get_close_matches(kind, labels, n=1)
        hint = f" Did you mean {prefix}-{close[0]}?" if close else ""
        raise InvalidLabelError(
            f"{where}: the tag {tag!r} names {kind!r}, which is not a label of this "
            f"project; the labels are: {', '.join(labels)}.{hint}"
        )


@dataclass
class _Evidence:
    """What the tags of a file say about their scheme, gathered line by line."""

    bioes: bool = False
    #: An entity that starts with ``I-`` (IOB1's way, or an IOB2 slip).
    i_starts: int = 0
    first_i_start: int = 0
    #: A ``B-`` where IOB1 never writes one (not right after the same type).
    b_starts: int = 0
    previous: str = "O"

    def see(self, tag: str, line_no: int) -> None:
        prefix = tag[:2]
        if prefix in ("E-", "S-"):
            self.bioes = True
        elif prefix == "I-" and (self.previous == "O" or self.previous[2:] != tag[2:]):
            self.i_starts += 1
            self.first_i_start = self.first_i_start or line_no
        elif prefix == "B-" and (self.previous == "O" or self.previous[2:] != tag[2:]):
            self.b_starts += 1
        self.previous = tag

    def scheme(self) -> Scheme:
        if self.bioes:
            return "bioes"
        # Entities mostly opened by I- are IOB1, even with a stray B- after O
        # (eng.train has one); mostly opened by B-, IOB2 with slips.
        if self.i_starts > self.b_starts:
            return "iob1"
        return "iob2"


#: Entity starts read before the scheme is decided: plenty for a clear
#: majority, and a large file is not read twice.
_SAMPLE_STARTS = 1_000


def _detect(o: ReadOptions) -> Scheme:
    """The scheme of the file's tags, from its first :data:`_SAMPLE_STARTS` entities.

    IOB1 and IOB2 are read alike (an ``I-`` after ``O`` starts an entity either
    way), so the choice only decides what the import reports and which tags
    are kept as the file wrote them; BIOES shows itself at its first one-token
    or closed entity.
    """
    evidence = _Evidence()
    layout: _Layout | None = None
    for line_no, line in _Lines(o):
        if not line.strip() or _is_docstart(line):
            evidence.previous = "O"
            continue
        tabs = "\t" in line if layout is None else layout.tabs
        fields = line.split("\t") if tabs else line.split()
        layout = _settle(o.path, layout, fields, line_no, tabs)
        if layout.width < 2:
            break
        # The syntax any scheme allows; the prefixes are checked on the real pass.
        check_tag(fields[-1], "bioes", o.labels, f"{o.path}, line {line_no}")
        evidence.see(fields[-1], line_no)
        if evidence.bioes or evidence.i_starts + evidence.b_starts >= _SAMPLE_STARTS:
            break
    return evidence.scheme()


def _joined_offsets(words: Sequence[str]) -> list[tuple[int, int]]:
    offsets: list[tuple[int, int]] = []
    position = 0
    for word in words:
        offsets.append((position, position + len(word)))
        position += len(word) + 1
    return offsets


class _Sentences:
    """Turns the lines of a file into sentence rows, remembering where each began."""

    def __init__(self, o: ReadOptions, scheme: Scheme) -> None:
        self.o = o
        self.scheme = scheme
        self.layout: _Layout | None = None
        #: Where the sentence last handed out began ("line 12").
        self.place = ""
        self.repaired_at = 0
        #: Sentences read so far.
        self.count = 0
        self._lines: _Lines | None = None

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
        layout: _Layout | None = None
        tabs = False
        width = 0
        # Tags seen once need no second check: a file has a dozen of them.
        checked: set[str] = set()
        watch_repairs = self.scheme == "iob2"
        opener = {"iob1": "B", "iob2": "I"}.get(self.scheme, "")
        # BIOES has more ways to differ (an E- without B-): always compared.
        irregular = self.scheme == "bioes"
        self._lines = lines = _Lines(o)
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
            if line.startswith(DOCSTART) and _is_docstart(line):
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
                self.layout = layout = _settle(o.path, None, fields, line_no, tabs)
                width = layout.width
            else:
                fields = line.split("\t") if tabs else line.split()
                if len(fields) != width or "" in fields:
                    _settle(o.path, layout, fields, line_no, tabs)
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
            offsets = _joined_offsets(words)
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
        scheme = _detect(o)
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


def sniff_conll(path: Path, encoding: str = "utf-8") -> bool:
    """Whether the first lines of ``path`` look like CoNLL columns.

    Used for a file without a telling suffix (``eng.testa``, a ``.tsv`` of
    ``token<TAB>tag``) in a span project: a ``-DOCSTART-`` line, or lines of
    two or more columns whose last is ``O`` or a tag.
    """
    try:
        with path.open(encoding=encoding, errors="replace") as f:
            head = [line.rstrip("\r\n") for line in itertools.islice(f, 200)]
    except OSError:
        return False
    lines = [line for line in head if line.strip()]
    if not lines:
        return False
    if _is_docstart(lines[0]):
        return True
    tagged = 0
    for line in lines[:50]:
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 2:
            return False
        tag = fields[-1]
        prefix, dash, kind = tag.partition("-")
        if tag != "O" and not (dash and kind and prefix in ("B", "I", "E", "S")):
            return False
        tagged += 1
    return tagged > 0


FORMAT = ReaderFormat(
    "conll",
    (".conll", ".iob", ".bio", ".bioes"),
    read_conll,
    label_column="spans",
    id_column="id",
    spans_checked=True,
)
