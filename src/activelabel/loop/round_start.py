"""What every round starts with, whatever its model learns from.

A round over feature rows (:mod:`activelabel.loop.round`), over sentences
(:mod:`activelabel.loop.span_round`) and over images with boxes
(:mod:`activelabel.loop.box_round`) each read the project, its pool and the
training labels in one session (:func:`read_round_inputs`), and each picks
the strategy that orders its queue from what its task kind offers
(:func:`kind_strategy`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from activelabel.exceptions import ConfigError
from activelabel.loop.pool_memo import PoolMemo, PoolRow, read_pool_rows
from activelabel.loop.training_labels import training_labels
from activelabel.loop.weak_labels import WeakLabels, refresh_weak_labels
from activelabel.loop.write import RoundReport
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.tasks import TaskAdapter

__all__ = ["RoundInputs", "kind_strategy", "read_round_inputs"]


@dataclass
class RoundInputs:
    """The project (detached from its session), its report, pool and labels."""

    project: Project
    report: RoundReport
    #: Every item of the project, in id order.
    rows: list[PoolRow]
    #: The training label of every labeled item, by item id.
    labels: dict[int, Any]
    #: The label model's labels over the labeling functions' votes, fitted
    #: for this round (None: the project has no enabled function).
    weak: WeakLabels | None = None


def read_round_inputs(
    store: Store, project_id: int, memo: PoolMemo | None = None
) -> RoundInputs:
    """Read the project, its pool and its training labels in one session; bring
    the weak labels up to date (:mod:`activelabel.loop.weak_labels`).

    A ``memo`` kept from the round before saves re-reading an unchanged pool.
    """
    with store.session() as session:
        project = session.get_one(Project, project_id)
        if memo is None:
            rows = read_pool_rows(session, project_id)
        else:
            rows = memo.pool_rows(
                session, store.engine.url.render_as_string(), project_id
            )
        labels = training_labels(session, project_id)
        session.expunge(project)
    report = RoundReport(project=project.name)
    report.pool_size = len(rows)
    weak = refresh_weak_labels(store, project_id, pool_size=len(rows))
    report.weak_labels = len(weak) if weak else 0
    return RoundInputs(
        project=project, report=report, rows=rows, labels=labels, weak=weak
    )


def kind_strategy(
    adapter: TaskAdapter, asked: str | None, known: Collection[str], orders: str
) -> str:
    """The strategy that orders a queue: ``asked``, else the adapter's first.

    ``random`` is always allowed; a strategy the task kind does not offer, or
    that this round cannot compute (``known``), is refused with a sentence
    saying what the round ``orders`` ("sentences", "images by their boxes").
    """
    if asked in (None, "", "default"):
        return adapter.strategies[0]
    if asked == "random":
        return "random"
    if asked not in adapter.strategies or asked not in known:
        raise ConfigError(
            f"The strategy {asked!r} does not order {orders}; a "
            f"{adapter.kind.value} project uses one of: {', '.join(adapter.strategies)}."
        )
    return str(asked)
