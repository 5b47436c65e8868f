"""The review routes on SQLite and PostgreSQL: the queue, decisions, what an
annotator sees of a rejection, the browse view's filters, and the counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_support import ProjectFactory, page_client
from fastapi.testclient import TestClient
from sqlalchemy import insert

from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.models import (
    LabelingFunction,
    LabelIssue,
    LfOutput,
    Prediction,
)
from activelabel.store.random_fill import random_fill
from activelabel.store.users import add_user

P = "/api/v1/projects/sms"


@dataclass
class Team:
    client: TestClient
    store: Store
    project_id: int
    tokens: dict[str, str]

    def call(self, who: str, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, P + path, headers=headers, **kw)

    def label(self, who: str, value: str, n: int = 1) -> list[int]:
        """``who`` leases ``n`` items and labels each ``value``; their ids."""
        tasks = self.call(who, "POST", "/tasks/next", json={"n": n}).json()["data"]
        for task in tasks:
            made = self.call(
                who,
                "POST",
                "/annotations",
                json={"item_id": task["item_id"], "value": value},
            )
            assert made.status_code == 201, made.text
        return [t["item_id"] for t in tasks]

    def review(self, who: str, **body: Any) -> Any:
        return self.call(who, "POST", "/reviews", json=body)

    def listed(self, path: str) -> list[int]:
        got = self.call("rita", "GET", path)
        assert got.status_code == 200, got.text
        return [row["item_id"] for row in got.json()["data"]]


def _team(store: Store, project_factory: ProjectFactory, **config: Any) -> Team:
    project = project_factory(
        "sms",
        items=[{"text": f"message number {i}"} for i in range(12)],
        config={"text_column": "text", **config},
    )
    tokens = {}
    with store.session() as session:
        for name, role in (
            ("ann", "annotator"),
            ("bob", "annotator"),
            ("rita", "reviewer"),
            ("boss", "admin"),
        ):
            tokens[name] = add_user(session, name=name, role=role)[1]
        random_fill(session, project_id=project.id, size=12)
    app = create_app(store, ServerSettings(open_access=False, background_trainer=False))
    return Team(page_client(app), store, project.id, tokens)


@pytest.fixture
def team(store: Store, project_factory: ProjectFactory) -> Iterator[Team]:
    made = _team(store, project_factory)
    with made.client:
        yield made


def test_a_rejected_item_comes_back_to_its_annotator_with_the_note_in_task_and_history(
    team: Team,
) -> None:
    [item] = team.label("ann", "ham")
    rejected = team.review(
        "rita", item_id=item, decision="reject", note="Look at the link: it is spam."
    )
    assert rejected.status_code == 201, rejected.text
    body = rejected.json()
    assert body["decision"] == "rejected" and body["reviewer"] == "rita"
    assert body["item"]["review_state"] == "rejected" and body["item"]["label"] is None
    tasks = team.call("ann", "POST", "/tasks/next", json={"n": 3}).json()["data"]
    assert tasks[0]["item_id"] == item
    assert tasks[0]["source"]["kind"] == "review"
    assert tasks[0]["review_note"] == "Look at the link: it is spam."
    assert all(t["review_note"] is None for t in tasks[1:])
    history = team.call("ann", "GET", "/annotations?status=rejected").json()["data"]
    assert [(h["item_id"], h["status"]) for h in history] == [(item, "rejected")]
    assert history[0]["review_state"] == "rejected"
    assert history[0]["review_note"] == "Look at the link: it is spam."


def test_an_accept_and_a_correction_leave_the_queue_and_count_in_the_stats(
    team: Team,
) -> None:
    first, second, third = sorted(team.label("ann", "ham", n=3))
    assert team.listed("/review") == [first, second, third]
    assert team.review("rita", item_id=first, decision="accept").status_code == 201
    corrected = team.review("rita", item_id=second, decision="correct", value="spam")
    assert corrected.status_code == 201, corrected.text
    item = corrected.json()["item"]
    assert (item["label"], item["decided_by"], item["review_state"]) == (
        "spam",
        "review",
        "corrected",
    )
    assert team.listed("/review") == [third]
    assert team.listed("/review?state=reviewed") == [first, second]
    counts = team.call("rita", "GET", "/review/counts").json()
    assert counts == {
        "to_review": 1,
        "conflicts": 0,
        "accepted": 1,
        "corrected": 1,
        "rejected": 0,
        "label_issues": 0,
    }
    stats = team.call("ann", "GET", "/stats").json()
    assert stats["review"]["accepted"] == 1 and stats["review"]["corrected"] == 1


def test_a_conflict_is_flagged_first_and_settled_by_a_correction(
    store: Store, project_factory: ProjectFactory
) -> None:
    team = _team(store, project_factory, overlap=2)
    with team.client:
        [calm] = team.label("ann", "ham")
        team.label("bob", "ham")
        [tie] = team.label("ann", "ham")
        team.label("bob", "spam")
        listed = team.call("rita", "GET", "/review").json()["data"]
        assert [(r["item_id"], r["conflict"]) for r in listed] == [
            (tie, True),
            (calm, False),
        ]
        assert listed[0]["decided_by"] == "tie" and listed[0]["agreement"] == 0.5
        refused = team.review("rita", item_id=tie, decision="accept")
        assert refused.status_code == 400
        assert "disagree" in refused.json()["error"]
        settled = team.review("rita", item_id=tie, decision="correct", value="spam")
        assert settled.json()["item"]["conflict"] is False
        assert team.listed("/review?conflicts=true") == []


def test_bad_decisions_are_refused_with_a_sentence(team: Team) -> None:
    [item] = team.label("ann", "ham")
    cases = [
        ({"item_id": 999_999, "decision": "accept"}, 404, "no item with id 999999"),
        ({"item_id": item, "decision": "correct", "value": "eggs"}, 422, "eggs"),
        ({"item_id": item, "decision": "reject"}, 400, "needs a note"),
        ({"item_id": item, "decision": "accept", "value": "spam"}, 400, "correction"),
        ({"item_id": item, "decision": "approve"}, 422, ""),
    ]
    for body, status, words in cases:
        got = team.review("rita", **body)
        assert got.status_code == status, (body, got.text)
        assert words in got.json()["error"] or (status == 422 and not words)
    unlabeled = team.call("rita", "GET", "/browse?labeled=unlabeled").json()["data"]
    refused = team.review("rita", item_id=unlabeled[0]["item_id"], decision="accept")
    assert refused.status_code == 400 and "no label yet" in refused.json()["error"]
    assert team.listed("/review?state=reviewed") == []


def test_the_filters_find_what_they_name(team: Team) -> None:
    spam = sorted(team.label("ann", "spam", n=2))
    ham = sorted(team.label("bob", "ham", n=2))
    with team.store.session(write=True) as session:
        session.execute(
            insert(Prediction),
            [
                {
                    "project_id": team.project_id,
                    "item_id": spam[0],
                    "model_name": "other",
                    "value": "ham",
                    "score": 0.9,
                },
                {
                    "project_id": team.project_id,
                    "item_id": ham[0],
                    "model_name": "other",
                    "value": "ham",
                    "score": 0.8,
                },
            ],
        )
        function = LabelingFunction(
            project_id=team.project_id, name="free", kind="keywords", label="spam"
        )
        session.add(function)
        session.flush()
        session.execute(
            insert(LfOutput),
            [
                {
                    "project_id": team.project_id,
                    "lf_id": function.id,
                    "item_id": item,
                    "label": "spam",
                }
                for item in (spam[1], ham[1])
            ],
        )
        session.add(
            LabelIssue(
                project_id=team.project_id,
                item_id=ham[0],
                rank=1,
                quality=0.05,
                given="ham",
                suggested="spam",
            )
        )
    assert team.listed("/review?annotator=ann") == spam
    assert team.listed("/review?label=ham") == ham
    # The mislabel finder's opinion (spam) comes before the prediction (ham).
    assert team.listed("/review?model_disagrees=true") == sorted([spam[0], ham[0]])
    assert team.listed("/review?rule_conflicts=true") == [ham[1]]
    issues = team.call("rita", "GET", "/review?label_issues=true").json()["data"]
    assert [(r["item_id"], r["label_issue"]["rank"]) for r in issues] == [(ham[0], 1)]
    # Items without a confidence come last (then by id, the same way round).
    assert team.listed("/review?sort=confidence&order=desc") == [
        spam[0],
        ham[0],
        *sorted([spam[1], ham[1]], reverse=True),
    ]
    shuffled = team.listed("/review?sort=random&seed=7")
    assert sorted(shuffled) == sorted(spam + ham)
    assert team.listed("/review?sort=random&seed=7&page=2&page_size=2") == shuffled[2:]
    assert len(team.listed("/browse?labeled=unlabeled&page_size=200")) == 8
    browse = team.call("rita", "GET", "/browse?page_size=5").json()
    assert browse["count"] == 12 and len(browse["data"]) == 5
    unknown = team.call("rita", "GET", "/review?annotator=zed")
    assert unknown.status_code == 404 and "zed" in unknown.json()["error"]
    bad_label = team.call("rita", "GET", "/review?label=eggs")
    assert bad_label.status_code == 400 and "ham, spam" in bad_label.json()["error"]
