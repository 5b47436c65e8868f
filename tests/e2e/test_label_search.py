"""Many labels from the keyboard: the 400 Made With ML tags, searched and grouped.

A multi-label project over Made With ML project descriptions carries the 400
tags of its ``tags.json`` as labels, their parents and aliases as its taxonomy
(``activelabel taxonomy load``). Only 35 tags can have a key; the others are
reached through the search box: "/" focuses it, typing narrows the tags,
Enter toggles the first match, Esc clears the box and leaves it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import FIXTURES, ROOT, Server, annotations, cli, wait_for
from playwright.sync_api import Page, expect

PROJECT = "mwm"
#: The same tags, one per item.
SINGLE = "mwm-single"
TAGS = FIXTURES / "madewithml" / "tags.json"
SCREENSHOT = ROOT / "docs" / "screenshots" / "label_search.png"


def _tags() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(TAGS.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-label-search")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    # The descriptions alone: the test gives the tags.
    projects = json.loads(
        (FIXTURES / "madewithml" / "projects.json").read_text(encoding="utf-8")
    )
    items = tmp / "projects.jsonl"
    items.write_text(
        "".join(
            json.dumps(
                {"id": str(p["id"]), "text": f"{p['title']}. {p['description']}"}
            )
            + "\n"
            for p in projects[:30]
        ),
        encoding="utf-8",
    )
    labels = ",".join(tag["tag"] for tag in _tags())
    cli("init", PROJECT, "--task", "multilabel", "--labels", labels, db=db)
    cli("taxonomy", "load", PROJECT, str(TAGS), db=db)
    cli("init", SINGLE, "--labels", labels, db=db)
    for project in (PROJECT, SINGLE):
        cli(
            "import",
            project,
            str(items),
            "--text-column",
            "text",
            "--id-column",
            "id",
            db=db,
        )
    served = Server(db, (PROJECT, SINGLE), "--queue-size", "20", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def page(browser: Any, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.goto(f"{server.url}/#/p/{PROJECT}")
    expect(tab.get_by_test_id("item-external-id")).to_be_visible()
    try:
        yield tab
    finally:
        context.close()


def shown(page: Page) -> str:
    return (page.get_by_test_id("item-external-id").text_content() or "").strip()


def test_the_project_carries_400_tags_with_their_parents(server: Server) -> None:
    project = httpx.get(f"{server.api}/projects/{PROJECT}", timeout=30).json()
    assert len(project["labels"]) == 400
    assert project["parents"]["3d"] == ["computer-vision"]
    assert project["aliases"]["three-dimensional"] == "3d"
    # Far fewer keys than labels: the search box is how the rest are reached.
    assert len(project["keys"]) < 40


def test_slash_focuses_the_search_box_and_typing_narrows_the_tags(page: Page) -> None:
    search = page.get_by_test_id("label-search")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    # "/" focused the box; it typed nothing into it.
    expect(search).to_have_value("")
    page.keyboard.type("segmen")
    matches = page.locator('[data-testid^="label-match-"]')
    expect(matches.first).to_have_attribute("data-testid", "label-match-segmentation")
    names = [
        (m.get_attribute("data-testid") or "").removeprefix("label-match-")
        for m in matches.all()
    ]
    assert "semantic-segmentation" in names and "instance-segmentation" in names
    assert all("segmentation" in name for name in names)
    # A match shows the parents above it.
    expect(page.get_by_test_id("label-match-semantic-segmentation")).to_contain_text(
        "computer-vision › segmentation ›"
    )
    # The tree is hidden while searching (kept in the page, so Esc is quick).
    expect(page.get_by_test_id("label-button-pytorch")).to_be_hidden()


def test_esc_clears_the_box_and_gives_the_keys_back_to_the_page(page: Page) -> None:
    search = page.get_by_test_id("label-search")
    page.keyboard.press("Escape")
    expect(search).to_have_value("")
    expect(search).not_to_be_focused()
    expect(page.get_by_test_id("label-button-pytorch")).to_be_visible()


def test_enter_toggles_the_first_match_and_its_parents_show_chosen(
    page: Page, server: Server
) -> None:
    item = shown(page)
    page.keyboard.press("/")
    page.keyboard.type("semantic seg")
    page.keyboard.press("Enter")
    search = page.get_by_test_id("label-search")
    # Multi-label: the box stays, emptied, for the next tag.
    expect(search).to_be_focused()
    expect(search).to_have_value("")
    child = page.get_by_test_id("label-button-semantic-segmentation")
    expect(child).to_have_attribute("aria-pressed", "true")
    expect(child).to_have_class("label selected depth-2")
    # Its parent and grandparent: chosen by the taxonomy, shown so.
    for parent in ("segmentation", "computer-vision"):
        button = page.get_by_test_id(f"label-button-{parent}")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_contain_class("implied")
    expect(page.get_by_test_id("chosen-labels")).to_contain_text(
        "semantic-segmentation (+ computer-vision, segmentation from the taxonomy)"
    )
    # An alias finds its tag: "nlp" is natural-language-processing's.
    page.keyboard.type("nlp")
    expect(
        page.get_by_test_id("label-match-natural-language-processing")
    ).to_be_visible()
    page.keyboard.press("Enter")
    # Enter on the same tag again toggles it off; ↓ picks the second match.
    page.keyboard.type("pytorch")
    page.keyboard.press("Enter")
    page.keyboard.type("pytorch")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("label-button-pytorch")).to_have_attribute(
        "aria-pressed", "false"
    )
    page.keyboard.type("graph")
    page.keyboard.press("ArrowDown")
    active = page.locator('[data-testid^="label-match-"][aria-current="true"]')
    expect(active).to_have_count(1)
    picked = (active.get_attribute("data-testid") or "").removeprefix("label-match-")
    page.keyboard.press("Enter")
    # An empty box: Enter leaves it, and the next Enter submits the item.
    page.keyboard.press("Enter")
    expect(search).not_to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function(
        """previous => {
            const el = document.querySelector('[data-testid="item-external-id"]');
            return !el || el.textContent.trim() !== previous;
        }""",
        arg=item,
    )

    def stored() -> list[str] | None:
        rows = [
            r
            for r in annotations(server, PROJECT)
            if r["external_id"] == item and r["source"] == "human"
        ]
        return rows[0]["value"] if rows else None

    value = wait_for(stored, timeout=30, what="the label to be stored")
    assert sorted(value) == sorted(
        ["semantic-segmentation", "natural-language-processing", picked]
    )


def test_the_tags_are_grouped_under_their_parents(page: Page) -> None:
    group = page.locator('section.label-group[aria-label="computer-vision"]')
    expect(group.get_by_test_id("label-button-computer-vision")).to_have_count(1)
    expect(group.get_by_test_id("label-button-3d")).to_have_count(1)
    expect(group.get_by_test_id("label-button-semantic-segmentation")).to_have_count(1)
    nlp = page.locator('section.label-group[aria-label="natural-language-processing"]')
    expect(nlp.get_by_test_id("label-button-3d")).to_have_count(0)


@pytest.mark.skipif(
    os.environ.get("ACTIVELABEL_SCREENSHOT") != "1",
    reason="set ACTIVELABEL_SCREENSHOT=1 to rewrite docs/screenshots/label_search.png",
)
def test_screenshot_of_the_label_search(page: Page) -> None:
    page.keyboard.press("/")
    page.keyboard.type("segm")
    expect(page.get_by_test_id("label-match-segmentation")).to_be_visible()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    page.keyboard.press("Escape")
    assert Path(SCREENSHOT).stat().st_size > 10_000


def test_the_history_of_many_labels_shows_the_given_ones_and_a_box_for_another(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/{PROJECT}/history")
    row = page.get_by_test_id("history-row").first
    # The labels given (and no chip for each of the other 400 tags).
    expect(row.locator("button.chip.on")).not_to_have_count(0)
    assert row.locator("button.chip").count() < 10
    other = row.get_by_label("Another label")
    other.fill("no such tag")
    other.press("Enter")
    expect(other).to_have_attribute("aria-invalid", "true")
    other.fill("pytorch")
    other.press("Enter")
    expect(row.locator("button.chip.on", has_text="pytorch")).to_be_visible()


def test_a_single_label_project_gives_the_first_match_and_moves_on(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/{SINGLE}")
    item = shown(page)
    page.keyboard.press("/")
    page.keyboard.type("pytor")
    page.keyboard.press("Enter")
    page.wait_for_function(
        """previous => {
            const el = document.querySelector('[data-testid="item-external-id"]');
            return !el || el.textContent.trim() !== previous;
        }""",
        arg=item,
    )
    # Single label: the box is left, emptied, and the page's keys are back.
    search = page.get_by_test_id("label-search")
    expect(search).not_to_be_focused()
    expect(search).to_have_value("")

    def stored() -> str | None:
        rows = [r for r in annotations(server, SINGLE) if r["external_id"] == item]
        return rows[0]["value"] if rows else None

    assert wait_for(stored, timeout=30, what="the label to be stored") == "pytorch"


def test_the_project_list_and_the_label_counts_stay_short_with_400_tags(
    browser: Any, server: Server
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    try:
        tab = context.new_page()
        tab.goto(f"{server.url}/#/")
        first = ", ".join(tag["tag"] for tag in _tags()[:12])
        expect(tab.get_by_test_id(f"project-link-{PROJECT}")).to_contain_text(
            f"{first} and 388 more"
        )
        tab.goto(f"{server.url}/#/p/{PROJECT}")
        rows = tab.get_by_test_id("label-counts").locator("tr")
        expect(rows).to_have_count(10)
        toggle = tab.get_by_test_id("label-counts-toggle")
        expect(toggle).to_have_text("Show all 400 labels")
        toggle.click()
        expect(rows).to_have_count(400)
        toggle.click()
        expect(rows).to_have_count(10)
    finally:
        context.close()
