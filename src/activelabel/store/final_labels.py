"""An item's final label, how it was decided, and where its review stands.

One place answers both for everyone who shows or writes a label: the labels
export, the review queue and the browse view.

* The **final label** is a reviewer's correction when there is one (an
  active annotation with source ``review``); otherwise the majority of the
  item's active labels (ties: the earliest), as
  :func:`~activelabel.store.annotations.aggregate_values` votes.
* **How it was decided** (``decided_by``): ``review``; ``single`` (one label,
  by a person); ``consensus`` (several labels, all equal); ``majority``
  (several, a strict majority); ``tie`` (several, no majority: the earliest of
  the tied values is shown); or, for one label nobody gave by hand, its
  source (``import``, ``rule``, ``model``...).
* A **conflict**: the people who labeled the item disagree and no reviewer
  has settled it. Its label is not to be trusted as it stands.
* The **review state**: ``unlabeled`` or ``labeled`` (not reviewed), else the
  newest review's decision (``accepted``, ``corrected``, ``rejected``),
  except that an accepted or rejected item labeled again since is ``labeled``
  once more: the new label waits for a review. A correction stands until the
  next review, since its value is the item's label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from activelabel.store.annotations import aggregate_values
from activelabel.tasks.adapter import value_key

__all__ = [
    "MODEL_SOURCE",
    "NOT_VOTES",
    "REVIEW_SOURCE",
    "REVIEW_STATES",
    "Decided",
    "decide_label",
    "review_state",
]

#: The source of a reviewer's correction: the item's final label.
REVIEW_SOURCE: Final = "review"

#: The source of a label the model gave an item itself (``auto_accept``;
#: :mod:`activelabel.store.auto_labels`).
MODEL_SOURCE: Final = "model"

#: Sources of rows that are no label of their own, hence no vote (the parents
#: a taxonomy adds beside a person's label).
NOT_VOTES: Final = ("taxonomy",)

#: Every review state an item can be in.
REVIEW_STATES: Final = ("unlabeled", "labeled", "accepted", "corrected", "rejected")


@dataclass(frozen=True)
class Decided:
    """An item's final label and how it came to be."""

    value: Any
    #: Active labels of the item (the reviewer's correction included).
    n_annotators: int
    #: Share of the item's active labels (a correction aside) equal to the
    #: majority's value, in [0, 1]; None when only a reviewer labeled it.
    agreement: float | None
    #: Sources of the labels that gave the final value, joined with ``+``.
    label_source: str
    decided_by: str
    #: People disagree and no reviewer settled it.
    conflict: bool


def decide_label(active: Sequence[tuple[Any, str]]) -> Decided | None:
    """The final label of an item from its active (value, source) labels, oldest
    first; None when it has none."""
    active = [(value, source) for value, source in active if source not in NOT_VOTES]
    if not active:
        return None
    if len(active) == 1 and active[0][1] != REVIEW_SOURCE:
        # Most items of an export: one label, nothing to vote on.
        value, source = active[0]
        return Decided(value, 1, 1.0, source, _decided_by(active), False)
    corrections = [value for value, source in active if source == REVIEW_SOURCE]
    others = [(value, source) for value, source in active if source != REVIEW_SOURCE]
    consensus = aggregate_values([value for value, _ in others])
    agreement = None if consensus is None else consensus.agreement
    if corrections:
        return Decided(
            corrections[-1], len(active), agreement, REVIEW_SOURCE, REVIEW_SOURCE, False
        )
    assert consensus is not None
    people = {value_key(value) for value, source in others if source == "human"}
    winners = sorted(
        {
            source
            for value, source in others
            if value_key(value) == value_key(consensus.value)
        }
    )
    return Decided(
        consensus.value,
        len(active),
        agreement,
        "+".join(winners),
        _decided_by(others),
        len(people) > 1,
    )


def _decided_by(labels: Sequence[tuple[Any, str]]) -> str:
    if len(labels) == 1:
        source = labels[0][1]
        return "single" if source == "human" else source
    counts = Counter(value_key(value) for value, _ in labels).most_common()
    if len(counts) == 1:
        return "consensus"
    return "majority" if counts[0][1] > counts[1][1] else "tie"


def review_state(*, labeled: bool, decision: str | None, relabeled: bool) -> str:
    """Where an item's review stands (one of :data:`REVIEW_STATES`).

    ``decision`` is the newest review's (None if none); ``relabeled``: a label
    other than a correction was given since that review.
    """
    if decision is None:
        return "labeled" if labeled else "unlabeled"
    if decision != "corrected" and relabeled:
        return "labeled"
    return decision
