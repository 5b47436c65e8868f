"""What a label does to the queue: the item leaves it, an undo brings it back.

A labeled item leaves the queue once as many annotators as the project's
``overlap`` labeled it (or one, for an item outside ``overlap_share``); until then it stays, free for the others. An item
whose label was undone comes back at the front, leased to the annotator who
undid it, so their page shows it again next.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from activelabel.store.leases import DEFAULT_LEASE
from activelabel.store.models import Annotation, QueueEntry, utcnow
from activelabel.store.overlap_share import in_overlap_share

__all__ = ["DEQUEUE_ITEM", "complete_item", "requeue_item"]


#: Takes an item out of a project's queue (bind ``project`` and ``item``).
#: Built once: every label runs it.
DEQUEUE_ITEM = delete(QueueEntry).where(
    QueueEntry.project_id == bindparam("project"),
    QueueEntry.item_id == bindparam("item"),
)


def complete_item(
    session: Session,
    *,
    project_id: int,
    item_id: int,
    overlap: int = 1,
    overlap_share: float = 1.0,
) -> None:
    """An item got a label: drop it from the queue once ``overlap`` annotators
    labeled it (one, for an item outside ``overlap_share``)."""
    if overlap > 1 and in_overlap_share(item_id, overlap_share):
        labeled_by = session.scalar(
            select(func.count(func.distinct(Annotation.annotator_id))).where(
                Annotation.item_id == item_id, Annotation.status == "active"
            )
        )
        if (labeled_by or 0) < overlap:
            session.execute(
                update(QueueEntry)
                .where(
                    QueueEntry.project_id == project_id, QueueEntry.item_id == item_id
                )
                .values(leased_by=None, lease_expires_at=None)
            )
            return
    session.connection().execute(DEQUEUE_ITEM, {"project": project_id, "item": item_id})


def requeue_item(
    session: Session,
    *,
    project_id: int,
    item_id: int,
    user_id: int | None,
    session_id: int,
) -> None:
    """Put an item (whose label was undone or rejected) at the front, leased to
    ``user_id`` (free for anyone when None)."""
    top = session.scalar(
        select(func.max(QueueEntry.priority)).where(QueueEntry.project_id == project_id)
    )
    priority = (top if top is not None else 0.0) + 1.0
    existing = session.scalar(
        select(QueueEntry.id).where(
            QueueEntry.project_id == project_id, QueueEntry.item_id == item_id
        )
    )
    values = {
        "priority": priority,
        "leased_by": user_id,
        "lease_expires_at": None if user_id is None else utcnow() + DEFAULT_LEASE,
    }
    if existing is not None:
        session.execute(
            update(QueueEntry).where(QueueEntry.id == existing).values(**values)
        )
    else:
        session.execute(
            insert(QueueEntry).values(
                project_id=project_id, item_id=item_id, session_id=session_id, **values
            )
        )
