"""Agreement of labels that are lists of objects: entity spans, boxes.

Two annotators agree on an object when each found it: for spans, the same
start, end and label (exact match, as entity-level F1 counts it); for boxes,
the same label at IoU >= 0.5, each box matched at most once, best overlaps
first. For each pair of annotators, F1 = 2 × matched / (their objects),
pooled over the items both labeled; an item where neither found anything
adds nothing (F1 is undefined on it). Each label's F1 pools its objects over
every pair; each annotator's is their pairs' F1 weighted by shared items.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from activelabel.ml.box_metrics import IOU_THRESHOLD, box_iou
from activelabel.quality.agreement import (
    Agreement,
    LabelAgreement,
    PairAgreement,
    RaterAgreement,
)

__all__ = ["MATCHERS", "match_boxes", "match_spans", "object_agreement"]

#: (one annotator's objects, another's) -> the label of each object both found.
Matcher = Callable[
    [Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]], list[str]
]


def match_spans(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Spans both lists hold: the same start, end and label."""
    theirs = Counter((s["start"], s["end"], s["label"]) for s in b)
    found = []
    for span in a:
        key = (span["start"], span["end"], span["label"])
        if theirs[key] > 0:
            theirs[key] -= 1
            found.append(str(span["label"]))
    return found


def match_boxes(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Boxes of the same label overlapping at IoU >= 0.5, one to one, best first."""
    candidates = sorted(
        (
            (iou, i, j)
            for i, box in enumerate(a)
            for j, other in enumerate(b)
            if box["label"] == other["label"]
            and (iou := box_iou(box, other)) >= IOU_THRESHOLD
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    found = []
    for _, i, j in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        found.append(str(a[i]["label"]))
    return found


#: The object measures, by name (``adapter.agreement``).
MATCHERS: Final[dict[str, Matcher]] = {
    "exact_spans": match_spans,
    "matched_boxes": match_boxes,
}


def _f1(matched: float, total: float) -> float | None:
    return 2 * matched / total if total > 0 else None


def object_agreement(
    measure: str,
    items: Sequence[int] | Any,
    raters: Sequence[int] | Any,
    values: Sequence[Any],
    labels: Sequence[str],
) -> Agreement:
    """Pairwise F1 of objects (``values[i]``, a list, given to ``items[i]`` by
    rater ``raters[i]``), with :data:`MATCHERS` ``[measure]`` deciding a match."""
    match = MATCHERS[measure]
    by_item: dict[int, dict[int, Any]] = defaultdict(dict)
    for item, rater, value in zip(items, raters, values, strict=True):
        by_item[int(item)][int(rater)] = value or []
    pair_matched: Counter[tuple[int, int]] = Counter()
    pair_total: Counter[tuple[int, int]] = Counter()
    pair_items: Counter[tuple[int, int]] = Counter()
    label_matched: Counter[str] = Counter()
    label_total: Counter[str] = Counter()
    n_items = n_ratings = 0
    for given in by_item.values():
        if len(given) < 2:
            continue
        n_items += 1
        n_ratings += len(given)
        raters_here = sorted(given)
        for x, a in enumerate(raters_here):
            for b in raters_here[x + 1 :]:
                mine, theirs = given[a], given[b]
                found = match(mine, theirs)
                key = (a, b)
                pair_items[key] += 1
                pair_matched[key] += len(found)
                pair_total[key] += len(mine) + len(theirs)
                label_matched.update(found)
                label_total.update(str(o["label"]) for o in (*mine, *theirs))
    pairs = [
        PairAgreement(
            a, b, pair_items[(a, b)], f1=_f1(pair_matched[(a, b)], pair_total[(a, b)])
        )
        for a, b in sorted(pair_items)
    ]
    per_rater = []
    for rater in sorted({r for p in pairs for r in (p.a, p.b)}):
        mine = [p for p in pairs if rater in (p.a, p.b)]
        per_rater.append(
            RaterAgreement(rater, sum(p.items for p in mine), f1=_mean_f1(mine))
        )
    names = list(labels) + sorted(set(label_total) - set(labels))
    per_label = [
        LabelAgreement(
            name, label_total[name], f1=_f1(label_matched[name], label_total[name])
        )
        for name in names
    ]
    return Agreement(
        measure=measure,
        items=n_items,
        ratings=n_ratings,
        mean_pair_f1=_mean_f1(pairs),
        pairs=pairs,
        labels=per_label,
        raters=per_rater,
    )


def _mean_f1(pairs: Sequence[PairAgreement]) -> float | None:
    """Pairs' F1 weighted by their shared items (pairs with an F1 only)."""
    scored = [(p.f1, p.items) for p in pairs if p.f1 is not None]
    weight = sum(w for _, w in scored)
    return sum(f * w for f, w in scored) / weight if weight else None
