"""`activelabel settings`, `activelabel agreement` and the agreement API, with
their roles, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_support import ProjectFactory, page_client
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app as cli_app
from activelabel.quality.agreement import single_label_agreement
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.annotations import add_annotation
from activelabel.store.engine import Store
from activelabel.store.models import Item
from activelabel.store.projects import get_project
from activelabel.store.users import add_user

runner = CliRunner()

#: What three annotators said of six items (None: not labeled).
SAID = {
    "ann": ["ham", "spam", "ham", "ham", "spam", None],
    "bob": ["ham", "spam", "spam", "ham", "spam", "ham"],
    "cat": [None, "spam", "ham", "ham", None, "ham"],
}


def _cli(db_url: str, *args: str) -> Any:
    return runner.invoke(cli_app, [*args, "--db", db_url])


def _labeled(
    store: Store, project_factory: ProjectFactory
) -> tuple[Any, dict[str, str]]:
    project = project_factory(name="sms", items=[{"text": f"t{i}"} for i in range(6)])
    with store.session(write=True) as session:
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        tokens = {}
        for name, values in SAID.items():
            user, tokens[name] = add_user(session, name=name, role="annotator")
            for item_id, value in zip(ids, values, strict=True):
                if value is not None:
                    add_annotation(
                        session,
                        project=project,
                        item_id=item_id,
                        value=value,
                        annotator_id=user.id,
                    )
        for role in ("reviewer", "admin"):
            tokens[role] = add_user(session, name=role, role=role)[1]
    return project, tokens


def _expected() -> Any:
    items, raters, values = [], [], []
    for rater, said in enumerate(SAID.values()):
        for item, value in enumerate(said):
            if value is not None:
                items.append(item)
                raters.append(rater)
                values.append(value)
    return single_label_agreement(items, raters, values, ["ham", "spam"])


def test_settings_shows_and_changes_overlap_share_and_gold_rate(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms")
    shown = _cli(db_url, "settings", "sms")
    assert shown.exit_code == 0, shown.output
    assert "overlap_share" in shown.output and "gold_rate" in shown.output
    changed = _cli(
        db_url,
        "settings",
        "sms",
        "--overlap",
        "3",
        "--overlap-share",
        "0.1",
        "--gold-rate",
        "0.05",
        "--retrain-every",
        "25",
        "--train-on-weak",
    )
    assert changed.exit_code == 0, changed.output
    assert "(changed)" in changed.output
    with store.session() as session:
        settings = get_project(session, "sms").settings
    assert (settings.overlap, settings.overlap_share, settings.gold_rate) == (
        3,
        0.1,
        0.05,
    )
    assert (settings.retrain_every, settings.train_on_weak) == (25, True)


def test_a_share_of_zero_is_refused_with_a_sentence_and_nothing_changes(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms")
    refused = _cli(db_url, "settings", "sms", "--overlap", "2", "--overlap-share", "0")
    assert refused.exit_code == 1
    assert "overlap_share" in refused.output and "greater than 0" in refused.output
    with store.session() as session:
        assert get_project(session, "sms").settings.overlap == 1


def test_agreement_cli_prints_the_figures_and_json_with_names(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    _labeled(store, project_factory)
    expected = _expected()
    table = _cli(db_url, "agreement", "sms")
    assert table.exit_code == 0, table.output
    assert "Fleiss" in table.output and "Krippendorff" in table.output
    printed = _cli(db_url, "agreement", "sms", "--json")
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.output)
    assert data["items"] == 6
    assert data["fleiss_kappa"] == pytest.approx(expected.fleiss_kappa)
    assert data["krippendorff_alpha"] == pytest.approx(expected.krippendorff_alpha)
    pairs = {(p["a"], p["b"]): p for p in data["pairs"]}
    assert pairs[("ann", "bob")]["items"] == 5
    assert pairs[("ann", "bob")]["observed"] == pytest.approx(4 / 5)
    assert {row["annotator"] for row in data["per_annotator"]} == set(SAID)


def test_agreement_without_overlap_says_how_to_get_it(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms")
    said = _cli(db_url, "agreement", "sms")
    assert said.exit_code == 0, said.output
    assert "--overlap 2" in " ".join(said.output.split())


def test_agreement_api_is_for_reviewers_and_admins_and_settings_for_admins(
    store: Store, project_factory: ProjectFactory
) -> None:
    _, tokens = _labeled(store, project_factory)
    expected = _expected()
    server = create_app(
        store, ServerSettings(open_access=False, background_trainer=False)
    )

    def headers(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    with page_client(server) as client:
        assert (
            client.get(
                "/api/v1/projects/sms/agreement", headers=headers("ann")
            ).status_code
            == 403
        )
        got = client.get("/api/v1/projects/sms/agreement", headers=headers("reviewer"))
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["measure"] == "single_label"
        assert body["mean_pair_kappa"] == pytest.approx(expected.mean_pair_kappa)
        assert [label["label"] for label in body["labels"]] == ["ham", "spam"]
        change = {"overlap": 2, "overlap_share": 0.2, "gold_rate": 0.1}
        refused = client.patch(
            "/api/v1/projects/sms", json=change, headers=headers("reviewer")
        )
        assert refused.status_code == 403
        done = client.patch(
            "/api/v1/projects/sms", json=change, headers=headers("admin")
        )
        assert done.status_code == 200, done.text
        assert (done.json()["overlap_share"], done.json()["gold_rate"]) == (0.2, 0.1)
        too_high = client.patch(
            "/api/v1/projects/sms", json={"gold_rate": 0.9}, headers=headers("admin")
        )
        assert too_high.status_code == 422


def test_span_projects_measure_f1_between_annotators(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    project = project_factory(
        name="ner",
        task="ner",
        labels=("PER", "LOC"),
        items=[{"text": "Ada lives in Paris"}],
    )
    with store.session(write=True) as session:
        item_id = session.scalar(select(Item.id))
        assert item_id is not None
        for name, spans in (
            (
                "ann",
                [
                    {"start": 0, "end": 3, "label": "PER"},
                    {"start": 13, "end": 18, "label": "LOC"},
                ],
            ),
            ("bob", [{"start": 0, "end": 3, "label": "PER"}]),
        ):
            user = add_user(session, name=name)[0]
            add_annotation(
                session,
                project=project,
                item_id=item_id,
                value=spans,
                annotator_id=user.id,
            )
    printed = _cli(db_url, "agreement", "ner", "--json")
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.output)
    assert data["measure"] == "exact_spans"
    assert data["mean_pair_f1"] == pytest.approx(2 * 1 / 3)
    per_label = {row["label"]: row["f1"] for row in data["labels"]}
    assert per_label == {"PER": 1.0, "LOC": 0.0}
