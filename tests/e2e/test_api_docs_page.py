"""The API docs render in Chromium with every request outside the server refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_support import Server, cli
from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-docs")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli("init", "docs", "--labels", "a,b", db=db)
    running = Server(db, "docs", "--no-trainer", log=tmp / "server.log")
    try:
        yield running
    finally:
        running.stop()


def offline(page: Page, server: Server) -> list[str]:
    """Refuse every request that does not go to ``server``; return the refused URLs."""
    local = urlsplit(server.url).netloc
    refused: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).netloc == local:
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    page.route("**/*", route)
    return refused


def test_swagger_ui_lists_the_operations_offline(page: Page, server: Server) -> None:
    refused = offline(page, server)
    page.goto(f"{server.url}/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/projects/{name}/export")
    ).to_be_visible()
    assert refused == []
