"""The Rules routes: labeling functions added and removed over HTTP, their
figures after a round applied them, the label model against majority vote, and
the items where the label model contradicts a person; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import page_client
from fastapi.testclient import TestClient

from activelabel.loop.round import run_round
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item, LfOutput, Project
from activelabel.store.users import add_user

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sms_sample.tsv"
RULES = "/api/v1/projects/sms/rules"


def _sms_rows() -> list[tuple[str, str]]:
    with FIXTURE.open(encoding="utf-8") as handle:
        return [(row[0], row[1]) for row in csv.reader(handle, delimiter="\t")]


@pytest.fixture
def sms(store: Store, project_factory: Any) -> Project:
    """The SMS sample, unlabeled, with its text column."""
    project: Project = project_factory(
        name="sms",
        items=[(f"sms-{i}", {"text": text}) for i, (_, text) in enumerate(_sms_rows())],
        config={"text_column": "text"},
    )
    return project


@pytest.fixture
def client(store: Store, sms: Project) -> Iterator[TestClient]:
    app = create_app(store, ServerSettings(background_trainer=False))
    with page_client(app) as client:
        yield client


def _label_like_the_file(store: Store, project: Project, n: int) -> None:
    """The first ``n`` items labeled by a person as the file labels them."""
    gold = dict(enumerate(label for label, _ in _sms_rows()))
    with store.session() as session:
        user, _ = add_user(session, name="alice")
        row = session.get_one(Project, project.id)
        items = session.query(Item).filter(Item.project_id == project.id)
        for item in items.order_by(Item.id).limit(n):
            index = int(item.external_id.removeprefix("sms-"))
            add_annotation(
                session,
                project=row,
                item_id=item.id,
                value=gold[index],
                annotator_id=user.id,
            )


def _apply(store: Store, project: Project) -> None:
    """A training round: it applies the functions and fits the label model first."""
    run_round(store, project.id, queue_size=50)


def test_an_admin_adds_a_keyword_function_and_sees_it_unapplied(
    client: TestClient,
) -> None:
    added = client.post(
        RULES,
        json={
            "kind": "keywords",
            "name": "prize-words",
            "label": "spam",
            "keywords": ["prize", "winner", "claim"],
        },
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["name"] == "prize-words" and body["kind"] == "keywords"
    assert body["keywords"] == ["prize", "winner", "claim"]
    assert body["case_sensitive"] is False
    assert body["applied"] is False and body["stats"] is None
    listed = client.get(RULES).json()
    assert [f["name"] for f in listed["data"]] == ["prize-words"]
    assert listed["count"] == 1
    assert listed["label_model"] is None and listed["majority_vote"] is None


def test_a_regex_that_does_not_compile_is_refused_with_its_sentence_and_nothing_stored(
    client: TestClient, store: Store
) -> None:
    refused = client.post(
        RULES,
        json={"kind": "regex", "name": "money", "label": "spam", "pattern": "£(\\d+"},
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert "does not compile" in error and "'money'" in error and "£(\\\\d+" in error
    assert client.get(RULES).json()["data"] == []


def test_a_label_outside_the_schema_and_a_taken_name_are_refused(
    client: TestClient,
) -> None:
    keywords = {"kind": "keywords", "name": "w", "keywords": ["win"]}
    outside = client.post(RULES, json={**keywords, "label": "eggs"})
    # A label outside the schema is refused as a label given by hand is.
    assert outside.status_code == 422 and "eggs" in outside.json()["error"]
    assert client.post(RULES, json={**keywords, "label": "spam"}).status_code == 201
    taken = client.post(RULES, json={**keywords, "label": "ham"})
    assert taken.status_code == 400
    assert "already" in taken.json()["error"]


def test_a_function_needs_keywords_or_a_pattern_by_its_kind(client: TestClient) -> None:
    no_words = client.post(
        RULES, json={"kind": "keywords", "name": "w", "label": "spam", "keywords": []}
    )
    assert no_words.status_code == 422
    python = client.post(
        RULES, json={"kind": "python", "name": "f", "label": "spam", "code": "x"}
    )
    assert python.status_code == 422


def test_figures_after_applying_and_the_label_model_beside_majority_vote(
    client: TestClient, store: Store, sms: Project
) -> None:
    for name, label, words in (
        ("spam-words", "spam", ["free", "win", "prize", "claim", "txt", "mobile"]),
        ("ham-words", "ham", ["ok", "lol", "home", "sorry", "later", "love"]),
    ):
        made = client.post(
            RULES,
            json={"kind": "keywords", "name": name, "label": label, "keywords": words},
        )
        assert made.status_code == 201, made.text
    regex = client.post(
        RULES,
        json={"kind": "regex", "name": "money", "label": "spam", "pattern": "£\\d+"},
    )
    assert regex.status_code == 201, regex.text
    _label_like_the_file(store, sms, 120)
    _apply(store, sms)

    rules = client.get(RULES).json()
    by_name = {f["name"]: f for f in rules["data"]}
    assert set(by_name) == {"spam-words", "ham-words", "money"}
    spam = by_name["spam-words"]
    assert spam["applied"] is True
    stats = spam["stats"]
    assert 0 < stats["coverage"] < 1
    assert 0 <= stats["conflict"] <= stats["overlap"] <= stats["coverage"]
    assert set(stats["emitted"]) == {"spam"}
    # Accuracy is measured on the labeled items it voted on, and says how many.
    assert stats["n_accuracy"] > 0 and 0 <= stats["accuracy"] <= 1
    for figures in (rules["label_model"], rules["majority_vote"]):
        assert figures["n"] > 0 and 0 < figures["coverage"] <= 1
        assert 0 <= figures["accuracy"] <= 1
    # The label model and majority vote are compared on the same labeled items.
    assert rules["label_model"]["n"] == rules["majority_vote"]["n"]


def test_disagreements_list_items_whose_person_the_label_model_contradicts(
    client: TestClient, store: Store, sms: Project
) -> None:
    assert (
        client.post(
            RULES,
            json={
                "kind": "keywords",
                "name": "ok-is-ham",
                "label": "ham",
                "keywords": ["ok", "free"],
            },
        ).status_code
        == 201
    )
    _label_like_the_file(store, sms, 200)
    _apply(store, sms)
    found = client.get(f"{RULES}/disagreements", params={"limit": 5}).json()
    assert 0 < found["count"] <= 5 and found["count"] == len(found["data"])
    first = found["data"][0]
    # A spam text holding "free": the person says spam, the rule says ham.
    assert first["human"] != first["weak"] == "ham"
    assert first["votes"] == {"ok-is-ham": ["ham"]}
    assert first["external_id"].startswith("sms-") and first["text"]
    confidences = [d["confidence"] for d in found["data"]]
    assert confidences == sorted(confidences, reverse=True)


def test_removing_a_function_removes_its_votes(
    client: TestClient, store: Store, sms: Project
) -> None:
    client.post(
        RULES,
        json={"kind": "keywords", "name": "w", "label": "spam", "keywords": ["free"]},
    )
    _apply(store, sms)
    with store.session() as session:
        assert session.query(LfOutput).filter_by(project_id=sms.id).count() > 0
    assert client.delete(f"{RULES}/w").status_code == 204
    assert client.get(RULES).json()["data"] == []
    with store.session() as session:
        assert session.query(LfOutput).filter_by(project_id=sms.id).count() == 0
    missing = client.delete(f"{RULES}/w")
    assert missing.status_code == 404
    assert "no labeling function named 'w'" in missing.json()["error"]


def test_the_project_payload_carries_its_taxonomy_for_the_page(
    client: TestClient, store: Store, sms: Project
) -> None:
    assert client.get("/api/v1/projects/sms").json()["parents"] == {}
    with store.session() as session:
        row = session.get_one(Project, sms.id)
        row.update_settings(parents={"spam": ["ham"]}, aliases={"junk": "spam"})
    project = client.get("/api/v1/projects/sms").json()
    assert project["parents"] == {"spam": ["ham"]}
    assert project["aliases"] == {"junk": "spam"}
    # "/" focuses the label search box: no label can take it.
    assert "/" in project["reserved_keys"]
    assert any(a["action"] == "search_labels" for a in project["actions"])
