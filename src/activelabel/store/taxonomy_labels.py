"""The parents a taxonomy adds when a person gives a child label.

When someone labels an item with a child label (multilabel: the task's
adapter says which parents a value lacks), the parents are stored beside the
person's annotation as one more active annotation: same item, same
annotator, ``source="taxonomy"``, ``value`` = the parents added (schema
order). Kept apart, the history says which labels the person chose and which
the taxonomy added; the two rows are superseded and undone together.

Readers that decide an item's label fold each taxonomy row into its
annotator's value (:func:`fold_taxonomy`): the export's final value holds
the parents, and a taxonomy row is never a vote of its own
(``activelabel.store.final_labels.NOT_VOTES``). A project without parents
runs no statement here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Connection, bindparam, insert, update

from activelabel.store.models import Annotation, Project
from activelabel.tasks import adapter_for
from activelabel.tasks.adapter import TaskAdapter

__all__ = [
    "COMPLETED_SOURCES",
    "TAXONOMY_SOURCE",
    "fold_taxonomy",
    "store_parents",
    "undo_parents",
]

#: The source of the parents a taxonomy added to a person's label.
TAXONOMY_SOURCE: Final = "taxonomy"

#: Sources of labels a taxonomy completes: a person's (and a reviewer's correction).
COMPLETED_SOURCES: Final = frozenset({"human", "review"})

_INSERT_PARENTS = insert(Annotation)

# Built once (see store.annotations): the annotator's active taxonomy rows of
# an item, marked with a new status.
_END_PARENTS = (
    update(Annotation)
    .where(
        Annotation.item_id == bindparam("item"),
        Annotation.annotator_id == bindparam("annotator"),
        Annotation.source == TAXONOMY_SOURCE,
        Annotation.status == "active",
    )
    .values(status=bindparam("to_status"), updated_at=bindparam("now"))
)


def store_parents(
    connection: Connection, project: Project, row: dict[str, Any]
) -> dict[str, Any] | None:
    """After ``row`` (a person's new annotation, as
    :func:`~activelabel.store.annotations.annotation_row` built it) is written:
    supersede the annotator's earlier parents of the item and store the ones
    its value lacks. Returns the taxonomy row stored, or None.

    Runs nothing for a project without parents, or a label nobody gave by hand.
    """
    parents = project.settings.parents
    if (
        not parents
        or row["source"] not in COMPLETED_SOURCES
        or row["annotator_id"] is None
    ):
        return None
    now: dt.datetime = row["created_at"]
    connection.execute(
        _END_PARENTS,
        {
            "item": row["item_id"],
            "annotator": row["annotator_id"],
            "to_status": "superseded",
            "now": now,
        },
    )
    adapter = adapter_for(project.task)
    added = adapter.parents_to_add(project.labels, row["value"], parents)
    if not added:
        return None
    parents_row = {
        **row,
        "value": added,
        "source": TAXONOMY_SOURCE,
        "client_id": None,
        "accepted_suggestion": False,
        "seconds_spent": None,
    }
    connection.execute(_INSERT_PARENTS, parents_row)
    return parents_row


def undo_parents(
    connection: Connection,
    project: Project,
    *,
    item_id: int,
    annotator_id: int | None,
    now: dt.datetime,
) -> None:
    """Undo the annotator's parents of the item with their label (nothing for
    a project without parents)."""
    if not project.settings.parents or annotator_id is None:
        return
    connection.execute(
        _END_PARENTS,
        {
            "item": item_id,
            "annotator": annotator_id,
            "to_status": "undone",
            "now": now,
        },
    )


def fold_taxonomy(
    rows: Sequence[tuple[Any, str, int | None]],
    adapter: TaskAdapter,
    labels: Sequence[str],
) -> list[tuple[Any, str]]:
    """An item's active (value, source, annotator id) rows as (value, source),
    each taxonomy row folded into its annotator's label (so the value holds
    the parents) and left out as a row of its own."""
    added: dict[int | None, list[str]] = {}
    for value, source, annotator in rows:
        if source == TAXONOMY_SOURCE and isinstance(value, list):
            added.setdefault(annotator, []).extend(value)
    folded: list[tuple[Any, str]] = []
    for value, source, annotator in rows:
        if source == TAXONOMY_SOURCE:
            continue
        if annotator in added and source in COMPLETED_SOURCES:
            value = adapter.with_labels(labels, value, added[annotator])
        folded.append((value, source))
    return folded
