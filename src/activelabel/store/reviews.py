"""A reviewer's decision on an item: accept its label, correct it, or reject it.

Review is a workflow of its own, beside labeling, that talks back to it:

* **accept**: the item's label stands (a :class:`Review` row, nothing else
  changes). An item whose annotators disagree cannot be accepted as it
  stands: the reviewer settles it by correcting it with the label to keep.
* **correct**: the reviewer's value becomes the item's final label, for
  training and export alike: an active annotation with source ``review``
  (an earlier correction of the item is superseded). The annotators' labels
  stay as they are, so agreement is still measured on what they gave.
* **reject** (with a note for the annotator): the item's labels get status
  ``rejected`` and the item goes back to the labeling queue, at the front and
  leased to the annotator of the newest label first (an expired lease frees
  it for anyone), under the project's ``review`` query session, so the task
  says it came back from review and carries the note
  (:func:`rejection_notes`).

Each decision is one transaction (the caller's). A reviewer does not review a
label they gave themselves (a second pair of eyes is the point); an admin
may, so one person running the open local server can still review.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from activelabel.exceptions import (
    ConfigError,
    ItemNotFoundError,
    PermissionDeniedError,
)
from activelabel.store.annotations import INSERT_ANNOTATION, annotation_row
from activelabel.store.dequeue import requeue_item
from activelabel.store.engine import Store
from activelabel.store.final_labels import REVIEW_SOURCE, decide_label
from activelabel.store.leases import LeasedTask
from activelabel.store.models import (
    Annotation,
    Item,
    Project,
    QuerySession,
    QueueEntry,
    Review,
    User,
    utcnow,
)

__all__ = [
    "DECISIONS",
    "MAX_NOTE",
    "REVIEW_STRATEGY",
    "newest_reviews",
    "notes_for_sent_back",
    "rejection_notes",
    "review_item",
    "review_session_id",
]

#: What a reviewer asks for → the decision stored.
DECISIONS: Final = {"accept": "accepted", "correct": "corrected", "reject": "rejected"}

#: The strategy of the query session rejected items are queued under.
REVIEW_STRATEGY: Final = "review"

#: Longest note a reviewer may leave, in characters.
MAX_NOTE: Final = 2000


def review_item(
    session: Session,
    *,
    project: Project,
    item_id: int,
    decision: str,
    reviewer: User,
    value: Any = None,
    note: str | None = None,
    may_review_own: bool = False,
    now: dt.datetime | None = None,
) -> Review:
    """Record ``reviewer``'s ``decision`` (accept, correct, reject) on an item.

    ``value`` is the corrected label (correct only); ``note`` is for the
    annotator (needed to reject). ``may_review_own``: the reviewer may review
    labels they gave (admins). Raises ``ItemNotFoundError`` for an item not in
    the project, ``ConfigError`` for an unknown decision, an item nobody
    labeled, an accept of a conflict, a correction without a value or a
    rejection without a note, ``InvalidLabelError`` for a value the task does
    not allow, and ``PermissionDeniedError`` for one's own label. Nothing is
    written then.
    """
    now = now or utcnow()
    stored = DECISIONS.get(decision)
    if stored is None:
        raise ConfigError(
            f"Unknown review decision {decision!r}; use accept, correct or reject."
        )
    item = session.get(Item, item_id)
    if item is None or item.project_id != project.id:
        raise ItemNotFoundError(
            f"Project {project.name!r} has no item with id {item_id}."
        )
    active = list(
        session.scalars(
            select(Annotation)
            .where(Annotation.item_id == item_id, Annotation.status == "active")
            .order_by(Annotation.id)
        )
    )
    decided = decide_label([(a.value, a.source) for a in active])
    if decided is None:
        raise ConfigError(
            f"Item {item_id} of {project.name!r} has no label yet; only labeled "
            "items are reviewed."
        )
    if not may_review_own and any(a.annotator_id == reviewer.id for a in active):
        raise PermissionDeniedError(
            f"Item {item_id} carries a label by {reviewer.name!r}; another "
            "reviewer or an admin reviews it."
        )
    if value is not None and stored != "corrected":
        raise ConfigError(
            f"A value comes with a correction only; send decision 'correct' to "
            f"make {value!r} the label of item {item_id}."
        )
    note = _checked_note(note, required=stored == "rejected", item_id=item_id)
    reviewed = _reviewed_label(active, decided.value)
    if stored == "accepted" and decided.conflict:
        raise ConfigError(
            f"The annotators of item {item_id} disagree ({_tally(active)}); settle "
            "it with decision 'correct' and the label to keep."
        )
    if stored == "corrected":
        if value is None:
            raise ConfigError(
                f"A correction needs the label to keep: send item {item_id}'s "
                "value with decision 'correct'."
            )
        value = _correct(session, project, item_id, value, reviewer.id, now)
    elif stored == "rejected":
        _reject(session, project, item_id, active, now)
    review = Review(
        project_id=project.id,
        item_id=item_id,
        # A conflict's correction settles several labels, not one.
        annotation_id=None if decided.conflict else reviewed,
        reviewer_id=reviewer.id,
        decision=stored,
        value=value,
        note=note,
        created_at=now,
    )
    session.add(review)
    session.flush()
    return review


def _checked_note(note: str | None, *, required: bool, item_id: int) -> str | None:
    note = (note or "").strip() or None
    if required and note is None:
        raise ConfigError(
            f"A rejection needs a note for the annotator: say what is wrong with "
            f"the label of item {item_id}."
        )
    if note is not None and len(note) > MAX_NOTE:
        raise ConfigError(
            f"The note is {len(note)} characters long; keep it under {MAX_NOTE}."
        )
    return note


def _tally(active: Sequence[Annotation]) -> str:
    counts = Counter(str(a.value) for a in active if a.source == "human")
    return ", ".join(f"{value}: {n}" for value, n in sorted(counts.items()))


def _reviewed_label(active: Sequence[Annotation], final: Any) -> int | None:
    """The newest active label with the final value: the one a review is about."""
    for annotation in reversed(active):
        if annotation.value == final:
            return annotation.id
    return active[-1].id if active else None


def _correct(
    session: Session,
    project: Project,
    item_id: int,
    value: Any,
    reviewer_id: int,
    now: dt.datetime,
) -> Any:
    """The reviewer's value becomes the item's one active correction; returns
    the value as stored (checked and normalized by the task)."""
    row = annotation_row(
        project,
        item_id=item_id,
        value=value,
        annotator_id=reviewer_id,
        source=REVIEW_SOURCE,
        now=now,
    )
    # Whoever corrected it before, the newest correction is the label.
    session.execute(
        update(Annotation)
        .where(
            Annotation.item_id == item_id,
            Annotation.status == "active",
            Annotation.source == REVIEW_SOURCE,
        )
        .values(status="superseded", updated_at=now)
    )
    session.connection().execute(INSERT_ANNOTATION, row)
    return row["value"]


def _reject(
    session: Session,
    project: Project,
    item_id: int,
    active: Sequence[Annotation],
    now: dt.datetime,
) -> None:
    """The item's labels are rejected; it goes back to the front of the queue."""
    session.execute(
        update(Annotation)
        .where(Annotation.id.in_([a.id for a in active]))
        .values(status="rejected", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    for annotation in active:
        session.expire(annotation)
    annotator = next(
        (a.annotator_id for a in reversed(active) if a.source == "human"), None
    )
    review_session = review_session_id(session, project.id)
    requeue_item(
        session,
        project_id=project.id,
        item_id=item_id,
        user_id=annotator,
        session_id=review_session,
    )
    # An entry the item still had (overlap) moves to the review session too,
    # so it is served as sent back, with the note.
    session.execute(
        update(QueueEntry)
        .where(QueueEntry.project_id == project.id, QueueEntry.item_id == item_id)
        .values(session_id=review_session)
    )


def review_session_id(session: Session, project_id: int) -> int:
    """The project's query session for items sent back by a reviewer (made once)."""
    found = session.scalar(
        select(QuerySession.id)
        .where(
            QuerySession.project_id == project_id,
            QuerySession.strategy == REVIEW_STRATEGY,
        )
        .order_by(QuerySession.id)
        .limit(1)
    )
    if found is not None:
        return found
    return int(
        session.execute(
            insert(QuerySession)
            .values(
                project_id=project_id, strategy=REVIEW_STRATEGY, created_at=utcnow()
            )
            .returning(QuerySession.id)
        ).scalar_one()
    )


def rejection_notes(
    session: Session, *, project_id: int, item_ids: Sequence[int]
) -> dict[int, str | None]:
    """The note of the newest review of each item, for items whose newest review
    rejected them (others are left out)."""
    if not item_ids:
        return {}
    newest: dict[int, tuple[str, str | None]] = {}
    for item_id, decision, note in session.execute(
        select(Review.item_id, Review.decision, Review.note)
        .where(Review.project_id == project_id, Review.item_id.in_(list(item_ids)))
        .order_by(Review.id)
    ):
        newest[item_id] = (decision, note)
    return {
        item_id: note
        for item_id, (decision, note) in newest.items()
        if decision == "rejected"
    }


def newest_reviews(
    session: Session, *, project_id: int, item_ids: Sequence[int]
) -> dict[int, Review]:
    """The newest review of each of ``item_ids`` that has one."""
    newest: dict[int, Review] = {}
    if item_ids:
        for review in session.scalars(
            select(Review)
            .where(Review.project_id == project_id, Review.item_id.in_(list(item_ids)))
            .order_by(Review.id)
        ):
            newest[review.item_id] = review
    return newest


def notes_for_sent_back(
    store: Store, *, project_id: int, tasks: Sequence[LeasedTask]
) -> dict[int, str | None]:
    """The reviewers' notes of the ``tasks`` that came back from review.

    Asked on every "next task": tasks queued by anything else cost nothing,
    not even a statement.
    """
    sent_back = [t.item_id for t in tasks if t.strategy == REVIEW_STRATEGY]
    if not sent_back:
        return {}
    with store.session() as session:
        return rejection_notes(session, project_id=project_id, item_ids=sent_back)
