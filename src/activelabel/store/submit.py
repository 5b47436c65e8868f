""" "Submit label": record an annotator's label for a leased item, in few statements.

The page sends one of these per item. Besides the label itself, a submission
checks the item belongs to the project and is not leased to another
annotator, honours a resent request (its ``client_id``), keeps the query session only if it is the project's, links an
accepted suggestion to the newest model, supersedes the annotator's earlier
label of the item, and takes the item out of the queue. Done one statement at
a time that was ten round trips to PostgreSQL; here everything read comes
back in one statement and, on PostgreSQL, everything written goes in one
more. SQLite runs its writes as separate statements (it has no
data-modifying ``WITH``), which cost nothing in process.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable

from activelabel.exceptions import ItemLeasedError, ItemNotFoundError
from activelabel.store.annotations import (
    INSERT_ANNOTATION,
    SUPERSEDE_EARLIER,
    annotation_row,
)
from activelabel.store.dequeue import DEQUEUE_ITEM, complete_item
from activelabel.store.engine import Store
from activelabel.store.model_versions import NEWEST_MODEL_ID
from activelabel.store.models import (
    Annotation,
    Item,
    Project,
    QuerySession,
    QueueEntry,
    utcnow,
)
from activelabel.store.taxonomy_labels import store_parents

__all__ = ["SubmittedLabel", "submit_label"]


@dataclass(frozen=True)
class SubmittedLabel:
    """The stored annotation and its item (detached copies, for the response)."""

    annotation: Annotation
    item: Item
    #: False when the ``client_id`` was seen before and the earlier label returned.
    created: bool


def submit_label(
    store: Store,
    *,
    project: Project,
    item_id: int,
    value: Any,
    annotator_id: int,
    session_id: int | None = None,
    client_id: str | None = None,
    accepted_suggestion: bool = False,
    seconds_spent: float | None = None,
    now: dt.datetime | None = None,
) -> SubmittedLabel:
    """Label ``item_id`` for ``annotator_id`` and take it out of the queue.

    The same request sent twice (same ``client_id``) is stored once: the
    second returns the first's annotation. A ``session_id`` of another
    project is dropped, not trusted. With the project's ``overlap`` above 1
    the item stays queued until that many annotators labeled it.

    Raises ``ItemNotFoundError`` for an item not in the project,
    ``ItemLeasedError`` for an item another annotator holds a live lease on
    (unless the project's ``overlap`` is above 1, which lets several
    annotators label one item) and ``InvalidLabelError`` / ``ConfigError``
    for a value the project does not allow; nothing is written then. The label is on disk when this returns.
    """
    request = _Request(
        project=project,
        item_id=item_id,
        value=value,
        annotator_id=annotator_id,
        session_id=session_id,
        client_id=client_id,
        accepted_suggestion=accepted_suggestion,
        seconds_spent=seconds_spent,
        now=now or utcnow(),
        overlap=project.settings.overlap,
    )
    overlap = request.overlap
    # A project with parents adds a taxonomy row beside the label: that runs
    # in a transaction, as the writes of overlap do.
    if store.dialect == "postgresql" and overlap <= 1 and not project.settings.parents:
        # The read and the one write statement need no transaction around
        # them: the write is atomic by itself, and what the read found can
        # only change by a concurrent resend of the same request, which the
        # client_id's unique index stops (then the first one is returned).
        with store.autocommit_connection() as connection:
            found = _look_up(connection, request)
            if found.stored is not None:
                return SubmittedLabel(found.stored, found.item, created=False)
            values, where = _row(request, found)
            try:
                annotation_id = connection.execute(
                    _write_statement(),
                    {**{f"new_{k}": v for k, v in values.items()}, **where},
                ).scalar_one()
            except IntegrityError:
                again = _look_up(connection, request)
                if again.stored is None:
                    raise
                return SubmittedLabel(again.stored, again.item, created=False)
    else:
        with store.session(write=True) as session:
            connection = session.connection()
            found = _look_up(connection, request)
            if found.stored is not None:
                return SubmittedLabel(found.stored, found.item, created=False)
            values, where = _row(request, found)
            connection.execute(SUPERSEDE_EARLIER[True], where)
            annotation_id = connection.execute(INSERT_ANNOTATION, values).scalar_one()
            store_parents(connection, project, values)
            complete_item(
                session,
                project_id=project.id,
                item_id=item_id,
                overlap=overlap,
                overlap_share=project.settings.overlap_share if overlap > 1 else 1.0,
            )
    annotation = Annotation(id=annotation_id, **values)
    return SubmittedLabel(annotation, found.item, created=True)


@dataclass(frozen=True)
class _Request:
    project: Project
    item_id: int
    value: Any
    annotator_id: int
    session_id: int | None
    client_id: str | None
    accepted_suggestion: bool
    seconds_spent: float | None
    now: dt.datetime
    overlap: int


@dataclass(frozen=True)
class _Lookup:
    """What one read found for a submission."""

    item: Item
    #: The label stored under the same ``client_id`` (a resent request).
    stored: Annotation | None
    #: The request's query session, if it is the project's.
    session_owned: int | None
    newest_model: int | None


def _look_up(connection: Connection, r: _Request) -> _Lookup:
    """Read everything the submission needs in one statement.

    Raises ``ItemNotFoundError`` for an item that is not in the project and
    ``ItemLeasedError`` for one leased to another annotator (overlap 1), unless
    this is a resend of a label already stored.
    """
    check_lease = r.overlap <= 1
    row = connection.execute(
        _lookup_statement(
            r.session_id is not None, r.client_id is not None, check_lease
        ),
        {
            "item": r.item_id,
            "session": r.session_id,
            "client": r.client_id,
            "project": r.project.id,
            "annotator": r.annotator_id,
            "now": r.now,
        },
    ).first()
    if row is None or row.project_id != r.project.id:
        raise ItemNotFoundError(
            f"Project {r.project.name!r} has no item with id {r.item_id}."
        )
    item = Item(
        id=row.id,
        project_id=row.project_id,
        external_id=row.external_id,
        data=row.data,
        media_path=row.media_path,
    )
    stored = None
    if r.client_id is not None and row.stored_id is not None:
        found = connection.execute(
            select(*_annotations.c).where(_annotations.c.id == row.stored_id)
        ).one()
        stored = Annotation(**found._asdict())
    elif check_lease and row.leased_until is not None:
        raise ItemLeasedError(
            f"Item {r.item_id} of {r.project.name!r} is leased to another annotator "
            f"until {row.leased_until:%H:%M} UTC; label the items you are given."
        )
    return _Lookup(
        item=item,
        stored=stored,
        session_owned=row.session_owned if r.session_id is not None else None,
        newest_model=row.newest_model,
    )


def _row(r: _Request, found: _Lookup) -> tuple[dict[str, Any], dict[str, Any]]:
    """The annotation row to insert, and the parameters of the supersede and
    dequeue; raises for a value or time the project does not allow."""
    values = annotation_row(
        r.project,
        item_id=r.item_id,
        value=r.value,
        annotator_id=r.annotator_id,
        session_id=found.session_owned,
        model_version_id=found.newest_model if r.accepted_suggestion else None,
        seconds_spent=r.seconds_spent,
        client_id=r.client_id,
        accepted_suggestion=r.accepted_suggestion,
        now=r.now,
    )
    # Kept apart from the row: an UPDATE given a column's name as a
    # parameter would also SET that column.
    where = {
        "item": r.item_id,
        "from_source": "human",
        "annotator": r.annotator_id,
        "now": r.now,
        "project": r.project.id,
    }
    return values, where


@functools.cache
def _lookup_statement(
    with_session: bool, with_client: bool, with_lease: bool
) -> Executable:
    """The item, with what the submission needs to know, in one row.

    The newest model always; the session's owner and a label stored under the
    same ``client_id`` only when the request names them; the end of another
    annotator's live lease on the item when the check is on (scalar subqueries
    that PostgreSQL and SQLite run once per statement; the lease is one
    lookup in the queue's (project, item) unique index).
    """
    columns: list[Any] = [
        Item.id,
        Item.project_id,
        Item.external_id,
        Item.data,
        Item.media_path,
        NEWEST_MODEL_ID.label("newest_model"),
    ]
    if with_session:
        columns.append(
            select(QuerySession.id)
            .where(
                QuerySession.id == bindparam("session"),
                QuerySession.project_id == bindparam("project"),
            )
            .scalar_subquery()
            .label("session_owned")
        )
    if with_client:
        columns.append(
            select(Annotation.id)
            .where(Annotation.client_id == bindparam("client"))
            .scalar_subquery()
            .label("stored_id")
        )
    if with_lease:
        columns.append(
            select(QueueEntry.lease_expires_at)
            .where(
                QueueEntry.project_id == bindparam("project"),
                QueueEntry.item_id == bindparam("item"),
                QueueEntry.leased_by != bindparam("annotator"),
                QueueEntry.lease_expires_at >= bindparam("now"),
            )
            .scalar_subquery()
            .label("leased_until")
        )
    return select(*columns).where(Item.id == bindparam("item"))


_annotations = cast(Table, Annotation.__table__)


@functools.cache
def _write_statement() -> Executable:
    """Supersede, insert and dequeue as one PostgreSQL statement.

    Data-modifying ``WITH`` parts all run, whether or not the main statement
    reads them, and see the tables as they were when it began. That is safe
    here: the earlier label superseded and the one inserted are different
    rows, and nothing constrains an annotator to one active label per item
    but this statement itself.
    """
    superseded = SUPERSEDE_EARLIER[True].returning(_annotations.c.id).cte("superseded")
    dequeued = DEQUEUE_ITEM.returning(QueueEntry.id).cte("dequeued")
    columns = [c for c in _annotations.c if c.name != "id"]
    return (
        insert(_annotations)
        # Parameters named apart from the columns: SQLAlchemy would turn a
        # parameter named like a column into a SET of the UPDATE above.
        .values({c: bindparam(f"new_{c.name}", type_=c.type) for c in columns})
        .returning(_annotations.c.id)
        .add_cte(superseded)
        .add_cte(dequeued)
    )
