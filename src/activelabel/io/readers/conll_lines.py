"""The lines of a CoNLL file: how they are split, checked and what their tags say.

:mod:`activelabel.io.readers.conll` turns them into sentences; this module
reads lines with a bound, settles the columns from the first token line,
checks a tag against a scheme and the project's labels, detects the scheme
from the first entities, and tells a CoNLL file by its first lines.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from activelabel.exceptions import ImportFormatError, InvalidLabelError
from activelabel.io.readers.delimited import field_too_large
from activelabel.io.readers.protocol import ReadOptions
from activelabel.io.readers.text import encoding_error, open_text
from activelabel.tasks.adapter import LISTED_LABELS, label_choices
from activelabel.tasks.spans.tag_schemes import Scheme

__all__ = [
    "DOCSTART",
    "ConllLines",
    "Layout",
    "SchemeEvidence",
    "check_tag",
    "detect_scheme_of",
    "is_docstart",
    "settle_layout",
    "sniff_conll",
]

#: The first field of a line that opens a document.
DOCSTART = "-DOCSTART-"

_PREFIXES: dict[str, frozenset[str]] = {
    "iob1": frozenset("BI"),
    "iob2": frozenset("BI"),
    "bioes": frozenset("BIES"),
}


@dataclass
class Layout:
    """The columns of a file, settled by its first token line."""

    width: int
    tabs: bool
    line: int


class ConllLines:
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


def is_docstart(line: str) -> bool:
    return line.startswith(DOCSTART) and line[len(DOCSTART) : len(DOCSTART) + 1] in (
        "",
        " ",
        "\t",
    )


def settle_layout(
    path: Path, layout: Layout | None, fields: list[str], line_no: int, tabs: bool
) -> Layout:
    """The file's layout, or a sentence when this token line does not fit it."""
    if layout is None:
        return Layout(len(fields), tabs, line_no)
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
        choices = (
            f"the labels are: {', '.join(labels)}.{hint}"
            if len(labels) <= LISTED_LABELS
            else label_choices(kind, labels)
        )
        raise InvalidLabelError(
            f"{where}: the tag {tag!r} names {kind!r}, which is not a label of this "
            f"project; {choices}"
        )


@dataclass
class SchemeEvidence:
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


def detect_scheme_of(o: ReadOptions) -> Scheme:
    """The scheme of the file's tags, from its first :data:`_SAMPLE_STARTS` entities.

    IOB1 and IOB2 are read alike (an ``I-`` after ``O`` starts an entity either
    way), so the choice only decides what the import reports and which tags
    are kept as the file wrote them; BIOES shows itself at its first one-token
    or closed entity.
    """
    evidence = SchemeEvidence()
    layout: Layout | None = None
    for line_no, line in ConllLines(o):
        if not line.strip() or is_docstart(line):
            evidence.previous = "O"
            continue
        tabs = "\t" in line if layout is None else layout.tabs
        fields = line.split("\t") if tabs else line.split()
        layout = settle_layout(o.path, layout, fields, line_no, tabs)
        if layout.width < 2:
            break
        # The syntax any scheme allows; the prefixes are checked on the real pass.
        check_tag(fields[-1], "bioes", o.labels, f"{o.path}, line {line_no}")
        evidence.see(fields[-1], line_no)
        if evidence.bioes or evidence.i_starts + evidence.b_starts >= _SAMPLE_STARTS:
            break
    return evidence.scheme()


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
    if is_docstart(lines[0]):
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
