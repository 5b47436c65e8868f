"""Annotations: add (validated against the schema), undo, edit, list, and aggregate.

One annotator has at most one *active* annotation per item: labeling an item again
marks the earlier one ``superseded``, undo marks it ``undone``. Nothing is deleted,
so the metadata export keeps the whole history.

An annotator changes their own labels (:func:`undo_label`, :func:`edit_label`);
the caller says whether this one may change anyone's (an admin, for the server).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from activelabel.exceptions import (
    ConfigError,
    ItemNotFoundError,
    NotFoundError,
    PermissionDeniedError,
)
from activelabel.store.dequeue import requeue_item
from activelabel.store.models import (
    Annotation,
    Item,
    Project,
    QuerySession,
    User,
    utcnow,
)
from activelabel.store.taxonomy_labels import (
    COMPLETED_SOURCES,
    store_parents,
    undo_parents,
)
from activelabel.tasks import validate_value
from activelabel.tasks.adapter import value_key

__all__ = [
    "INSERT_ANNOTATION",
    "MAX_RECENT",
    "SOURCES",
    "SUPERSEDE_EARLIER",
    "Consensus",
    "add_annotation",
    "aggregate_values",
    "annotation_row",
    "edit_annotation",
    "edit_label",
    "recent_annotations",
    "undo_annotation",
    "undo_label",
]

#: Most annotations :func:`recent_annotations` returns at once.
MAX_RECENT = 500

#: Where an annotation came from (``review``: a reviewer's correction, the
#: item's final label; :mod:`activelabel.store.reviews`; ``taxonomy``: the
#: parents added beside a person's label, :mod:`activelabel.store.taxonomy_labels`).
SOURCES = ("human", "model", "rule", "import", "review", "taxonomy")


@dataclass(frozen=True)
class Consensus:
    """The final label of one item and how much its annotators agree on it."""

    value: Any
    n_annotators: int
    #: Share of active annotations equal to the final value, in [0, 1].
    agreement: float


def aggregate_values(values: Sequence[Any]) -> Consensus | None:
    """Majority vote over the active values of one item (ties: the earliest wins).

    Returns None when there is no value. Values are compared as canonical JSON,
    so it works for every task kind.
    """
    if not values:
        return None
    keys = [value_key(v) for v in values]
    counts = Counter(keys)
    best = max(counts.values())
    winner = next(k for k in keys if counts[k] == best)
    return Consensus(
        value=values[keys.index(winner)],
        n_annotators=len(values),
        agreement=best / len(values),
    )


# Built once: labeling runs these on every label, and building a statement
# and its cache key cost more than SQLite takes to run it.
#: Inserts one annotation row (as built by :func:`annotation_row`); returns its id.
INSERT_ANNOTATION = insert(Annotation).returning(Annotation.id)
_BY_CLIENT_ID = select(Annotation.id).where(Annotation.client_id == bindparam("client"))
#: Marks the earlier active label of an item (bind ``item``, ``from_source``,
#: ``now`` and, under the key True, ``annotator``) superseded; keyed by
#: whether the label has an annotator.
SUPERSEDE_EARLIER = {
    by_someone: update(Annotation)
    .where(
        Annotation.item_id == bindparam("item"),
        Annotation.status == "active",
        Annotation.source == bindparam("from_source"),
        Annotation.annotator_id == bindparam("annotator")
        if by_someone
        else Annotation.annotator_id.is_(None),
    )
    .values(status="superseded", updated_at=bindparam("now"))
    for by_someone in (True, False)
}


def annotation_row(
    project: Project,
    *,
    item_id: int,
    value: Any,
    annotator_id: int | None,
    source: str = "human",
    session_id: int | None = None,
    model_version_id: int | None = None,
    seconds_spent: float | None = None,
    client_id: str | None = None,
    accepted_suggestion: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """A new active annotation's row, its value checked against the project.

    Raises ``ConfigError`` (or ``InvalidLabelError``) for an unknown source, a
    value the project's task and labels do not allow, or a negative time.
    """
    if source not in SOURCES:
        raise ConfigError(
            f"Unknown annotation source {source!r}; use one of {SOURCES}."
        )
    value = validate_value(project.task, project.labels, value, where=f"item {item_id}")
    if seconds_spent is not None and seconds_spent < 0:
        raise ConfigError(f"seconds_spent must be >= 0, got {seconds_spent}.")
    return {
        "project_id": project.id,
        "item_id": item_id,
        "annotator_id": annotator_id,
        "value": value,
        "source": source,
        "status": "active",
        "session_id": session_id,
        "model_version_id": model_version_id,
        "seconds_spent": seconds_spent,
        "client_id": client_id,
        "accepted_suggestion": accepted_suggestion,
        "created_at": now or utcnow(),
        "updated_at": None,
    }


def add_annotation(
    session: Session,
    *,
    project: Project,
    item_id: int,
    value: Any,
    annotator_id: int | None = None,
    source: str = "human",
    session_id: int | None = None,
    model_version_id: int | None = None,
    seconds_spent: float | None = None,
    client_id: str | None = None,
    accepted_suggestion: bool = False,
) -> Annotation:
    """Record a label for an item; an earlier active label by the same annotator is superseded."""
    if client_id is not None:
        # A resent request (the page retries after a lost connection) is stored once.
        stored_id = (
            session.connection().execute(_BY_CLIENT_ID, {"client": client_id}).scalar()
        )
        if stored_id is not None:
            stored = session.get(Annotation, stored_id)
            assert stored is not None
            return stored
    # Loaded whole (one primary-key read). A caller that shows the label with
    # its item should load the item first and keep it: the session holds an
    # object nobody references only weakly, and this one is then found in the
    # session instead of being read again.
    item = session.get(Item, item_id)
    if item is None or item.project_id != project.id:
        raise ItemNotFoundError(
            f"Project {project.name!r} has no item with id {item_id}."
        )
    row = annotation_row(
        project,
        item_id=item_id,
        value=value,
        annotator_id=annotator_id,
        source=source,
        session_id=session_id,
        model_version_id=model_version_id,
        seconds_spent=seconds_spent,
        client_id=client_id,
        accepted_suggestion=accepted_suggestion,
    )
    session.connection().execute(
        SUPERSEDE_EARLIER[annotator_id is not None],
        {
            "item": item_id,
            "from_source": source,
            "annotator": annotator_id,
            "now": row["created_at"],
        },
    )
    # One Core INSERT, then the object joins the session as if loaded: the
    # unit of work's flush of a single new row cost more CPU than the insert.
    annotation_id = session.connection().execute(INSERT_ANNOTATION, row).scalar_one()
    store_parents(session.connection(), project, row)
    annotation = Annotation(id=annotation_id, **row)
    make_transient_to_detached(annotation)
    session.add(annotation)
    return annotation


def _get(session: Session, project: Project, annotation_id: int) -> Annotation:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or annotation.project_id != project.id:
        raise NotFoundError(
            f"Project {project.name!r} has no annotation with id {annotation_id}."
        )
    return annotation


def undo_annotation(
    session: Session, *, project: Project, annotation_id: int
) -> Annotation:
    """Withdraw an annotation (kept in history with status ``undone``)."""
    annotation = _get(session, project, annotation_id)
    annotation.status = "undone"
    annotation.updated_at = utcnow()
    session.flush()
    if annotation.source in COMPLETED_SOURCES:
        undo_parents(
            session.connection(),
            project,
            item_id=annotation.item_id,
            annotator_id=annotation.annotator_id,
            now=annotation.updated_at,
        )
    return annotation


def edit_annotation(
    session: Session, *, project: Project, annotation_id: int, value: Any
) -> Annotation:
    """Change an annotation's value: the old one is superseded by a new one."""
    old = _get(session, project, annotation_id)
    return add_annotation(
        session,
        project=project,
        item_id=old.item_id,
        value=value,
        annotator_id=old.annotator_id,
        source=old.source,
        session_id=old.session_id,
        model_version_id=old.model_version_id,
        seconds_spent=old.seconds_spent,
    )


def _changeable(
    session: Session,
    project: Project,
    annotation_id: int,
    *,
    user_id: int,
    any_annotator: bool,
) -> Annotation:
    """The annotation, if it is in the project and ``user_id`` may change it."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or annotation.project_id != project.id:
        raise NotFoundError(f"No annotation with id {annotation_id} in this project.")
    if annotation.annotator_id != user_id and not any_annotator:
        raise PermissionDeniedError(
            f"Annotation {annotation_id} was given by another annotator; only they "
            "or an admin can change it."
        )
    return annotation


def undo_label(
    session: Session,
    *,
    project: Project,
    annotation_id: int,
    user_id: int,
    any_annotator: bool = False,
) -> Annotation:
    """``user_id`` withdraws a label; the item comes back to the front of the
    queue, leased to them, so their page shows it again next.

    ``any_annotator``: the caller may change other annotators' labels too.
    Raises ``NotFoundError`` for an annotation not in the project and
    ``PermissionDeniedError`` for another annotator's.
    """
    _changeable(
        session, project, annotation_id, user_id=user_id, any_annotator=any_annotator
    )
    annotation = undo_annotation(session, project=project, annotation_id=annotation_id)
    session_id = annotation.session_id or session.scalar(
        select(QuerySession.id)
        .where(QuerySession.project_id == project.id)
        .order_by(QuerySession.id.desc())
        .limit(1)
    )
    if session_id is None:
        # The entry needs a query session; a project with none gets its own.
        undo_session = QuerySession(project_id=project.id, strategy="undo")
        session.add(undo_session)
        session.flush()
        session_id = undo_session.id
    requeue_item(
        session,
        project_id=project.id,
        item_id=annotation.item_id,
        user_id=user_id,
        session_id=session_id,
    )
    return annotation


def edit_label(
    session: Session,
    *,
    project: Project,
    annotation_id: int,
    value: Any,
    user_id: int,
    any_annotator: bool = False,
) -> Annotation:
    """``user_id`` changes a label's value: the old one stays in history as superseded.

    Raises as :func:`undo_label` does, and for a value the project does not allow.
    """
    _changeable(
        session, project, annotation_id, user_id=user_id, any_annotator=any_annotator
    )
    return edit_annotation(
        session, project=project, annotation_id=annotation_id, value=value
    )


def recent_annotations(
    session: Session,
    *,
    project_id: int,
    annotator_id: int | None = None,
    status: str | None = "active",
    limit: int = 50,
    before_id: int | None = None,
) -> list[tuple[Annotation, Item, str | None]]:
    """The project's newest annotations first, each with its item and annotator's name.

    ``annotator_id``: only theirs; ``status``: only those in it (None: any);
    ``before_id``: only older than that one (the next page). At most
    :data:`MAX_RECENT` at once.
    """
    limit = max(1, min(limit, MAX_RECENT))
    query = (
        select(Annotation, Item, User.name)
        .join(Item, Item.id == Annotation.item_id)
        .outerjoin(User, User.id == Annotation.annotator_id)
        .where(Annotation.project_id == project_id)
        .order_by(Annotation.id.desc())
        .limit(limit)
    )
    if annotator_id is not None:
        query = query.where(Annotation.annotator_id == annotator_id)
    if status is not None:
        query = query.where(Annotation.status == status)
    if before_id is not None:
        query = query.where(Annotation.id < before_id)
    return [(a, i, name) for a, i, name in session.execute(query).all()]
