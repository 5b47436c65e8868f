"""Every API route × every role, on SQLite and PostgreSQL, from one table.

``MATRIX`` is the route × role table of ``docs/api.md``: each row is one
request (a route, and for some routes whose work it touches) with the status
each caller gets. A route the app serves without a row fails
``test_every_api_route_has_a_row_in_the_matrix``, so a new route cannot ship
without its rights being decided and tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import page_client
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from activelabel.io.importer import import_path
from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.server.roles import Action, require
from activelabel.store.engine import Store
from activelabel.store.labeling_functions import add_keyword_function
from activelabel.store.models import Project
from activelabel.store.projects import create_project
from activelabel.store.random_fill import random_fill
from activelabel.store.users import add_user

FIXTURES = Path(__file__).parent.parent / "fixtures"

#: The callers of every row: no token at all, then each role's token.
CALLERS = ("no token", "annotator", "reviewer", "admin")
P = "/api/v1/projects/{name}"


@dataclass
class World:
    """A closed server (tokens required) over an image project ``pets``."""

    client: TestClient
    store: Store
    project_id: int
    #: Tokens of the three roles, and of a second annotator ("other").
    tokens: dict[str, str]

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "no token":
            return {}
        return {"Authorization": f"Bearer {self.tokens[caller]}"}

    def actor(self, caller: str) -> str:
        """Who sets a request up: the caller, or an annotator for "no token"."""
        return "annotator" if caller == "no token" else caller

    def lease(self, who: str) -> int:
        """An item leased to ``who``."""
        got = self.client.post(
            "/api/v1/projects/pets/tasks/next",
            json={"n": 1},
            headers=self.headers(who),
        )
        assert got.status_code == 200, got.text
        item_id: int = got.json()["data"][0]["item_id"]
        return item_id

    def annotation(self, who: str) -> int:
        """A label given by ``who``."""
        item = self.lease(who)
        made = self.client.post(
            "/api/v1/projects/pets/annotations",
            json={"item_id": item, "value": "cat"},
            headers=self.headers(who),
        )
        assert made.status_code == 201, made.text
        annotation_id: int = made.json()["id"]
        return annotation_id


Call = Callable[[World, str], httpx.Response]


def _get(path: str) -> Call:
    return lambda w, caller: w.client.get(path, headers=w.headers(caller))


def _label_own(w: World, caller: str) -> httpx.Response:
    item = w.lease(w.actor(caller))
    return w.client.post(
        "/api/v1/projects/pets/annotations",
        json={"item_id": item, "value": "dog"},
        headers=w.headers(caller),
    )


def _label_leased_to_other(w: World, caller: str) -> httpx.Response:
    item = w.lease("other")
    return w.client.post(
        "/api/v1/projects/pets/annotations",
        json={"item_id": item, "value": "dog"},
        headers=w.headers(caller),
    )


def _skip(whose: str) -> Call:
    def call(w: World, caller: str) -> httpx.Response:
        item = w.lease(w.actor(caller) if whose == "own" else "other")
        return w.client.post(
            f"/api/v1/projects/pets/tasks/{item}/skip", headers=w.headers(caller)
        )

    return call


def _undo(whose: str) -> Call:
    def call(w: World, caller: str) -> httpx.Response:
        annotation = w.annotation(w.actor(caller) if whose == "own" else "other")
        return w.client.post(
            f"/api/v1/projects/pets/annotations/{annotation}/undo",
            headers=w.headers(caller),
        )

    return call


def _edit(whose: str) -> Call:
    def call(w: World, caller: str) -> httpx.Response:
        annotation = w.annotation(w.actor(caller) if whose == "own" else "other")
        return w.client.patch(
            f"/api/v1/projects/pets/annotations/{annotation}",
            json={"value": "dog"},
            headers=w.headers(caller),
        )

    return call


def _media(w: World, caller: str) -> httpx.Response:
    item = w.lease(w.actor(caller))
    return w.client.get(
        f"/api/v1/projects/pets/items/{item}/media", headers=w.headers(caller)
    )


def _texts(w: World) -> Project:
    """The project, given a text column (keyword functions read an item's text)."""
    with w.store.session() as session:
        project = session.get_one(Project, w.project_id)
        if project.settings.text_column is None:
            project.update_settings(text_column="path")
    return project


def _add_rule(w: World, caller: str) -> httpx.Response:
    _texts(w)
    return w.client.post(
        "/api/v1/projects/pets/rules",
        json={
            "kind": "keywords",
            "name": f"cat-words-{caller}",
            "label": "cat",
            "keywords": ["cat", "kitten"],
        },
        headers=w.headers(caller),
    )


def _remove_rule(w: World, caller: str) -> httpx.Response:
    _texts(w)
    with w.store.session() as session:
        project = session.get_one(Project, w.project_id)
        add_keyword_function(
            session, project, name=f"dog-{caller}", label="dog", keywords=["dog"]
        )
    return w.client.delete(
        f"/api/v1/projects/pets/rules/dog-{caller}", headers=w.headers(caller)
    )


def _review(whose: str) -> Call:
    def call(w: World, caller: str) -> httpx.Response:
        labeler = w.actor(caller) if whose == "own" else "other"
        item = w.lease(labeler)
        made = w.client.post(
            "/api/v1/projects/pets/annotations",
            json={"item_id": item, "value": "cat"},
            headers=w.headers(labeler),
        )
        assert made.status_code == 201, made.text
        return w.client.post(
            "/api/v1/projects/pets/reviews",
            json={"item_id": item, "decision": "accept"},
            headers=w.headers(caller),
        )

    return call


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    call: Call
    #: Status for each of :data:`CALLERS`, in order.
    statuses: tuple[int, int, int, int]


ALL = (401, 200, 200, 200)
ADMIN = (401, 403, 403, 200)
REVIEWERS = (401, 403, 200, 200)

MATRIX: dict[str, Row] = {
    "read the CSRF token": Row(
        "GET", "/api/v1/csrf", _get("/api/v1/csrf"), (200, 200, 200, 200)
    ),
    "who am I": Row("GET", "/api/v1/me", _get("/api/v1/me"), ALL),
    "list projects": Row("GET", "/api/v1/projects", _get("/api/v1/projects"), ALL),
    "read a project": Row("GET", P, _get("/api/v1/projects/pets"), ALL),
    "change a project's settings": Row(
        "PATCH",
        P,
        lambda w, c: w.client.patch(
            "/api/v1/projects/pets",
            json={"retrain_every": 5, "overlap": 2},
            headers=w.headers(c),
        ),
        ADMIN,
    ),
    "change how a project's model learns": Row(
        "PATCH",
        P,
        lambda w, c: w.client.patch(
            "/api/v1/projects/pets",
            json={"model": "auto", "automl_budget": 20, "augment": False},
            headers=w.headers(c),
        ),
        ADMIN,
    ),
    "lease next tasks": Row(
        "POST",
        P + "/tasks/next",
        lambda w, c: w.client.post(
            "/api/v1/projects/pets/tasks/next", json={"n": 2}, headers=w.headers(c)
        ),
        ALL,
    ),
    "skip an item of one's own": Row(
        "POST", P + "/tasks/{item_id}/skip", _skip("own"), (401, 204, 204, 204)
    ),
    "skip an item leased to another": Row(
        "POST", P + "/tasks/{item_id}/skip", _skip("other"), (401, 409, 409, 409)
    ),
    "label an item of one's own": Row(
        "POST", P + "/annotations", _label_own, (401, 201, 201, 201)
    ),
    "label an item leased to another": Row(
        "POST", P + "/annotations", _label_leased_to_other, (401, 409, 409, 409)
    ),
    "undo one's own label": Row(
        "POST", P + "/annotations/{annotation_id}/undo", _undo("own"), ALL
    ),
    "undo another's label": Row(
        "POST", P + "/annotations/{annotation_id}/undo", _undo("other"), ADMIN
    ),
    "edit one's own label": Row(
        "PATCH", P + "/annotations/{annotation_id}", _edit("own"), ALL
    ),
    "edit another's label": Row(
        "PATCH", P + "/annotations/{annotation_id}", _edit("other"), ADMIN
    ),
    "list one's own labels": Row(
        "GET",
        P + "/annotations",
        _get("/api/v1/projects/pets/annotations?mine=true"),
        ALL,
    ),
    "list every annotator's labels": Row(
        "GET",
        P + "/annotations",
        _get("/api/v1/projects/pets/annotations?mine=false"),
        (401, 403, 200, 200),
    ),
    "read the progress figures": Row(
        "GET", P + "/stats", _get("/api/v1/projects/pets/stats"), ALL
    ),
    "list model versions": Row(
        "GET", P + "/model-versions", _get("/api/v1/projects/pets/model-versions"), ALL
    ),
    "retrain now": Row(
        "POST",
        P + "/train",
        lambda w, c: w.client.post("/api/v1/projects/pets/train", headers=w.headers(c)),
        (401, 403, 403, 202),
    ),
    "export the labels": Row(
        "GET", P + "/export", _get("/api/v1/projects/pets/export?format=csv"), ADMIN
    ),
    # pets has no model yet: an admin is told how to train one.
    "clear an imported labeling order": Row(
        "DELETE",
        P + "/imported-order",
        lambda w, c: w.client.delete(
            "/api/v1/projects/pets/imported-order", headers=w.headers(c)
        ),
        ADMIN,
    ),
    "download the queries dataset": Row(
        "GET",
        P + "/export",
        _get("/api/v1/projects/pets/export?dataset=queries&strategy=margin&top=5"),
        (401, 403, 403, 400),
    ),
    "read an item's media": Row("GET", P + "/items/{item_id}/media", _media, ALL),
    "read the review queue": Row(
        "GET", P + "/review", _get("/api/v1/projects/pets/review"), REVIEWERS
    ),
    "read the review counts": Row(
        "GET",
        P + "/review/counts",
        _get("/api/v1/projects/pets/review/counts"),
        REVIEWERS,
    ),
    "browse every item": Row(
        "GET", P + "/browse", _get("/api/v1/projects/pets/browse"), REVIEWERS
    ),
    "review another's label": Row(
        "POST", P + "/reviews", _review("other"), (401, 403, 201, 201)
    ),
    "review one's own label": Row(
        "POST", P + "/reviews", _review("own"), (401, 403, 403, 201)
    ),
    "read the agreement between annotators": Row(
        "GET",
        P + "/agreement",
        _get("/api/v1/projects/pets/agreement"),
        (401, 403, 200, 200),
    ),
    "read the annotators' gold scores": Row(
        "GET", P + "/gold-scores", _get("/api/v1/projects/pets/gold-scores"), ADMIN
    ),
    "list the labeling functions and their figures": Row(
        "GET", P + "/rules", _get("/api/v1/projects/pets/rules"), (401, 403, 200, 200)
    ),
    "add a keyword or regex function": Row(
        "POST", P + "/rules", _add_rule, (401, 403, 403, 201)
    ),
    "remove a labeling function": Row(
        "DELETE", P + "/rules/{function}", _remove_rule, (401, 403, 403, 204)
    ),
    "list where the rules and people disagree": Row(
        "GET",
        P + "/rules/disagreements",
        _get("/api/v1/projects/pets/rules/disagreements"),
        (401, 403, 200, 200),
    ),
    "read the likely mislabeled items": Row(
        "GET",
        P + "/label-issues",
        _get("/api/v1/projects/pets/label-issues"),
        (401, 403, 200, 200),
    ),
    "read the guidelines": Row(
        "GET", P + "/guidelines", _get("/api/v1/projects/pets/guidelines"), ALL
    ),
    "change the guidelines": Row(
        "PUT",
        P + "/guidelines",
        lambda w, c: w.client.put(
            "/api/v1/projects/pets/guidelines",
            json={"markdown": "## cat\nWhiskers.\n"},
            headers=w.headers(c),
        ),
        (401, 403, 403, 200),
    ),
    "read the label schema's history": Row(
        "GET", P + "/label-changes", _get("/api/v1/projects/pets/label-changes"), ALL
    ),
    "read the model's own labels and their audit": Row(
        "GET", P + "/auto-labels", _get("/api/v1/projects/pets/auto-labels"), ALL
    ),
    "undo the model's own labels": Row(
        "POST",
        P + "/auto-labels/undo",
        lambda w, c: w.client.post(
            "/api/v1/projects/pets/auto-labels/undo", headers=w.headers(c)
        ),
        ADMIN,
    ),
    "add, rename or retire a label": Row(
        "POST",
        P + "/label-changes",
        lambda w, c: w.client.post(
            "/api/v1/projects/pets/label-changes",
            json={"change": "add", "label": "bird"},
            headers=w.headers(c),
        ),
        (401, 403, 403, 201),
    ),
}

#: Routes that need no token: the page asks for the CSRF token before sign-in.
PUBLIC = {("GET", "/api/v1/csrf")}


def _flat(routes: list[Any]) -> Iterator[Any]:
    """The app's routes, with those of included routers listed one by one."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _flat(included.routes) if included is not None else [route]


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    return [
        route
        for route in _flat(routes)
        if isinstance(route, APIRoute)
        and route.include_in_schema
        and route.path.startswith("/api/")
    ]


def _world_app(store: Store, projects: frozenset[str] | None = None) -> Any:
    return create_app(
        store,
        ServerSettings(open_access=False, background_trainer=False, projects=projects),
    )


@pytest.fixture
def world(store: Store) -> Iterator[World]:
    with store.session() as session:
        project = create_project(
            session,
            name="pets",
            task="classification",
            labels="cat,dog",
            modality="image",
        )
        project_id = project.id
        tokens = {
            role: add_user(session, name=f"{role}-1", role=role)[1]
            for role in ("annotator", "reviewer", "admin")
        }
        tokens["other"] = add_user(session, name="other-annotator")[1]
    import_path(store, "pets", FIXTURES / "images")
    with store.session() as session:
        random_fill(session, project_id=project_id, size=50)
    with page_client(_world_app(store)) as client:
        yield World(client, store, project_id, tokens)


def test_every_api_route_has_a_row_in_the_matrix(store: Store) -> None:
    app = _world_app(store)
    served = {(m, r.path) for r in _api_routes(app.routes) for m in r.methods}
    assert served == {(r.method, r.path) for r in MATRIX.values()}
    documented = {
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
    }
    assert documented == served


def test_every_api_route_but_the_public_ones_names_its_role_dependency(
    store: Store,
) -> None:
    guards = {require(action).__name__ for action in Action} | {"annotations_reader"}
    app = _world_app(store)
    for route in _api_routes(app.routes):
        names = {d.call.__name__ for d in route.dependant.dependencies if d.call}
        if {(m, route.path) for m in route.methods} <= PUBLIC:
            continue
        assert names & guards, (route.path, names)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("request_name", list(MATRIX))
def test_role_matrix(world: World, request_name: str, caller: str) -> None:
    row = MATRIX[request_name]
    response = row.call(world, caller)
    expected = row.statuses[CALLERS.index(caller)]
    assert response.status_code == expected, (request_name, caller, response.text)
    if expected >= 400:
        body = response.json()
        assert body["status"] == expected and body["error"].endswith("."), body
