"""Reviews on SQLite and PostgreSQL: accept, correct, reject, adjudicate, and
what each does to the item's label, its queue entry and its review state."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import ProjectFactory
from sqlalchemy import select

from activelabel.exceptions import (
    ConfigError,
    InvalidLabelError,
    ItemNotFoundError,
    PermissionDeniedError,
)
from activelabel.loop.training_labels import training_labels
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Project, QueueEntry, Review, User
from activelabel.store.next_tasks import next_tasks
from activelabel.store.review_counts import review_counts
from activelabel.store.review_filters import ItemFilters
from activelabel.store.review_queue import browse_items, review_queue
from activelabel.store.reviews import rejection_notes, review_item
from activelabel.store.submit import submit_label
from activelabel.store.users import add_user


@pytest.fixture
def team(store: Store) -> dict[str, User]:
    people = {}
    with store.session() as session:
        for name, role in (
            ("ann", "annotator"),
            ("bob", "annotator"),
            ("rita", "reviewer"),
            ("boss", "admin"),
        ):
            people[name], _ = add_user(session, name=name, role=role)
    return people


@pytest.fixture
def sms(project_factory: ProjectFactory) -> Project:
    return project_factory(
        "sms", items=[{"text": f"message {i}"} for i in range(6)], config=None
    )


def _ids(store: Store, project: Project) -> list[int]:
    with store.session() as session:
        return [r.item.id for r in browse_items(session, project).rows]


def _label(store: Store, project: Project, item_id: int, value: Any, who: User) -> None:
    with store.session(write=True) as session:
        add_annotation(
            session, project=project, item_id=item_id, value=value, annotator_id=who.id
        )


def _review(
    store: Store, project: Project, item_id: int, decision: str, who: User, **kw: Any
) -> Review:
    with store.session(write=True) as session:
        project = session.get(Project, project.id)  # type: ignore[assignment]
        return review_item(
            session,
            project=project,
            item_id=item_id,
            decision=decision,
            reviewer=who,
            **kw,
        )


def test_an_accepted_label_stands_and_leaves_the_queue_of_items_to_review(
    store: Store, sms: Project, team: dict[str, User]
) -> None:
    first, second = _ids(store, sms)[:2]
    _label(store, sms, first, "spam", team["ann"])
    _label(store, sms, second, "ham", team["ann"])
    _review(store, sms, first, "accept", team["rita"])
    with store.session() as session:
        waiting = review_queue(session, sms)
        accepted = review_queue(session, sms, ItemFilters(state="accepted"))
        counts = review_counts(session, sms)
    assert [r.item.id for r in waiting.rows] == [second]
    assert [r.item.id for r in accepted.rows] == [first]
    row = accepted.rows[0]
    assert row.state == "accepted" and row.review is not None
    assert row.review.reviewer == "rita"
    assert row.decided is not None and row.decided.value == "spam"
    assert row.decided.decided_by == "single"
    assert (counts.to_review, counts.accepted) == (1, 1)


def test_a_correction_becomes_the_final_label_for_training_and_review(
    store: Store, sms: Project, team: dict[str, User]
) -> None:
    item = _ids(store, sms)[0]
    _label(store, sms, item, "ham", team["ann"])
    _review(store, sms, item, "correct", team["rita"], value="spam")
    with store.session() as session:
        row = review_queue(session, sms, ItemFilters(state="corrected")).rows[0]
        stored = session.scalars(
            select(Annotation).where(Annotation.item_id == item)
        ).all()
        trained = training_labels(session, sms.id)
    assert row.decided is not None
    assert (row.decided.value, row.decided.decided_by) == ("spam", "review")
    assert {(a.source, a.value, a.status) for a in stored} == {
        ("human", "ham", "active"),
        ("review", "spam", "active"),
    }
    assert trained[item] == "spam"


def test_a_second_correction_supersedes_the_first(
    store: Store, sms: Project, team: dict[str, User]
) -> None:
    item = _ids(store, sms)[0]
    _label(store, sms, item, "ham", team["ann"])
    _review(store, sms, item, "correct", team["rita"], value="spam")
    _review(store, sms, item, "correct", team["boss"], value="ham")
    with store.session() as session:
        reviews = session.scalars(
            select(Annotation.value).where(
                Annotation.item_id == item,
                Annotation.source == "review",
                Annotation.status == "active",
            )
        ).all()
    assert reviews == ["ham"]


def test_a_rejected_label_sends_the_item_back_to_its_annotator_with_the_note(
    store: Store, sms: Project, team: dict[str, User]
) -> None:
    item = _ids(store, sms)[0]
    _label(store, sms, item, "ham", team["ann"])
    _review(store, sms, item, "reject", team["rita"], note="It sells a ringtone.")
    with store.session() as session:
        statuses = session.scalars(
            select(Annotation.status).where(Annotation.item_id == item)
        ).all()
        rejected = review_queue(session, sms, ItemFilters(state="rejected")).rows
    assert statuses == ["rejected"]
    assert [r.item.id for r in rejected] == [item] and rejected[0].decided is None
    # bob asks first, but the item waits for ann.
    assert item not in [
        t.item_id
        for t in next_tasks(store, project_id=sms.id, user_id=team["bob"].id).tasks
    ]
    served = next_tasks(store, project_id=sms.id, user_id=team["ann"].id, n=1).tasks
    assert [(t.item_id, t.strategy) for t in served] == [(item, "review")]
    with store.session() as session:
        notes = rejection_notes(session, project_id=sms.id, item_ids=[item])
    assert notes == {item: "It sells a ringtone."}
    submit_label(
        store, project=sms, item_id=item, value="spam", annotator_id=team["ann"].id
    )
    with store.session() as session:
        again = review_queue(session, sms).rows
        queued = session.scalar(select(QueueEntry.id).where(QueueEntry.item_id == item))
    assert [r.item.id for r in again] == [item] and again[0].state == "labeled"
    assert queued is None


def test_annotators_who_disagree_are_a_conflict_listed_first_and_settled_by_review(
    store: Store, project_factory: ProjectFactory, team: dict[str, User]
) -> None:
    project = project_factory(
        "pair", items=[{"text": f"m{i}"} for i in range(3)], config={"overlap": 2}
    )
    calm, tie = _ids(store, project)[:2]
    _label(store, project, calm, "ham", team["ann"])
    _label(store, project, calm, "ham", team["bob"])
    _label(store, project, tie, "ham", team["ann"])
    _label(store, project, tie, "spam", team["bob"])
    with store.session() as session:
        listed = review_queue(session, project).rows
        conflicts = review_queue(session, project, ItemFilters(conflicts=True)).rows
    assert [r.item.id for r in listed] == [tie, calm]
    assert listed[0].decided is not None and listed[0].decided.conflict
    assert listed[0].decided.decided_by == "tie"
    assert listed[1].decided is not None and listed[1].decided.decided_by == "consensus"
    assert [r.item.id for r in conflicts] == [tie]
    with pytest.raises(ConfigError, match=r"disagree .*ham: 1, spam: 1.*correct"):
        _review(store, project, tie, "accept", team["rita"])
    review = _review(store, project, tie, "correct", team["rita"], value="spam")
    assert review.annotation_id is None
    with store.session() as session:
        settled = review_queue(session, project, ItemFilters(state="corrected")).rows
        counts = review_counts(session, project)
    assert settled[0].decided is not None
    assert (settled[0].decided.value, settled[0].decided.conflict) == ("spam", False)
    assert counts.conflicts == 0 and counts.corrected == 1


def test_bad_reviews_are_refused_with_a_sentence_and_store_nothing(
    store: Store, sms: Project, team: dict[str, User]
) -> None:
    labeled, unlabeled = _ids(store, sms)[:2]
    _label(store, sms, labeled, "ham", team["ann"])
    with pytest.raises(ItemNotFoundError, match="no item with id 999999"):
        _review(store, sms, 999_999, "accept", team["rita"])
    with pytest.raises(ConfigError, match="has no label yet"):
        _review(store, sms, unlabeled, "accept", team["rita"])
    with pytest.raises(InvalidLabelError, match="eggs"):
        _review(store, sms, labeled, "correct", team["rita"], value="eggs")
    with pytest.raises(ConfigError, match="needs a note"):
        _review(store, sms, labeled, "reject", team["rita"], note="  ")
    with pytest.raises(ConfigError, match="needs the label to keep"):
        _review(store, sms, labeled, "correct", team["rita"])
    with pytest.raises(ConfigError, match="Unknown review decision 'approve'"):
        _review(store, sms, labeled, "approve", team["rita"])
    with store.session() as session:
        assert session.scalar(select(Review.id)) is None
        assert session.scalars(select(Annotation.status)).all() == ["active"]


def test_a_reviewer_does_not_review_their_own_label_but_an_admin_may(
    store: Store, sms: Project, team: dict[str, User]
) -> None:
    first, second = _ids(store, sms)[:2]
    _label(store, sms, first, "ham", team["rita"])
    with pytest.raises(PermissionDeniedError, match="another reviewer or an admin"):
        _review(store, sms, first, "accept", team["rita"])
    _label(store, sms, second, "ham", team["boss"])
    review = _review(store, sms, second, "accept", team["boss"], may_review_own=True)
    assert review.decision == "accepted"
