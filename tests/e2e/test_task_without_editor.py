"""A box project opened in the page: a sentence says its editor is not here,
and no item is leased (label buttons would store values of the wrong shape)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import FIXTURES, Server, cli
from playwright.sync_api import expect

PROJECT = "boxes"
#: The images under tests/fixtures/images (cat/ and dog/).
IMAGES = sum(1 for f in (FIXTURES / "images").rglob("*") if f.is_file())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("e2e-boxes")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli(
        "init",
        PROJECT,
        "--task",
        "detection",
        "--labels",
        "cat,dog",
        "--modality",
        "image",
        db=db,
    )
    cli("import", PROJECT, str(FIXTURES / "images"), db=db)
    served = Server(db, PROJECT, log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def test_a_task_without_an_editor_says_so_and_leases_nothing(
    browser: Any, server: Server
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/#/p/{PROJECT}")
        expect(page.get_by_test_id("no-editor")).to_have_text(
            "This project's task (detection) has no editor in this version of the page; "
            "label it through the API or import labels."
        )
        expect(page.get_by_test_id("item-external-id")).to_have_count(0)
        expect(page.get_by_role("button", name="cat")).to_have_count(0)
    finally:
        context.close()
    project = httpx.get(f"{server.api}/projects/{PROJECT}", timeout=30).json()
    assert project["editor"] == "detection"
    # Nothing was leased: an API client still gets every item.
    csrf = httpx.get(f"{server.api}/csrf", timeout=30).json()["token"]
    response = httpx.post(
        f"{server.api}/projects/{PROJECT}/tasks/next",
        json={"n": 100},
        headers={"X-ActiveLabel-CSRF": csrf},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == IMAGES
