"""Two annotators with their own tokens, in two browser contexts, share one queue.

Neither is ever served an item the other holds: every ``tasks/next`` answer each
page receives is recorded and the two sets of items never meet.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import EXAMPLE_SMS, Server, add_user, annotations, cli
from playwright.sync_api import Page, Response, expect

PROJECT = "sms"


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("e2e-team")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli("init", PROJECT, "--labels", "ham,spam", db=db)
    cli(
        "import",
        PROJECT,
        str(EXAMPLE_SMS),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    tokens = {name: add_user(name, db=db) for name in ("alice", "bob")}
    # Reads every annotator's labels to check them (annotators read their own).
    tokens["lead"] = add_user("lead", db=db, role="reviewer")
    served = Server(
        db, PROJECT, "--queue-size", "50", "--require-token", log=tmp / "serve.log"
    )
    try:
        yield served, tokens
    finally:
        served.stop()


class Annotator:
    """One person's browser context, with every item the server leased to it."""

    def __init__(self, browser: Any, server: Server, token: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.context.set_default_timeout(60_000)
        self.page: Page = self.context.new_page()
        self.responses: list[Response] = []
        self.page.on("response", self._record)
        self.page.goto(f"{server.url}/?token={token}#/p/{PROJECT}")
        expect(self.page.get_by_test_id("item-external-id")).to_be_visible()

    def _record(self, response: Response) -> None:
        if response.url.endswith(f"/projects/{PROJECT}/tasks/next"):
            self.responses.append(response)

    def shown(self) -> str:
        return (
            self.page.get_by_test_id("item-external-id").text_content() or ""
        ).strip()

    def label(self, key: str) -> str:
        shown = self.shown()
        self.page.keyboard.press(key)
        expect(self.page.get_by_test_id("item-external-id")).not_to_have_text(shown)
        return shown

    def served(self) -> set[int]:
        """Item ids of every task the server handed to this page."""
        return {
            task["item_id"]
            for response in self.responses
            if response.ok
            for task in response.json()["data"]
        }


def test_two_annotators_in_two_browsers_are_never_served_the_same_item(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    alice = Annotator(browser, server, tokens["alice"])
    bob = Annotator(browser, server, tokens["bob"])
    try:
        labeled: dict[str, list[str]] = {"alice": [], "bob": []}
        for turn in range(4):
            assert alice.shown() != bob.shown()
            for _ in range(3):
                labeled["alice"].append(alice.label("1" if turn % 2 else "2"))
            for _ in range(3):
                labeled["bob"].append(bob.label("2" if turn % 2 else "1"))
        assert alice.shown() != bob.shown()

        assert alice.served() and bob.served()
        assert not alice.served() & bob.served()

        # What alice holds now is not given to bob even when he asks for many.
        response = httpx.post(
            f"{server.api}/projects/{PROJECT}/tasks/next",
            json={"n": 50},
            headers={"Authorization": f"Bearer {tokens['bob']}"},
            timeout=30,
        )
        response.raise_for_status()
        more_for_bob = {task["item_id"] for task in response.json()["data"]}
        assert more_for_bob
        assert not more_for_bob & alice.served()

        # The page posts each label in the background after showing the next item:
        # wait until all of them have reached the server before comparing.
        expected = sum(len(ids) for ids in labeled.values())
        deadline = time.monotonic() + 30
        stored = annotations(server, PROJECT, token=tokens["lead"])
        while len(stored) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
            stored = annotations(server, PROJECT, token=tokens["lead"])
        by_annotator: dict[str, set[str]] = {"alice": set(), "bob": set()}
        for row in stored:
            by_annotator[row["annotator"]].add(row["external_id"])
        assert by_annotator == {name: set(ids) for name, ids in labeled.items()}
        assert not by_annotator["alice"] & by_annotator["bob"]
    finally:
        alice.context.close()
        bob.context.close()
