"""Stream auto-labeling from the command line and the API, on SQLite and
PostgreSQL: the settings, the figures in ``stats``, the audit filter of the
review queue, and the one undo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from api_support import ProjectFactory, page_client
from spam_ham import label_first, spam_ham_items
from sqlalchemy import select
from typer.testing import CliRunner

from activelabel.cli import app as cli_app
from activelabel.loop import run_round
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.auto_labels import in_audit_share
from activelabel.store.engine import Store
from activelabel.store.models import Annotation, Project
from activelabel.store.projects import get_project

runner = CliRunner()


def _cli(db_url: str, *args: str) -> Any:
    return runner.invoke(cli_app, [*args, "--db", db_url])


def _auto_labeled(
    store: Store, project_factory: ProjectFactory, tmp_path: Path, **settings: Any
) -> Project:
    """A project whose first round labeled 20 items itself."""
    project = project_factory(
        "sms",
        items=spam_ham_items(60),
        config={
            "text_column": "text",
            "auto_accept": 0.6,
            "auto_accept_max": 20,
            **settings,
        },
    )
    label_first(store, project.id, 12)
    assert run_round(store, project.id, cache_dir=tmp_path).auto_labeled == 20
    return project


def _model_items(store: Store) -> list[int]:
    with store.session() as session:
        return list(
            session.scalars(
                select(Annotation.item_id)
                .where(Annotation.source == "model", Annotation.status == "active")
                .order_by(Annotation.item_id)
            )
        )


def test_settings_switches_auto_labeling_on_and_off_and_shows_it(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms")
    on = _cli(
        db_url,
        "settings",
        "sms",
        "--auto-accept",
        "0.98",
        "--auto-accept-max",
        "50",
        "--auto-accept-audit",
        "0.2",
    )
    assert on.exit_code == 0, on.output
    assert "auto_accept_audit" in on.output and "0.98" in on.output
    with store.session() as session:
        settings = get_project(session, "sms").settings
    assert (settings.auto_accept, settings.auto_accept_max) == (0.98, 50)
    assert settings.auto_accept_audit == 0.2
    off = _cli(db_url, "settings", "sms", "--no-auto-accept")
    assert off.exit_code == 0, off.output
    with store.session() as session:
        settings = get_project(session, "sms").settings
    assert settings.auto_accept is None and settings.auto_accept_max == 50


def test_a_threshold_of_one_half_or_less_is_refused_and_nothing_changes(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms")
    refused = _cli(db_url, "settings", "sms", "--auto-accept", "0.5")
    assert refused.exit_code == 1
    assert "auto_accept" in refused.output and "greater than 0.5" in refused.output
    both = _cli(db_url, "settings", "sms", "--auto-accept", "0.9", "--no-auto-accept")
    assert both.exit_code == 2 and "contradict" in both.output
    with store.session() as session:
        assert get_project(session, "sms").settings.auto_accept is None


def test_stats_and_auto_accept_show_the_figures_and_undo_takes_the_labels_back(
    db_url: str, store: Store, project_factory: ProjectFactory, tmp_path: Path
) -> None:
    _auto_labeled(store, project_factory, tmp_path, auto_accept_audit=1.0)
    stats = _cli(db_url, "stats", "sms")
    assert stats.exit_code == 0, stats.output
    assert "auto-labeled" in stats.output and "20 · audited 0" in stats.output
    figures = json.loads(_cli(db_url, "stats", "sms", "--json").output)
    assert figures["auto_labels"]["auto_labeled"] == 20
    shown = _cli(db_url, "auto-accept", "sms")
    assert shown.exit_code == 0, shown.output
    assert "on at 0.6" in shown.output and "20 waiting for review" in shown.output
    undone = _cli(db_url, "auto-accept", "sms", "--undo")
    assert undone.exit_code == 0, undone.output
    assert "Withdrew 20" in undone.output and "off" in undone.output
    assert _model_items(store) == []
    after = json.loads(_cli(db_url, "auto-accept", "sms", "--json").output)
    assert after["auto_labeled"] == 0 and after["auto_accept"] is None


def _client(store: Store) -> Any:
    return page_client(create_app(store, ServerSettings(background_trainer=False)))


def test_the_api_changes_the_settings_and_refuses_a_bad_threshold(
    store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms")
    with _client(store) as client:
        on = client.patch(
            "/api/v1/projects/sms",
            json={
                "auto_accept": 0.97,
                "auto_accept_max": 30,
                "auto_accept_audit": 0.25,
            },
        )
        assert on.status_code == 200, on.text
        assert (on.json()["auto_accept"], on.json()["auto_accept_max"]) == (0.97, 30)
        assert on.json()["auto_accept_audit"] == 0.25
        kept = client.patch("/api/v1/projects/sms", json={"retrain_every": 5})
        assert kept.json()["auto_accept"] == 0.97
        off = client.patch("/api/v1/projects/sms", json={"auto_accept": None})
        assert off.status_code == 200 and off.json()["auto_accept"] is None
        bad = client.patch("/api/v1/projects/sms", json={"auto_accept": 0.4})
        assert bad.status_code == 422


def test_the_api_carries_the_figures_lists_the_audits_and_undoes(
    store: Store, project_factory: ProjectFactory, tmp_path: Path
) -> None:
    _auto_labeled(store, project_factory, tmp_path, auto_accept_audit=0.5)
    labeled = _model_items(store)
    audited = [i for i in labeled if in_audit_share(i, 0.5)]
    assert audited
    with _client(store) as client:
        stats = client.get("/api/v1/projects/sms/stats").json()["auto_labels"]
        assert stats == {
            "auto_labeled": 20,
            "audited": 0,
            "audited_correct": 0,
            "audited_accuracy": None,
            "audit_waiting": len(audited),
        }
        listed = client.get(
            "/api/v1/projects/sms/review", params={"audit": True, "page_size": 100}
        ).json()
        assert sorted(row["item_id"] for row in listed["data"]) == audited
        first = audited[0]
        decided = client.post(
            "/api/v1/projects/sms/reviews",
            json={"item_id": first, "decision": "accept"},
        )
        assert decided.status_code == 201, decided.text
        figures = client.get("/api/v1/projects/sms/auto-labels").json()
        assert (figures["audited"], figures["audited_accuracy"]) == (
            1,
            pytest.approx(1),
        )
        undone = client.post("/api/v1/projects/sms/auto-labels/undo")
        assert undone.status_code == 200, undone.text
        assert undone.json()["undone"] == 19
        assert undone.json()["auto_labels"]["auto_labeled"] == 1
        assert client.get("/api/v1/projects/sms").json()["auto_accept"] is None
    assert _model_items(store) == [first]


def test_the_models_labels_do_not_bring_the_next_round_closer(
    store: Store, project_factory: ProjectFactory, tmp_path: Path
) -> None:
    _auto_labeled(store, project_factory, tmp_path)
    with _client(store) as client:
        training = client.get("/api/v1/projects/sms/stats").json()["training"]
    # 12 labels trained the model, 20 model labels since: still 10 to go.
    assert training["labels_until_retrain"] == 10
