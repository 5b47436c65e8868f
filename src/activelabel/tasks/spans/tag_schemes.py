"""Token tags and character spans: IOB1, IOB2 and BIOES, and the checks on spans.

A span project stores character spans; token formats (CoNLL, token-per-line
files) and the sequence model speak tags, one per token:

``iob2``
    ``B-X`` on an entity's first token, ``I-X`` on the rest, ``O`` outside.
``iob1``
    CoNLL-2003's original scheme: an entity starts with ``I-X``; ``B-X`` only
    starts an entity that directly follows another of the same type.
``bioes``
    ``S-X`` for a one-token entity, else ``B-X``, ``I-X``..., ``E-X``.

Reading tags is lenient in one documented way: an ``I-X`` that follows ``O`` or
an entity of another type starts a new entity (as IOB1 reads it), so an IOB2
file with that common slip imports rather than being refused; likewise a BIOES
``I-X`` or ``E-X`` without its ``B-X``. A tag that is neither ``O`` nor
``P-TYPE`` with a prefix of the scheme is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast, get_args

from activelabel.exceptions import InvalidLabelError
from activelabel.tasks.spans.tokenization import Token

__all__ = [
    "SCHEMES",
    "Scheme",
    "check_spans",
    "convert",
    "detect_scheme",
    "entities_from_tags",
    "spans_to_tags",
    "tags_to_spans",
]

Scheme = Literal["iob1", "iob2", "bioes"]
SCHEMES: tuple[str, ...] = get_args(Scheme)

_PREFIXES: dict[str, frozenset[str]] = {
    "iob1": frozenset("BI"),
    "iob2": frozenset("BI"),
    "bioes": frozenset("BIES"),
}

#: An entity over tokens: ``(first token, one past the last token, type)``.
Entity = tuple[int, int, str]


def check_scheme(scheme: str) -> Scheme:
    """``scheme`` if it is one of :data:`SCHEMES`, else a sentence naming them."""
    if scheme not in SCHEMES:
        raise InvalidLabelError(
            f"Unknown tag scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}."
        )
    return cast(Scheme, scheme)


def _split(tag: str, scheme: str, where: str) -> tuple[str, str]:
    """``("B", "PER")`` for ``B-PER``; ``("O", "")`` for ``O``."""
    if tag == "O":
        return "O", ""
    prefix, dash, kind = tag.partition("-")
    if not dash or not kind or prefix not in _PREFIXES[scheme]:
        allowed = "/".join(sorted(_PREFIXES[scheme]))
        raise InvalidLabelError(
            f"{where}: {tag!r} is not a {scheme.upper()} tag; a tag is O or "
            f"{allowed}- followed by a label, such as {sorted(_PREFIXES[scheme])[0]}-PER."
        )
    return prefix, kind


def entities_from_tags(
    tags: Sequence[str], scheme: str = "iob2", *, where: str = "tags"
) -> list[Entity]:
    """The entities a tag sequence marks, as token ranges with their type."""
    scheme = check_scheme(scheme)
    entities: list[Entity] = []
    open_start = -1
    open_kind = ""

    def close(end: int) -> None:
        nonlocal open_start, open_kind
        if open_start >= 0:
            entities.append((open_start, end, open_kind))
        open_start, open_kind = -1, ""

    for i, tag in enumerate(tags):
        prefix, kind = _split(tag, scheme, f"{where}, token {i + 1}")
        if prefix == "O":
            close(i)
        elif prefix in ("B", "S") or kind != open_kind:
            # B and S always start an entity; I or E of another type (or after
            # O) starts one too: the documented repair.
            close(i)
            open_start, open_kind = i, kind
        if prefix in ("E", "S"):
            close(i + 1)
    close(len(tags))
    return entities


def tags_to_spans(
    tokens: Sequence[Token],
    tags: Sequence[str],
    scheme: str = "iob2",
    *,
    where: str = "tags",
) -> list[dict[str, Any]]:
    """Character spans ``{"start", "end", "label"}`` from one tag per token."""
    if len(tokens) != len(tags):
        raise InvalidLabelError(
            f"{where}: {len(tags)} tags for {len(tokens)} tokens; give one tag per token."
        )
    return [
        {"start": tokens[first][0], "end": tokens[last - 1][1], "label": kind}
        for first, last, kind in entities_from_tags(tags, scheme, where=where)
    ]


def _token_ranges(
    tokens: Sequence[Token], spans: Iterable[dict[str, Any]]
) -> list[Entity]:
    """Each span as the range of tokens it covers (spans covering no token dropped)."""
    starts = {start: i for i, (start, _) in enumerate(tokens)}
    ends = {end: i for i, (_, end) in enumerate(tokens)}
    ranges: list[Entity] = []
    for span in spans:
        first = starts.get(int(span["start"]))
        last = ends.get(int(span["end"]))
        if first is None or last is None:
            # Off token boundaries: cover every token the span touches.
            touched = [
                i
                for i, (a, b) in enumerate(tokens)
                if a < int(span["end"]) and b > int(span["start"])
            ]
            if not touched:
                continue
            first, last = touched[0], touched[-1]
        ranges.append((first, last + 1, str(span["label"])))
    ranges.sort()
    return ranges


def spans_to_tags(
    tokens: Sequence[Token], spans: Iterable[dict[str, Any]], scheme: str = "iob2"
) -> list[str]:
    """One tag per token for ``spans`` (character spans on token boundaries)."""
    scheme = check_scheme(scheme)
    tags = ["O"] * len(tokens)
    previous_end, previous_kind = -1, ""
    for first, last, kind in _token_ranges(tokens, spans):
        if scheme == "bioes":
            if last - first == 1:
                tags[first] = f"S-{kind}"
            else:
                tags[first] = f"B-{kind}"
                tags[first + 1 : last - 1] = [f"I-{kind}"] * (last - first - 2)
                tags[last - 1] = f"E-{kind}"
        else:
            tags[first:last] = [f"I-{kind}"] * (last - first)
            adjacent = previous_end == first and previous_kind == kind
            if scheme == "iob2" or adjacent:
                tags[first] = f"B-{kind}"
        previous_end, previous_kind = last, kind
    return tags


def convert(tags: Sequence[str], source: str, target: str) -> list[str]:
    """The same entities in another scheme (``convert(tags, "iob1", "iob2")``)."""
    tokens = [(i, i + 1) for i in range(len(tags))]
    return spans_to_tags(tokens, tags_to_spans(tokens, tags, source), target)


def detect_scheme(tag_sequences: Iterable[Sequence[str]]) -> Scheme:
    """The scheme a file's tags are written in.

    ``E-``/``S-`` anywhere: BIOES. An entity that starts with ``I-`` (after
    ``O``, another type, or the sentence start): IOB1. Otherwise IOB2, which
    also reads a file with no entities or only one-type runs of ``B-``/``I-``.
    """
    iob1 = False
    for tags in tag_sequences:
        previous = "O"
        for tag in tags:
            prefix = tag[:2]
            if prefix in ("E-", "S-"):
                return "bioes"
            if prefix == "I-" and (previous == "O" or previous[2:] != tag[2:]):
                iob1 = True
            previous = tag
    return "iob1" if iob1 else "iob2"


def check_spans(
    text: str,
    tokens: Sequence[Token],
    spans: Sequence[dict[str, Any]],
    *,
    where: str = "item",
) -> None:
    """Refuse spans outside ``text``, with a boundary inside a token, or overlapping.

    Each sentence names ``where``, the span and the text it covers.
    """
    starts = {start for start, _ in tokens}
    ends = {end for _, end in tokens}
    ordered = sorted(spans, key=lambda s: (int(s["start"]), int(s["end"])))
    previous: dict[str, Any] | None = None
    for span in ordered:
        start, end = int(span["start"]), int(span["end"])
        shown = f"span {start}–{end} ({span.get('label')})"
        if not 0 <= start < end <= len(text):
            raise InvalidLabelError(
                f"{where}: {shown} lies outside the text, which has "
                f"{len(text)} characters."
            )
        if start not in starts or end not in ends:
            raise InvalidLabelError(
                f"{where}: {shown} starts or ends inside a token "
                f"({text[start:end]!r}); a span covers whole tokens."
            )
        if previous is not None and start < int(previous["end"]):
            raise InvalidLabelError(
                f"{where}: {shown} overlaps span {previous['start']}–"
                f"{previous['end']} ({previous.get('label')}); spans may not overlap."
            )
        previous = span
