"""An item leased to someone else is theirs: refuse to skip it for them.

A skip (:func:`skip_item`) gives back the caller's own lease
(``leases.release_item`` only ever updates an entry the caller holds). A
skip of an item another annotator holds would do nothing, so it is refused
with a sentence instead of a silent 204. Labels make the same check inside
their one read (``store/submit.py``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from activelabel.exceptions import ItemLeasedError
from activelabel.store.leases import release_item
from activelabel.store.models import Project, QueueEntry, utcnow

__all__ = ["refuse_if_leased_to_another", "skip_item"]


def skip_item(
    session: Session, *, project: Project, item_id: int, user_id: int
) -> None:
    """``user_id`` gives the item back; it moves behind every other entry.

    Raises ``ItemLeasedError`` (and the item keeps its lease) when another
    annotator holds it.
    """
    refuse_if_leased_to_another(
        session, project=project, item_id=item_id, user_id=user_id
    )
    release_item(
        session, project_id=project.id, item_id=item_id, user_id=user_id, to_back=True
    )


def refuse_if_leased_to_another(
    session: Session,
    *,
    project: Project,
    item_id: int,
    user_id: int,
    now: dt.datetime | None = None,
) -> None:
    """Raise ``ItemLeasedError`` if another annotator holds a live lease on the item.

    A project whose ``overlap`` is above 1 lets several annotators work on
    one item, so there nothing is refused.
    """
    if project.settings.overlap > 1:
        return
    until = session.scalar(
        select(QueueEntry.lease_expires_at).where(
            QueueEntry.project_id == project.id,
            QueueEntry.item_id == item_id,
            QueueEntry.leased_by != user_id,
            QueueEntry.lease_expires_at >= (now or utcnow()),
        )
    )
    if until is not None:
        raise ItemLeasedError(
            f"Item {item_id} of {project.name!r} is leased to another annotator "
            f"until {until:%H:%M} UTC; only they can skip it."
        )
