"""Label keys through ``activelabel keys`` and ``PATCH /projects/{name}``, on both backends.

The rule itself (own keys for one-character labels, action keys refused) is in
tests/unit/test_keymap.py; here: what is stored, what the API and the CLI show.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import page_client
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.keymap import reserved_keys
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store, open_store
from activelabel.store.projects import create_project

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return result.exit_code, " ".join(result.stdout.split()), result.stderr


@pytest.fixture
def grades(db_url: str) -> Iterator[Store]:
    """A store with ``wine`` (grades 3–8, table rows) and ``photos`` (images)."""
    store = open_store(db_url)
    with store.session() as session:
        create_project(
            session,
            name="wine",
            task="classification",
            labels="3,4,5,6,7,8",
            modality="tabular",
        )
        create_project(
            session,
            name="photos",
            task="classification",
            labels="cat,dog",
            modality="image",
        )
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def client(grades: Store) -> Iterator[TestClient]:
    app_ = create_app(
        grades, ServerSettings(open_access=True, background_trainer=False)
    )
    with page_client(app_) as test_client:
        yield test_client


def test_the_api_gives_wine_grades_their_own_keys_and_the_page_its_action_keys(
    client: TestClient,
) -> None:
    wine = client.get("/api/v1/projects/wine").json()
    assert wine["keys"] == {g: g for g in "345678"}
    assert wine["reserved_keys"] == reserved_keys("tabular")
    assert [a["action"] for a in wine["actions"]][:3] == ["accept", "skip", "undo"]
    assert {"action": "skip", "keys": ["Space", "s"]} in [
        {"action": a["action"], "keys": a["keys"]} for a in wine["actions"]
    ]
    photos = client.get("/api/v1/projects/photos").json()
    assert "zoom_reset" in [a["action"] for a in photos["actions"]]
    assert {"0", "=", "+", "-"} <= set(photos["reserved_keys"])


def test_patch_chooses_keys_and_the_label_that_held_the_key_moves_aside(
    client: TestClient,
) -> None:
    changed = client.patch("/api/v1/projects/wine", json={"keys": {"3": "5"}})
    assert changed.status_code == 200, changed.text
    keys = changed.json()["keys"]
    assert keys["3"] == "5" and keys["5"] not in {"3", "4", "5", "6", "7", "8"}
    assert len(set(keys.values())) == 6
    assert client.get("/api/v1/projects/wine").json()["keys"] == keys


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"cat": "0"}, "The key '0' cannot label 'cat': the zoom reset action uses it"),
        ({"cat": "="}, "the zoom in action uses it"),
        ({"cat": "x", "dog": "x"}, "chosen for both 'cat' and 'dog'"),
        ({"bird": "b"}, "labels not in the project: bird"),
        ({"cat": "ab"}, "must be one character"),
    ],
)
def test_patch_refuses_a_reserved_or_shared_key_with_a_sentence_and_keeps_the_keys(
    client: TestClient, keys: dict[str, str], message: str
) -> None:
    before = client.get("/api/v1/projects/photos").json()["keys"]
    response = client.patch("/api/v1/projects/photos", json={"keys": keys})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert client.get("/api/v1/projects/photos").json()["keys"] == before


def test_the_keys_command_shows_the_key_table(grades: Store, db_url: str) -> None:
    code, out, err = run("keys", "wine", db_url=db_url)
    assert code == 0, err
    for grade in "345678":
        assert f"│ {grade} │ {grade} │" in out
    assert "Keys the page keeps for its actions:" in out


def test_the_keys_command_changes_keys_that_the_api_then_serves(
    grades: Store, db_url: str, client: TestClient
) -> None:
    code, out, err = run("keys", "wine", "3=a", "4=b", db_url=db_url)
    assert code == 0, err
    assert "│ 3 │ a │ chosen │" in out and "│ 5 │ 5 │" in out
    keys = client.get("/api/v1/projects/wine").json()["keys"]
    assert keys == {"3": "a", "4": "b", "5": "5", "6": "6", "7": "7", "8": "8"}
    code, out, err = run("keys", "wine", "--reset", db_url=db_url)
    assert code == 0, err
    assert client.get("/api/v1/projects/wine").json()["keys"]["3"] == "3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("3=s",), "The key 's' cannot label '3': the skip action uses it."),
        (("3=x", "4=x"), "The key 'x' was chosen for both '3' and '4'"),
        (("3",), "'3' is not LABEL=KEY"),
        (("9=9",), "Keys given for labels not in the project: 9"),
    ],
)
def test_the_keys_command_refuses_with_one_sentence_and_stores_nothing(
    grades: Store, db_url: str, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run("keys", "wine", *args, db_url=db_url)
    assert code != 0
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    code, out, _ = run("keys", "wine", db_url=db_url)
    assert "chosen" not in out and "│ 3 │ 3 │" in out


def test_a_key_chosen_before_must_be_moved_in_the_same_change(
    grades: Store, db_url: str
) -> None:
    assert run("keys", "wine", "3=x", db_url=db_url)[0] == 0
    code, _, err = run("keys", "wine", "4=x", db_url=db_url)
    assert code != 0 and "same change" in err
    code, out, err = run("keys", "wine", "4=x", "3=y", db_url=db_url)
    assert code == 0, err
    assert "│ 3 │ y │ chosen │" in out and "│ 4 │ x │ chosen │" in out
