"""Helpers for the span editor's browser tests: label a sentence by mouse or by
keyboard, read the stored spans from the database file, wait for the next item.

Spans are given as token ranges, ``(first, last, label)``, counted in the
server's own tokens (:func:`activelabel.tasks.spans.tokenization.tokenize`), so
a test also checks that the page's tokens are the server's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from playwright.sync_api import Page, expect

from activelabel.tasks.spans.tokenization import tokenize

TokenSpan = tuple[int, int, str]


def char_spans(
    text: str, spans: Sequence[TokenSpan], tokenization: str = "whitespace"
) -> list[dict[str, Any]]:
    """Token ranges as the character spans the server stores."""
    tokens = tokenize(text, tokenization)
    return [
        {"start": tokens[first][0], "end": tokens[last][1], "label": label}
        for first, last, label in sorted(spans)
    ]


def stored_spans(db_path: str, project: str) -> dict[str, Any]:
    """Each labeled item's active value, read from the SQLite file: external id → spans."""
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute(
            "SELECT i.external_id, a.value FROM annotations a "
            "JOIN items i ON i.id = a.item_id "
            "JOIN projects p ON p.id = a.project_id "
            "WHERE a.status = 'active' AND p.name = ?",
            (project,),
        ).fetchall()
    return {external_id: json.loads(value) for external_id, value in rows}


def shown(page: Page) -> str:
    """The external id of the item on screen (waits for one)."""
    return (page.get_by_test_id("item-external-id").text_content() or "").strip()


def wait_for_next(page: Page, previous: str) -> None:
    """Wait until another item (or none) is on screen."""
    page.wait_for_function(
        """previous => {
            const el = document.querySelector('[data-testid="item-external-id"]');
            return !el || el.textContent.trim() !== previous;
        }""",
        arg=previous,
    )


def token(page: Page, index: int) -> Any:
    return page.locator(f'[data-testid="span-text"] [data-token="{index}"]')


def _point(locator: Any, across: float) -> tuple[float, float]:
    """A point ``across`` (0–1) of the way over a token, halfway down."""
    box = locator.bounding_box()
    assert box is not None, "the token is not on screen"
    return box["x"] + box["width"] * across, box["y"] + box["height"] / 2


def select_by_mouse(page: Page, first: int, last: int, *, shift_click: bool) -> None:
    """Select tokens ``first``..``last``: a drag, or a click and a Shift-click.

    The mouse goes down and up inside the words, not on their edges (the
    selection snaps to whole tokens).
    """
    x1, y1 = _point(token(page, first), 0.7)
    x2, y2 = _point(token(page, last), 0.3)
    if shift_click:
        page.mouse.click(x1, y1)
        page.keyboard.down("Shift")
        page.mouse.click(x2, y2)
        page.keyboard.up("Shift")
        return
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=4)
    page.mouse.up()


def label_by_mouse(page: Page, spans: Sequence[TokenSpan]) -> None:
    """Select each span with the mouse, click its label's button, click the main button."""
    for number, (first, last, label) in enumerate(spans):
        select_by_mouse(page, first, last, shift_click=number % 2 == 1)
        page.get_by_test_id(f"label-button-{label}").click()
        expect(
            page.locator(
                f'[data-testid="span"][data-label="{label}"] [data-token="{first}"]'
            )
        ).to_have_count(1)
    page.locator(".actions button.primary").click()


def label_by_keyboard(
    page: Page, spans: Sequence[TokenSpan], keys: dict[str, str]
) -> None:
    """Move the token cursor (→/←), extend (Shift+→), press the label's key; Enter."""
    cursor = 0
    for first, last, label in sorted(spans):
        step = "ArrowRight" if first > cursor else "ArrowLeft"
        for _ in range(abs(first - cursor)):
            page.keyboard.press(step)
        for _ in range(last - first):
            page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press(keys[label])
        cursor = last
    page.keyboard.press("Enter")


def history_description(text: str, spans: Sequence[dict[str, Any]]) -> str:
    """How the History row says a value (the span editor's describeSpans)."""
    if not spans:
        return "no entities"
    return " · ".join(f"“{text[s['start'] : s['end']]}” {s['label']}" for s in spans)
