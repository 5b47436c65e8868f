"""Gold items (honeypots): items with a known answer that score the annotators.

An import with ``--gold`` stores each row's label here (``gold_answers``),
not as an annotation, so the known answer never trains the model and never
counts as a label. Gold items are never queued (rounds, random fills and
top-ups leave them out: :data:`NOT_GOLD`); "next task" mixes one into an
annotator's tasks at the project's ``gold_rate`` (:class:`GoldMixer`),
without a suggestion, looking like any other task. An annotator is never
given a gold item they labeled before. What annotators answer on a gold item
is a label like any other (it trains the model and is exported); comparing
it with the known answer gives each annotator's accuracy (:func:`gold_scores`).
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Executable

from activelabel.store.models import Annotation, GoldAnswer, Item, User, utcnow
from activelabel.tasks.adapter import value_key

if TYPE_CHECKING:
    # Only a type here: the lease module reaches this one through the queue's.
    from activelabel.store.leases import LeasedTask

__all__ = [
    "GOLD_AMONG",
    "NOT_GOLD",
    "GoldMixer",
    "GoldScore",
    "count_gold",
    "gold_scores",
    "not_gold",
    "pick_gold_tasks",
    "store_gold_answers",
]

_gold = cast(Table, GoldAnswer.__table__)


def not_gold(item_id: Any) -> ColumnElement[bool]:
    """``item_id`` is no gold item: a primary-key lookup in ``gold_answers``
    (a ``LIMIT 1`` scalar subquery, which neither backend turns into a join)."""
    return (
        select(literal_column("1"))
        .where(GoldAnswer.item_id == item_id)
        .limit(1)
        .scalar_subquery()
        .is_(None)
    )


#: Items that are not gold, as a WHERE clause on ``Item``.
NOT_GOLD = not_gold(Item.id)

#: Which of the ``ids`` (expanding) are gold items.
GOLD_AMONG = select(GoldAnswer.item_id).where(
    GoldAnswer.item_id.in_(bindparam("ids", expanding=True))
)


def store_gold_answers(
    connection: Connection, project_id: int, answers: Sequence[tuple[int, str]]
) -> int:
    """Store ``(item id, answer as JSON text)`` pairs; an item's earlier answer
    is replaced. Returns how many were written."""
    if not answers:
        return 0
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_gold)
    statement = statement.on_conflict_do_update(
        index_elements=[_gold.c.item_id], set_={"value": statement.excluded.value}
    )
    now = utcnow()
    connection.execute(
        statement,
        [
            {
                "project_id": project_id,
                "item_id": item_id,
                "value": json.loads(value),
                "created_at": now,
            }
            for item_id, value in answers
        ],
    )
    return len(answers)


def count_gold(session: Session, project_id: int) -> int:
    """How many gold items the project has."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(_gold)
            .where(_gold.c.project_id == project_id)
        )
        or 0
    )


@functools.cache
def _pick_statement(dialect: str) -> Executable:
    """Up to ``:n`` random gold items of ``:project`` that ``:annotator`` never
    labeled (any status) and does not hold (``:exclude``), with what a task
    shows."""
    labeled_before = exists().where(
        Annotation.item_id == GoldAnswer.item_id,
        Annotation.annotator_id == bindparam("annotator"),
    )
    if dialect == "postgresql":
        from sqlalchemy import ARRAY, all_

        held = GoldAnswer.item_id != all_(bindparam("exclude", type_=ARRAY(Integer)))
    else:
        held = GoldAnswer.item_id.notin_(bindparam("exclude", expanding=True))
    return (
        select(Item.id, Item.external_id, Item.data, Item.media_path)
        .join(GoldAnswer, GoldAnswer.item_id == Item.id)
        .where(GoldAnswer.project_id == bindparam("project"), held, ~labeled_before)
        .order_by(func.random())
        .limit(bindparam("n", type_=Integer))
    )


def pick_gold_tasks(
    connection: Connection,
    *,
    project_id: int,
    user_id: int,
    n: int,
    exclude: Sequence[int],
    like: LeasedTask,
) -> list[LeasedTask]:
    """Up to ``n`` gold items for ``user_id``, dressed as ``like`` (its query
    session, strategy, priority and lease time; no suggestion, no score);
    fewer when they have had (or hold) the others."""
    # An empty expanding IN would be refused; -1 is no item's id.
    held = list(exclude) or [-1]
    rows = connection.execute(
        _pick_statement(connection.dialect.name),
        {"project": project_id, "annotator": user_id, "exclude": held, "n": n},
    ).all()
    return [
        replace(
            like,
            item_id=row[0],
            external_id=row[1],
            data=row[2],
            media_path=row[3],
            suggestion=None,
            confidence=None,
            score=None,
        )
        for row in rows
    ]


@dataclass
class GoldMixer:
    """When "next task" gives an annotator a gold item: one per server.

    It counts, per project and annotator, the tasks this server served and
    the gold items among them, and serves a gold item whenever the gold so far
    falls below ``gold_rate`` of the tasks (so every 1/rate-th task, e.g. one
    in 20 at 0.05). Counting in memory costs the labeling path nothing; a
    server that restarts starts counting again, which keeps the rate. An
    annotator who has had every gold item is not looked up again for
    ``exhausted_seconds``.
    """

    exhausted_seconds: float = 60.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _served: dict[tuple[int, int], list[int]] = field(default_factory=dict, repr=False)
    _exhausted: dict[tuple[int, int], float] = field(default_factory=dict, repr=False)

    def due(self, project_id: int, user_id: int, *, n: int, rate: float) -> int:
        """How many of the next ``n`` tasks of ``user_id`` should be gold items."""
        key = (project_id, user_id)
        if time.monotonic() < self._exhausted.get(key, 0.0):
            return 0
        served, gold = self._served.get(key, (0, 0))
        return max(0, min(n, math.floor(rate * (served + n) + 1e-9) - gold))

    def record(
        self, project_id: int, user_id: int, *, served: int, gold: int, exhausted: bool
    ) -> None:
        """Count a call's tasks (``gold`` of them gold items)."""
        key = (project_id, user_id)
        with self._lock:
            counts = self._served.setdefault(key, [0, 0])
            counts[0] += served
            counts[1] += gold
            if exhausted:
                self._exhausted[key] = time.monotonic() + self.exhausted_seconds


@dataclass(frozen=True)
class GoldScore:
    """An annotator's answers on gold items."""

    annotator: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        """Share of their gold answers that were right."""
        return self.correct / self.answered if self.answered else None


def gold_scores(session: Session, project_id: int) -> list[GoldScore]:
    """Each annotator's answered, correct and accuracy on the project's gold
    items (their active labels), most answered first."""
    rows = session.execute(
        select(User.name, Annotation.value, GoldAnswer.value)
        .join(GoldAnswer, GoldAnswer.item_id == Annotation.item_id)
        .join(User, User.id == Annotation.annotator_id)
        .where(
            and_(
                Annotation.project_id == project_id,
                Annotation.status == "active",
                Annotation.source == "human",
            )
        )
    ).all()
    answered: dict[str, int] = {}
    correct: dict[str, int] = {}
    for name, given, known in rows:
        answered[name] = answered.get(name, 0) + 1
        if value_key(given) == value_key(known):
            correct[name] = correct.get(name, 0) + 1
    return sorted(
        (
            GoldScore(name, count, correct.get(name, 0))
            for name, count in answered.items()
        ),
        key=lambda s: (-s.answered, s.annotator),
    )
