"""Which items need ``overlap`` annotators when only a share of them does.

``overlap_share`` (0 < share <= 1) picks the items that are labeled by
``overlap`` annotators (to measure agreement) at random but stably: an item
is in the share when a multiplicative hash of its id (Knuth's, modulo 2^32)
falls below ``share`` of the range. The same arithmetic runs in Python (a
label's dequeue) and in SQL (a top-up's walk), on SQLite and PostgreSQL
alike (a 32-bit id times the multiplier fits in 64 bits), so both always
agree on an item, and an item never moves in or out of the share while the
share stays the same. Ids are consecutive, and the hash spreads them evenly:
about ``share`` of any run of ids is in.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Float, bindparam, case, literal
from sqlalchemy.sql import ColumnElement

__all__ = ["annotators_needed", "annotators_needed_sql", "in_overlap_share"]

#: Knuth's multiplicative hash constant (2^32 / golden ratio).
_MULTIPLIER: Final = 2_654_435_761
_RANGE: Final = 2**32


def in_overlap_share(item_id: int, share: float) -> bool:
    """Whether the item is one of the ``share`` that need ``overlap`` annotators."""
    return share >= 1.0 or (item_id * _MULTIPLIER) % _RANGE < share * _RANGE


def annotators_needed(item_id: int, overlap: int, share: float) -> int:
    """How many annotators should label the item: ``overlap`` in the share, else 1."""
    return overlap if overlap > 1 and in_overlap_share(item_id, share) else 1


def annotators_needed_sql(item_id: Any) -> ColumnElement[int]:
    """:func:`annotators_needed` in SQL, with ``:overlap`` and ``:share`` bound."""
    hashed = (item_id * literal(_MULTIPLIER)) % literal(_RANGE)
    threshold = bindparam("share", type_=Float) * literal(float(_RANGE))
    return case(
        (hashed < threshold, bindparam("overlap")),
        else_=literal(1),
    )
