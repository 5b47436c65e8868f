"""Text files: which encoding to read them with, and their lines, read with a bound.

The encoding is checked against the first bytes before anything is parsed: a
UTF-16 or UTF-32 file (a byte-order mark, or NUL bytes between ASCII characters)
read as UTF-8 fails on its first byte, and the useful hint is ``--encoding
utf-16``, not latin-1. A decoding error is reported with its line number, found
by a second pass over the file once the first has failed.

:class:`LineSource` hands out physical lines, but never reads more than about
``max_field_bytes`` characters of one line without looking inside it: a longer
line is read in pieces and each piece goes through a :class:`FieldScanner` for
its format, which refuses a field over the limit as soon as it crosses it. A
wide row of many small fields is still read whole.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from activelabel.exceptions import ConfigError, EncodingError

__all__ = [
    "FieldOverLimit",
    "FieldScanner",
    "LineSource",
    "check_encoding_name",
    "encoding_error",
    "open_text",
    "text_encoding",
]

_LINE_ENDS = ("\n", "\r")


def check_encoding_name(encoding: str) -> None:
    """Refuse an encoding name Python does not know, with examples of good ones."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(
            f"Unknown encoding {encoding!r}; use a Python codec name such as "
            "utf-8, latin-1 or cp1252."
        ) from None


def _unicode_family(head: bytes) -> tuple[str, str] | None:
    """(encoding to suggest, why) when the first bytes say UTF-16 or UTF-32."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", "starts with a UTF-32 byte-order mark"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "starts with a UTF-16 byte-order mark"
    sample = head[:4096]
    if len(sample) < 8 or sample.count(0) < len(sample) // 4:
        return None
    # ASCII text in UTF-16 without a mark: every other byte is NUL.
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le", "has a NUL byte after every character, as UTF-16 text has"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be", "has a NUL byte before every character, as UTF-16 text has"
    return None


def text_encoding(path: Path, encoding: str) -> str:
    """The codec to read ``path`` with: ``encoding``, unless the first bytes refute it.

    A UTF-8 byte-order mark is skipped (``utf-8-sig``). A file that is plainly
    UTF-16 or UTF-32 while another encoding was asked for is refused with the
    ``--encoding`` to pass.
    """
    with path.open("rb") as f:
        head = f.read(4096)
    name = codecs.lookup(encoding).name
    if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    found = _unicode_family(head)
    if found is not None and not name.startswith(found[0][:6]):
        suggestion, why = found
        raise EncodingError(
            f"{path} is not {encoding}: it {why}. "
            f"Pass --encoding {suggestion} to read it."
        )
    return encoding


def _ascii_compatible(encoding: str) -> bool:
    try:
        return "\n,a".encode(encoding) == b"\n,a"
    except (UnicodeError, LookupError):
        return False


def _locate_decode_error(path: Path, encoding: str) -> tuple[int, int, str] | None:
    """(line, byte offset, the bad byte in hex) of the first undecodable byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    newline = "\n".encode(encoding) if _ascii_compatible(encoding) else None
    line = 1
    offset = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = exc.object[: exc.start]
                if newline is not None:
                    line += before.count(newline)
                else:
                    line += before.decode(encoding, "replace").count("\n")
                pending = len(exc.object) - len(chunk)
                bad = exc.object[exc.start : exc.start + 1].hex()
                return line, offset - pending + exc.start, bad
            line += text.count("\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return line, offset, exc.object[exc.start : exc.start + 1].hex()
    return None


def encoding_error(path: Path, encoding: str) -> EncodingError:
    """The error for a file that failed to decode, naming the line of the bad byte."""
    suggestion = (
        "latin-1" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else "utf-8"
    )
    shown = "utf-8" if encoding == "utf-8-sig" else encoding
    found = _locate_decode_error(path, encoding)
    where = (
        f"byte 0x{found[2]} on line {found[0]} (byte {found[1]:,} of the file)"
        if found
        else "a byte"
    )
    return EncodingError(
        f"{path} is not valid {shown}: {where} cannot be decoded. "
        f"Pass the file's encoding with --encoding (for example --encoding {suggestion} "
        "or --encoding cp1252)."
    )


def open_text(path: Path, encoding: str) -> tuple[IO[bytes], IO[str]]:
    """The file opened for bytes (its position is progress) and as text over it.

    Line endings are kept as they are (``newline=""``), which the csv module needs.
    """
    raw = path.open("rb")
    return raw, io.TextIOWrapper(raw, encoding=encoding, newline="")


class FieldOverLimit(Exception):
    """A scanner saw a field cross the limit; the reader names the file and row."""

    def __init__(self, column: int | None) -> None:
        super().__init__(column)
        #: 0-based position of the field in its row, when the scanner knows it.
        self.column = column


class FieldScanner(Protocol):
    """Follows the fields of one long line piece by piece, refusing a large one."""

    def begin(self, *, inside_field: bool) -> None:
        """Start a line; ``inside_field`` if it continues a quoted field."""

    def feed(self, piece: str) -> None:
        """Account for the next piece of the line; raise :class:`FieldOverLimit`."""


class LineSource(Iterator[str]):
    """Physical lines of a text stream, with long lines checked as they are read.

    For CSV (``multiline_records``), where a quoted field may span lines, the
    reader sets :attr:`at_record_start` after each record: a line pulled while it is false
    continues a quoted field, which the scanner needs to know.
    """

    def __init__(
        self,
        raw: IO[bytes],
        stream: IO[str],
        *,
        limit: int,
        scanner: FieldScanner,
        multiline_records: bool = False,
    ) -> None:
        self.raw = raw
        self.multiline_records = multiline_records
        self.stream = stream
        self.scanner = scanner
        # Two more than the limit: a field of exactly the limit and its line end.
        self.cap = limit + 2
        #: Physical lines handed out so far.
        self.line_no = 0
        #: The line the current record started on.
        self.record_line = 1
        self.at_record_start = True

    def __iter__(self) -> LineSource:
        return self

    @property
    def position(self) -> int:
        """Bytes of the file consumed so far."""
        return self.raw.tell()

    def __next__(self) -> str:
        piece = self.stream.readline(self.cap)
        if not piece:
            raise StopIteration
        self.line_no += 1
        continues_field = not self.at_record_start
        if self.at_record_start:
            self.record_line = self.line_no
            self.at_record_start = not self.multiline_records
        if len(piece) < self.cap or piece.endswith(_LINE_ENDS):
            return piece
        # A line longer than any allowed field: look inside it while reading.
        self.scanner.begin(inside_field=continues_field)
        self.scanner.feed(piece)
        pieces = [piece]
        while not piece.endswith(_LINE_ENDS):
            piece = self.stream.readline(self.cap)
            if not piece:
                break
            self.scanner.feed(piece)
            pieces.append(piece)
        return "".join(pieces)
