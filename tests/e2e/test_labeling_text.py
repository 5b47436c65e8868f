"""A person labels SMS texts by keyboard while the model trains behind the page.

One server and one browser tab serve the whole module; ``given`` keeps every label
the tab gave (external id → label), so the last tests can find all of them again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import (
    EXAMPLE_SMS,
    ROOT,
    Server,
    annotations,
    cli,
    wait_for,
)
from playwright.sync_api import Page, expect

PROJECT = "sms"
RETRAIN_EVERY = 10
HISTORY_PAGE = 50
#: What the person in these tests calls spam (the example file is mostly unlabeled).
SPAMMY = re.compile(
    r"free|win|prize|claim|urgent|cash|award|offer|txt|text|reply|mobile|£|\$|www|http"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-sms")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli(
        "init",
        PROJECT,
        "--labels",
        "ham,spam",
        "--retrain-every",
        str(RETRAIN_EVERY),
        db=db,
    )
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
    served = Server(db, PROJECT, "--queue-size", "50", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def page(browser: Any, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.goto(f"{server.url}/#/p/{PROJECT}")
    expect(tab.get_by_test_id("item-external-id")).to_be_visible()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="module")
def keys(server: Server) -> dict[str, str]:
    response = httpx.get(f"{server.api}/projects/{PROJECT}", timeout=30)
    response.raise_for_status()
    found: dict[str, str] = response.json()["keys"]
    return found


@pytest.fixture(scope="module")
def given() -> dict[str, str]:
    """Labels given in the tab so far: external id → label."""
    return {}


def shown(page: Page) -> str:
    """The external id of the item on screen (waits for one)."""
    return (page.get_by_test_id("item-external-id").text_content() or "").strip()


def label_shown(
    page: Page, keys: dict[str, str], given: dict[str, str], label: str | None = None
) -> tuple[str, str]:
    """Label the item on screen by its key and wait for the next one to show."""
    external_id = shown(page)
    if label is None:
        text = (page.get_by_test_id("item-text").text_content() or "").lower()
        label = "spam" if SPAMMY.search(text) else "ham"
    page.keyboard.press(keys[label])
    page.wait_for_function(
        """previous => {
            const el = document.querySelector('[data-testid="item-external-id"]');
            return !el || el.textContent.trim() !== previous;
        }""",
        arg=external_id,
    )
    given[external_id] = label
    return external_id, label


def stored_labels(server: Server) -> dict[str, str]:
    return {row["external_id"]: row["value"] for row in annotations(server, PROJECT)}


def test_thirty_keyboard_labels_train_a_model_and_the_queue_turns_to_active_learning(
    page: Page, server: Server, keys: dict[str, str], given: dict[str, str]
) -> None:
    model = page.get_by_test_id("model-version")
    expect(model).to_have_text("none yet")
    for count in range(30):
        # Two classes are needed for a model: the last label is spam if none was.
        forced = "spam" if count == 29 and "spam" not in given.values() else None
        label_shown(page, keys, given, forced)
    assert len(given) == 30

    expect(model).not_to_have_text("none yet", timeout=180_000)
    first_model = (model.text_content() or "").strip()

    source = page.get_by_test_id("source")
    for _ in range(20):
        if "active learning" in (source.text_content() or ""):
            break
        label_shown(page, keys, given)
        page.wait_for_timeout(300)
    expect(source).to_contain_text("active learning")

    # More labels make the trainer retrain: the page shows a new model version.
    for _ in range(RETRAIN_EVERY):
        label_shown(page, keys, given)
    expect(model).not_to_have_text(first_model, timeout=180_000)
    expect(model).not_to_have_text("none yet")
    wait_for(
        lambda: stored_labels(server) == given,
        timeout=30,
        what="every label given in the page to be stored",
    )


def test_backspace_undoes_the_last_label_and_brings_its_item_back(
    page: Page, server: Server, keys: dict[str, str], given: dict[str, str]
) -> None:
    external_id, label = label_shown(page, keys, given)
    wait_for(
        lambda: stored_labels(server).get(external_id) == label,
        timeout=30,
        what=f"the label of {external_id} to be stored",
    )

    page.keyboard.press("Backspace")
    expect(page.get_by_test_id("item-external-id")).to_have_text(external_id)
    del given[external_id]
    wait_for(
        lambda: external_id not in stored_labels(server),
        timeout=30,
        what=f"the label of {external_id} to be undone",
    )
    undone = [
        row
        for row in annotations(server, PROJECT, status="undone")
        if row["external_id"] == external_id
    ]
    assert [row["value"] for row in undone] == [label]

    other = "ham" if label == "spam" else "spam"
    assert label_shown(page, keys, given, other) == (external_id, other)
    wait_for(
        lambda: stored_labels(server).get(external_id) == other,
        timeout=30,
        what=f"the new label of {external_id} to be stored",
    )


def test_every_label_is_found_again_after_a_reload(
    page: Page, server: Server, keys: dict[str, str], given: dict[str, str]
) -> None:
    for _ in range(3):
        label_shown(page, keys, given)
    wait_for(
        lambda: stored_labels(server) == given,
        timeout=30,
        what="every label given in the page to be stored",
    )

    page.reload()
    expect(page.get_by_test_id("item-external-id")).to_be_visible()
    page.goto(f"{server.url}/#/p/{PROJECT}/history")
    rows = page.get_by_test_id("history-row")
    expect(rows.first).to_be_visible()
    expect(rows).to_have_count(min(len(given), HISTORY_PAGE))
    for _ in range(20):  # the history pages by 50: "Older" loads the next page
        listed = rows.count()
        if listed >= len(given):
            break
        page.get_by_role("button", name="Older").click()
        expect(rows).to_have_count(min(len(given), listed + HISTORY_PAGE))
    listed = {
        (row.locator(".external-id").text_content() or "").strip(): (
            row.locator(".sr-only").text_content() or ""
        ).strip()
        for row in rows.all()
    }
    assert listed == given
    assert stored_labels(server) == given
    page.goto(f"{server.url}/#/p/{PROJECT}")
    expect(page.get_by_test_id("item-external-id")).to_be_visible()


@pytest.mark.skipif(
    os.environ.get("ACTIVELABEL_SCREENSHOT") != "1",
    reason="set ACTIVELABEL_SCREENSHOT=1 to rewrite docs/screenshot.png",
)
def test_the_labeling_page_is_captured_for_the_readme(page: Page) -> None:
    expect(page.get_by_test_id("suggestion")).to_contain_text("model:")
    expect(page.get_by_test_id("model-version")).not_to_have_text("none yet")
    page.wait_for_timeout(3500)  # one stats poll, so the chart shows every model
    target = ROOT / "docs" / "screenshot.png"
    page.screenshot(path=str(target))
    assert Path(target).stat().st_size > 10_000
