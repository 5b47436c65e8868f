"""Requests from outside: foreign Host names, cross-site requests, oversize bodies.

The requests of issue 17, replayed against the default open localhost server:
a page on another site POSTing ``train``, ``skip`` and ``undo`` with no body,
and a DNS-rebinding page reading the export under its own Host name.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import ProjectFactory, page_client
from fastapi.testclient import TestClient

from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.server.request_guard import CSRF_HEADER, allowed_hosts
from activelabel.store.engine import Store, open_store
from activelabel.store.projects import create_project
from activelabel.store.random_fill import random_fill
from activelabel.store.users import add_user

EVIL = {"Origin": "http://evil.example"}
SETTINGS = ServerSettings(open_access=True, background_trainer=False)


@pytest.fixture
def project(project_factory: ProjectFactory, store: Store) -> str:
    made = project_factory("sms", items=[{"text": f"message {i}"} for i in range(10)])
    with store.session() as session:
        random_fill(session, project_id=made.id, size=10)
    return made.name


@pytest.fixture
def page(store: Store) -> Iterator[TestClient]:
    """The labeling page's own client: right Host, CSRF token sent."""
    with page_client(create_app(store, SETTINGS)) as client:
        yield client


@pytest.fixture
def outsider(page: TestClient) -> TestClient:
    """A client on the same server that does not know the CSRF token."""
    return TestClient(page.app, base_url="http://127.0.0.1")


def a_label(page: TestClient, project: str) -> tuple[int, int]:
    """Lease an item and label it as the page would: (item id, annotation id)."""
    task = page.post(f"/api/v1/projects/{project}/tasks/next", json={"n": 1})
    item_id = task.json()["data"][0]["item_id"]
    made = page.post(
        f"/api/v1/projects/{project}/annotations",
        json={"item_id": item_id, "value": "ham"},
    )
    assert made.status_code == 201, made.text
    return item_id, made.json()["id"]


def assert_refused(response: object, status: int, *words: str) -> None:
    assert getattr(response, "status_code") == status, getattr(response, "text")  # noqa: B009
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"ok", "status", "error", "errors"}, body
    assert body["ok"] is False and body["status"] == status
    for word in words:
        assert word in body["error"], body["error"]


def test_a_page_on_another_site_cannot_retrain_skip_or_undo(
    page: TestClient, outsider: TestClient, project: str
) -> None:
    item_id, annotation_id = a_label(page, project)
    other = page.post(f"/api/v1/projects/{project}/tasks/next", json={"n": 1})
    leased = other.json()["data"][0]["item_id"]
    for path in (
        f"/api/v1/projects/{project}/train",
        f"/api/v1/projects/{project}/tasks/{leased}/skip",
        f"/api/v1/projects/{project}/annotations/{annotation_id}/undo",
    ):
        # Exactly the issue's request: no body, no token, a foreign Origin.
        assert_refused(outsider.post(path, headers=EVIL), 403, "evil.example")
        # Even knowing the CSRF token, the foreign Origin is refused.
        assert_refused(page.post(path, headers=EVIL), 403, "evil.example")
    # Nothing happened: the label stands.
    history = page.get(f"/api/v1/projects/{project}/annotations").json()["data"]
    assert [(a["id"], a["status"]) for a in history] == [(annotation_id, "active")]
    assert item_id != leased


def test_a_foreign_origin_is_refused_even_with_a_bearer_token(
    store: Store, page: TestClient, project: str
) -> None:
    with store.session() as session:
        _, token = add_user(session, name="alice")
    response = page.post(
        f"/api/v1/projects/{project}/tasks/next",
        json={"n": 1},
        headers={**EVIL, "Authorization": f"Bearer {token}"},
    )
    assert_refused(response, 403, "evil.example")


def test_a_cross_site_fetch_is_refused(page: TestClient, project: str) -> None:
    response = page.post(
        f"/api/v1/projects/{project}/train", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert_refused(response, 403, "other sites")


def test_an_opaque_origin_is_refused(page: TestClient, project: str) -> None:
    response = page.post(
        f"/api/v1/projects/{project}/train", headers={"Origin": "null"}
    )
    assert_refused(response, 403, "null")


def test_a_tokenless_post_without_the_csrf_header_is_refused(
    outsider: TestClient, project: str
) -> None:
    response = outsider.post(f"/api/v1/projects/{project}/tasks/next", json={"n": 1})
    assert_refused(response, 403, CSRF_HEADER)
    assert response.json()["errors"][0]["loc"] == ["header", CSRF_HEADER]
    wrong = outsider.post(
        f"/api/v1/projects/{project}/train", headers={CSRF_HEADER: "guessed"}
    )
    assert_refused(wrong, 403, CSRF_HEADER)


def test_the_page_of_this_server_may_change_things(
    page: TestClient, outsider: TestClient, project: str
) -> None:
    token = outsider.get("/api/v1/csrf").json()
    assert token["header"] == CSRF_HEADER
    same_origin = {
        "Origin": "http://127.0.0.1",
        "Sec-Fetch-Site": "same-origin",
        CSRF_HEADER: token["token"],
    }
    response = outsider.post(f"/api/v1/projects/{project}/train", headers=same_origin)
    assert response.status_code == 202, response.text


def test_a_bearer_token_needs_no_csrf_header(
    store: Store, outsider: TestClient, project: str
) -> None:
    with store.session() as session:
        _, token = add_user(session, name="alice")
    response = outsider.post(
        f"/api/v1/projects/{project}/tasks/next",
        json={"n": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


def test_a_foreign_host_cannot_read_the_export(page: TestClient, project: str) -> None:
    response = page.get(
        f"/api/v1/projects/{project}/export", headers={"Host": "evil.example"}
    )
    assert_refused(response, 400, "evil.example", "--allowed-host evil.example")


def test_a_dns_rebinding_request_is_refused_before_it_changes_anything(
    page: TestClient, project: str
) -> None:
    # The page's own requests once evil.example resolves to 127.0.0.1:
    # same origin as far as the browser knows, so no Origin to check.
    for response in (
        page.post(
            f"/api/v1/projects/{project}/train", headers={"Host": "evil.example:8765"}
        ),
        page.get("/api/v1/csrf", headers={"Host": "evil.example:8765"}),
        page.get("/", headers={"Host": "evil.example"}),
    ):
        assert_refused(response, 400, "evil.example")


def test_the_loopback_names_are_always_allowed(page: TestClient) -> None:
    for host in ("127.0.0.1:8765", "localhost", "LOCALHOST:80", "[::1]:8765"):
        assert page.get("/api/v1/me", headers={"Host": host}).status_code == 200, host


def test_an_allowed_host_and_the_listening_address_are_answered(
    store: Store, project: str
) -> None:
    settings = ServerSettings(
        open_access=True,
        background_trainer=False,
        bind_host="10.1.2.3",
        allowed_hosts=("labels.example.org",),
    )
    app = create_app(store, settings)
    with page_client(app) as client:
        for host in ("10.1.2.3:8765", "labels.example.org", "labels.example.org:443"):
            assert client.get("/api/v1/me", headers={"Host": host}).status_code == 200
        assert client.get("/api/v1/me", headers={"Host": "10.1.2.4"}).status_code == 400
        # A page served under an allowed name (behind a proxy, say) may post.
        proxied = client.post(
            f"/api/v1/projects/{project}/train",
            headers={"Origin": "https://labels.example.org"},
        )
        assert proxied.status_code == 202, proxied.text


def test_listening_on_every_interface_answers_no_extra_name() -> None:
    assert allowed_hosts("0.0.0.0") == {"127.0.0.1", "localhost", "[::1]"}
    assert allowed_hosts("::") == {"127.0.0.1", "localhost", "[::1]"}
    assert "[fe80::1]" in allowed_hosts("fe80::1")


def test_an_oversize_body_is_refused_before_it_is_read(
    page: TestClient, project: str
) -> None:
    big = b'{"n": 1, "exclude": [' + b"1," * 600_000 + b"1]}"
    response = page.post(
        f"/api/v1/projects/{project}/tasks/next",
        content=big,
        headers={"Content-Type": "application/json"},
    )
    assert_refused(response, 413, "1,048,576 bytes")


def test_an_oversize_body_without_a_length_is_refused_too(
    page: TestClient, project: str
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"n": 1, "exclude": ['
        for _ in range(300):
            yield b"1," * 2_000
        yield b"1]}"

    response = page.post(
        f"/api/v1/projects/{project}/tasks/next",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert_refused(response, 413, "1,048,576 bytes")


def test_serve_answers_the_names_given_with_allowed_host(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/al.db"
    opened = open_store(url)
    with opened.session() as session:
        create_project(session, name="sms", task="classification", labels="ham,spam")
    opened.close()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "activelabel", "serve", "sms", "--port", "0"),
            *("--host", "0.0.0.0", "--allowed-host", "labels.example.org"),
            *("--no-trainer", "--db", url),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline(), process.stdout.readline()]
        printed.append(process.stdout.readline())
        # The address shown is one the server answers to, not 0.0.0.0.
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", printed[0])
        assert match, printed
        assert "--allowed-host" in printed[2] and "labels.example.org" in printed[2]
        base = f"http://127.0.0.1:{match.group(1)}/api/v1/me"
        named = httpx.get(base, headers={"Host": "labels.example.org"})
        assert named.status_code == 401  # answered: a token is required off localhost
        other = httpx.get(base, headers={"Host": "192.168.1.20:8765"})
        assert other.status_code == 400
        assert "--allowed-host 192.168.1.20" in other.json()["error"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
