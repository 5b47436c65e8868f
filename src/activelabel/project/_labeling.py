"""What the facade's labeling needs: leased items, annotators and item ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from activelabel.exceptions import ItemNotFoundError, PermissionDeniedError
from activelabel.store.annotations import undo_label
from activelabel.store.engine import Store
from activelabel.store.lease_conflicts import skip_item
from activelabel.store.leases import LeasedTask
from activelabel.store.models import Annotation, Item
from activelabel.store.projects import get_project
from activelabel.store.users import add_user, find_user

__all__ = [
    "DEFAULT_ANNOTATOR",
    "LeasedItem",
    "annotator_id",
    "item_id_of",
    "leased_items",
    "skip_leased",
    "undo_own_label",
]

#: Who labels when no ``annotator`` is named: a user of this name is added on
#: first use, apart from the page's ``local`` user, so the two never share items.
DEFAULT_ANNOTATOR = "notebook"


@dataclass(frozen=True)
class LeasedItem:
    """An item leased to an annotator by :meth:`Project.next_items`.

    The lease keeps it from every other annotator (on the page too) until
    ``lease_expires_at``; pass it to :meth:`Project.label` to label it.

    Examples
    --------
    >>> [item] = project.next_items(1, annotator="alice")
    >>> item.data["text"], item.suggestion, item.confidence
    ('Free entry in 2 a wkly comp ...', 'spam', 0.93)
    """

    #: The item's id in the database (what :meth:`Project.label` takes).
    id: int
    #: The id given by the imported file, or the content hash.
    external_id: str
    #: The item's original fields (``data["text"]`` for a text item).
    data: dict[str, Any]
    #: The media file's path relative to its media root (image and audio items).
    media_path: str | None
    #: The model's suggested label and its confidence (None before a model).
    suggestion: Any
    confidence: float | None
    #: The strategy that queued the item, and its score for it.
    strategy: str
    score: float | None
    #: The query session the item was served in.
    session_id: int
    lease_expires_at: dt.datetime
    #: Who suggested: None for the round's model, ``"rules"`` for the label
    #: model of the labeling functions.
    suggestion_source: str | None = None


def leased_items(tasks: Sequence[LeasedTask]) -> list[LeasedItem]:
    """The store's leased tasks as the public :class:`LeasedItem`."""
    return [
        LeasedItem(
            id=t.item_id,
            external_id=t.external_id,
            data=t.data,
            media_path=t.media_path,
            suggestion=t.suggestion,
            confidence=t.confidence,
            strategy=t.strategy,
            score=t.score,
            session_id=t.session_id,
            lease_expires_at=t.lease_expires_at,
            suggestion_source=t.suggestion_source,
        )
        for t in tasks
    ]


def annotator_id(store: Store, name: str) -> int:
    """The id of user ``name``, added with the role annotator when new.

    A revoked user is refused, as the server refuses their token.
    """
    with store.session(write=True) as session:
        user = find_user(session, name.strip())
        if user is None:
            user, _token = add_user(session, name=name, role="annotator")
        elif user.revoked_at is not None:
            raise PermissionDeniedError(
                f"The user {name!r} was revoked; label as another annotator."
            )
        return user.id


def item_id_of(store: Store, *, project_id: int, project: str, item: int | str) -> int:
    """The database id of an item given by its id or (a string) its external id."""
    if not isinstance(item, str):
        return int(item)
    with store.session() as session:
        found = session.scalar(
            select(Item.id).where(
                Item.project_id == project_id, Item.external_id == item
            )
        )
    if found is None:
        raise ItemNotFoundError(
            f"Project {project!r} has no item with external id {item!r}."
        )
    return found


def skip_leased(store: Store, *, project: str, item_id: int, user_id: int) -> None:
    """``user_id`` gives a leased item back, as the page's skip does: it moves
    behind every other entry of the queue (an item another annotator holds is
    refused with :class:`ItemLeasedError`)."""
    with store.session(write=True) as session:
        row = get_project(session, project)
        skip_item(session, project=row, item_id=item_id, user_id=user_id)


def undo_own_label(
    store: Store, *, project: str, annotation_id: int, user_id: int
) -> Annotation:
    """``user_id`` withdraws their label, as the page's undo does: the item comes
    back first in the queue, leased to them."""
    with store.session(write=True) as session:
        row = get_project(session, project)
        return undo_label(
            session, project=row, annotation_id=annotation_id, user_id=user_id
        )
