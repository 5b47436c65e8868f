"""How the model learns (model, automl_budget, featurizer, augment), set from the
page's PATCH as from ``activelabel settings``, on SQLite and PostgreSQL: both
store the same values and refuse a bad one with the same sentence."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import ProjectFactory, page_client
from typer.testing import CliRunner

from activelabel import extras
from activelabel.cli import app as cli_app
from activelabel.project_config import AUGMENTABLE
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store
from activelabel.store.projects import get_project

runner = CliRunner()
SMS = "/api/v1/projects/sms"


def _client(store: Store) -> Any:
    return page_client(create_app(store, ServerSettings(background_trainer=False)))


def _stored(store: Store, name: str) -> dict[str, Any]:
    with store.session() as session:
        return get_project(session, name).settings.to_json()


def test_the_page_sets_how_the_model_learns_and_a_null_returns_to_the_default(
    store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms")
    with _client(store) as client:
        shown = client.get(SMS).json()
        assert shown["featurizers"] == [
            "tfidf",
            "hashing",
            "embeddings",
            "both",
            "auto",
        ]
        assert (shown["featurizer"], shown["default_featurizer"]) == (None, "auto")
        assert (shown["model"], shown["automl_budget"]) == (None, 60.0)
        # Text has no augmentation: the page offers no switch.
        assert (shown["augment"], shown["augment_default"]) == (None, None)
        changed = client.patch(
            SMS, json={"model": "auto", "automl_budget": 30, "featurizer": "hashing"}
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["model"], body["automl_budget"], body["featurizer"]) == (
            "auto",
            30.0,
            "hashing",
        )
        assert _stored(store, "sms") == {
            "model": "auto",
            "automl_budget": 30.0,
            "featurizer": "hashing",
        }
        # Other settings leave them as they are; an explicit null resets one.
        client.patch(SMS, json={"retrain_every": 5})
        back = client.patch(SMS, json={"model": None, "featurizer": None})
        assert back.status_code == 200, back.text
    assert _stored(store, "sms") == {"automl_budget": 30.0, "retrain_every": 5}


def test_an_image_project_switches_augmentation_off_and_back_to_its_default(
    store: Store, project_factory: ProjectFactory
) -> None:
    assert "image" in AUGMENTABLE
    project_factory(name="pets", labels=("cat", "dog"), modality="image")
    with _client(store) as client:
        shown = client.get("/api/v1/projects/pets").json()
        assert (shown["augment"], shown["augment_default"]) == (None, True)
        assert shown["featurizers"] == ["image"]
        off = client.patch("/api/v1/projects/pets", json={"augment": False})
        assert off.status_code == 200 and off.json()["augment"] is False
        assert _stored(store, "pets") == {"augment": False}
        default = client.patch("/api/v1/projects/pets", json={"augment": None})
        assert default.json()["augment"] is None
    assert _stored(store, "pets") == {}


#: Refused values, as the page sends them and as the command is given them.
REFUSED: list[tuple[dict[str, Any], list[str]]] = [
    ({"automl_budget": 0}, ["--automl-budget", "0"]),
    ({"automl_budget": -5}, ["--automl-budget", "-5"]),
    ({"model": "xgboost"}, ["--model", "xgboost"]),
    ({"featurizer": "image"}, ["--featurizer", "image"]),
    ({"augment": True}, ["--augment"]),
]


def test_the_page_and_the_command_refuse_a_value_with_the_same_sentence(
    db_url: str, store: Store, project_factory: ProjectFactory
) -> None:
    project_factory(name="sms", config={"model": "auto"})
    with _client(store) as client:
        for body, options in REFUSED:
            refused = client.patch(SMS, json={**body, "retrain_every": 7})
            assert refused.status_code == 400, (body, refused.text)
            sentence = refused.json()["error"]
            said = runner.invoke(cli_app, ["settings", "sms", *options, "--db", db_url])
            assert said.exit_code != 0, options
            assert sentence in " ".join(said.output.split()), (sentence, said.output)
    # Nothing changed, not even the setting sent beside a bad one.
    assert _stored(store, "sms") == {"model": "auto"}


def test_a_featurizer_whose_extra_is_missing_is_refused_naming_the_install_command(
    db_url: str,
    store: Store,
    project_factory: ProjectFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extras, "embeddings_installed", lambda: False)
    project_factory(name="sms")
    with _client(store) as client:
        for name in ("embeddings", "both"):
            refused = client.patch(SMS, json={"featurizer": name})
            assert refused.status_code == 400
            sentence = refused.json()["error"]
            assert 'pip install "activelabel[embeddings]"' in sentence
            said = runner.invoke(
                cli_app, ["settings", "sms", "--featurizer", name, "--db", db_url]
            )
            assert sentence in " ".join(said.output.split())
        # auto needs nothing more: without the extra it compares TF-IDF alone.
        assert client.patch(SMS, json={"featurizer": "auto"}).status_code == 200
    assert _stored(store, "sms") == {"featurizer": "auto"}


def test_the_modalities_the_settings_call_augmentable_are_those_with_transforms() -> (
    None
):
    # The server reads AUGMENTABLE without importing the transforms' NumPy code.
    from activelabel.ml.augmentation import _AUGMENTERS

    assert set(AUGMENTABLE) == set(_AUGMENTERS)
