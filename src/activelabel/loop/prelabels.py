"""Prelabels: the spans suggested for a sentence, from every source, without overlaps.

Three sources suggest spans for a sentence nobody labeled yet:

``prediction``
    Pre-annotations imported with the data (``import --as-predictions``).
    Someone chose to bring them, so they come first.
``dictionary``
    Surface forms already labeled in other sentences, matched in this one;
    their confidence is how often that form carried that label.
``model``
    The sequence model's entities, with the probability the model gives them.

Spans may not overlap in a label, so the suggestion may not either:
:func:`merge_prelabels` keeps every imported prediction, then adds dictionary
and model spans from the most confident down (a longer span first among
equals, then the dictionary's before the model's), leaving out each span that
overlaps one already kept. Two sources suggesting the same span with the same
label are one span, under the source that won.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

__all__ = ["SOURCES", "Prelabel", "merge_prelabels", "sentence_confidence"]

#: A suggested span: ``start``, ``end``, ``label``, ``source``, ``confidence``.
Prelabel = dict[str, Any]

#: The sources, in the order they win a tie.
SOURCES: Final = ("prediction", "dictionary", "model")


def _as_prelabel(span: Mapping[str, Any], source: str) -> Prelabel:
    confidence = span.get("confidence")
    return {
        "start": int(span["start"]),
        "end": int(span["end"]),
        "label": str(span["label"]),
        "source": source,
        "confidence": None if confidence is None else round(float(confidence), 4),
    }


def merge_prelabels(
    *,
    model: Iterable[Mapping[str, Any]] = (),
    dictionary: Iterable[Mapping[str, Any]] = (),
    predictions: Iterable[Mapping[str, Any]] = (),
) -> list[Prelabel]:
    """The spans to suggest, in text order, no two overlapping.

    Imported predictions are kept first (among themselves, in text order, the
    first of two overlapping ones wins); then dictionary and model spans by
    falling confidence (a span without one counts as 0), longer first, the
    dictionary's first.
    """
    kept: list[Prelabel] = []

    def free(span: Prelabel) -> bool:
        return all(span["end"] <= k["start"] or k["end"] <= span["start"] for k in kept)

    for span in sorted(
        (_as_prelabel(s, "prediction") for s in predictions),
        key=lambda s: (s["start"], s["end"]),
    ):
        if span["start"] < span["end"] and free(span):
            kept.append(span)
    rank = {source: i for i, source in enumerate(SOURCES)}
    others = [_as_prelabel(s, "dictionary") for s in dictionary]
    others += [_as_prelabel(s, "model") for s in model]
    others.sort(
        key=lambda s: (
            -(s["confidence"] or 0.0),
            -(s["end"] - s["start"]),
            rank[s["source"]],
            s["start"],
        )
    )
    for span in others:
        if span["start"] < span["end"] and free(span):
            kept.append(span)
    kept.sort(key=lambda s: (s["start"], s["end"]))
    return kept


def sentence_confidence(prelabels: Sequence[Prelabel]) -> float | None:
    """The queue's confidence for a suggestion: its least confident span (None
    when no span says how sure it is, as with no span at all)."""
    known = [p["confidence"] for p in prelabels if p.get("confidence") is not None]
    return min(known) if known else None
