"""/docs is served with this server's own files, never a CDN's; /redoc is off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from activelabel.server.app import create_app
from activelabel.server.deps import ServerSettings
from activelabel.store.engine import Store


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    application = create_app(
        store, ServerSettings(open_access=True, background_trainer=False)
    )
    with TestClient(application, base_url="http://127.0.0.1") as test_client:
        yield test_client


def referenced_urls(html: str) -> list[str]:
    """Every URL a page loads or links: src/href attributes and quoted JS strings."""
    attributes = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    strings = re.findall(r"""["']((?:https?:)?//[^"']+|/[^"'\s]*)["']""", html)
    return sorted(set(attributes) | set(strings))


def test_the_api_docs_load_only_local_files_and_each_answers(
    client: TestClient,
) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    urls = referenced_urls(response.text)
    assert urls, response.text
    foreign = [u for u in urls if urlsplit(u).netloc or urlsplit(u).scheme]
    assert foreign == []
    assert {u.rsplit("/", 1)[-1] for u in urls if "/docs/assets/" in u} == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon.png",
    }
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.content, url
    assert "/openapi.json" in urls


def test_the_docs_assets_are_scripts_and_styles(client: TestClient) -> None:
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    style = client.get("/docs/assets/swagger-ui.css")
    assert "javascript" in script.headers["content-type"]
    assert style.headers["content-type"].startswith("text/css")
    assert len(script.content) > 100_000  # the real bundle, not a stub


def test_there_is_no_redoc_page(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


def test_the_docs_assets_serve_no_other_files(client: TestClient) -> None:
    assert client.get("/docs/assets/__init__.py").status_code == 404
    assert client.get("/docs/assets/%2e%2e/core.py").status_code == 404
