"""Writing a computed round: the queue in slices, the model version last."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from activelabel.loop import write as rounds
from activelabel.loop.write import (
    ComputedRound,
    NewModelVersion,
    RoundReport,
    write_round,
)
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.leases import lease_tasks
from activelabel.store.models import Item, ModelVersion, QuerySession, QueueEntry
from activelabel.store.queue import QueueCandidate, replace_queue
from activelabel.store.users import add_user


def _computed(project_id: int, ids: list[int]) -> ComputedRound:
    return ComputedRound(
        project_id=project_id,
        report=RoundReport(project="p"),
        strategy="margin",
        pool_size=len(ids),
        candidates=[
            QueueCandidate(i, float(len(ids) - rank), suggestion="spam", confidence=0.6)
            for rank, i in enumerate(ids)
        ],
        model=NewModelVersion(
            name="v2",
            n_labels=3,
            featurizer="text-v1",
            cv_score=0.8,
            metrics={},
            artifact=b"model",
        ),
    )


@pytest.fixture
def queued(store: Store, project_factory: Any) -> dict[str, Any]:
    """A project of 40 items whose first 20 are queued by an earlier session,
    two of them leased to alice."""
    project = project_factory(items=[{"text": f"t{i}"} for i in range(40)])
    with store.session(write=True) as session:
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        alice, _ = add_user(session, name="alice")
        old = QuerySession(project_id=project.id, strategy="random", pool_size=40)
        session.add(old)
        session.flush()
        replace_queue(
            session,
            project_id=project.id,
            session_id=old.id,
            candidates=[QueueCandidate(i, float(-k)) for k, i in enumerate(ids[:20])],
        )
        held = [
            t.item_id
            for t in lease_tasks(session, project_id=project.id, user_id=alice.id, n=2)
        ]
        add_annotation(session, project=project, item_id=ids[30], value="ham")
    return {"project": project, "ids": ids, "held": held, "old": old.id}


def test_a_round_written_in_slices_replaces_the_queue_but_leaves_held_items_with_their_holder(
    store: Store, queued: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rounds, "SLICE", 4)
    ids, held = queued["ids"], queued["held"]
    # The new round wants items 10-39 (one of them labeled meanwhile), not the first ten.
    report = write_round(store, _computed(queued["project"].id, ids[10:]))

    with store.session() as session:
        entries = {
            r[0]: (r[1], r[2])
            for r in session.execute(
                select(QueueEntry.item_id, QueueEntry.session_id, QueueEntry.leased_by)
            )
        }
        query = session.get_one(QuerySession, report.session_id)
        versions = session.scalar(select(func.count()).select_from(ModelVersion))
    assert report.queued == 29
    wanted = {i for i in ids[10:] if i != ids[30]}
    assert set(entries) == wanted | set(held)
    assert all(entries[i][0] == report.session_id for i in wanted)
    # Alice's items stay hers, whichever session they now belong to.
    assert all(entries[i][1] is not None for i in held)
    assert query.n_queued == 29 and query.model_version_id is not None
    assert versions == 1 and report.model_version == "v2"


def test_a_page_that_sees_a_rounds_model_finds_its_whole_queue(
    store: Store, queued: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rounds, "SLICE", 4)
    seen: list[int] = []
    put = rounds.put_in_queue

    def watched(session: Any, **kwargs: Any) -> int:
        with store.session() as other:
            seen.append(
                other.scalar(select(func.count()).select_from(ModelVersion)) or 0
            )
        return put(session, **kwargs)

    monkeypatch.setattr(rounds, "put_in_queue", watched)
    write_round(store, _computed(queued["project"].id, queued["ids"][10:]))

    # Eight slices, none of them visible alongside the new model.
    assert len(seen) == 8 and set(seen) == {0}
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(ModelVersion)) == 1
