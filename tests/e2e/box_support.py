"""Helpers for the box editor's browser tests: draw a box with the mouse, read a
box's place from the page, read the stored boxes and image sizes from the
database file."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from e2e_support import FIXTURES
from playwright.sync_api import Page, expect

DETECTION = FIXTURES / "detection"


def canvas_point(page: Page, x: float, y: float) -> tuple[float, float]:
    """The screen point at (x, y), relative to the image on screen (0–1)."""
    box = page.get_by_test_id("box-canvas").bounding_box()
    assert box is not None, "the image is not on screen"
    return box["x"] + box["width"] * x, box["y"] + box["height"] * y


def draw_box(page: Page, x0: float, y0: float, x1: float, y1: float) -> None:
    """Drag from (x0, y0) to (x1, y1), image-relative, and wait for the new box."""
    before = page.get_by_test_id("box").count()
    sx, sy = canvas_point(page, x0, y0)
    ex, ey = canvas_point(page, x1, y1)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + ex) / 2, (sy + ey) / 2, steps=3)
    page.mouse.move(ex, ey, steps=3)
    page.mouse.up()
    expect(page.get_by_test_id("box")).to_have_count(before + 1)


def extent(page: Page, index: int) -> tuple[float, float, float, float]:
    """Box ``index`` as the page holds it: x, y, w, h relative to the image."""
    raw = page.locator(f'[data-testid="box"][data-index="{index}"]').get_attribute(
        "data-extent"
    )
    assert raw is not None
    x, y, w, h = (float(part) for part in raw.split(","))
    return x, y, w, h


def stored_boxes(db_path: str, project: str) -> dict[str, Any]:
    """Each labeled image's active value, from the SQLite file: external id → boxes."""
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute(
            "SELECT i.external_id, a.value FROM annotations a "
            "JOIN items i ON i.id = a.item_id "
            "JOIN projects p ON p.id = a.project_id "
            "WHERE a.status = 'active' AND p.name = ?",
            (project,),
        ).fetchall()
    return {external_id: json.loads(value) for external_id, value in rows}


def accepted_suggestion(db_path: str, external_id: str) -> bool:
    with sqlite3.connect(db_path) as connection:
        (accepted,) = connection.execute(
            "SELECT a.accepted_suggestion FROM annotations a JOIN items i ON i.id = a.item_id "
            "WHERE i.external_id = ? AND a.status = 'active'",
            (external_id,),
        ).fetchone()
    return bool(accepted)


def image_size(db_path: str, external_id: str) -> tuple[int, int]:
    """The image's width and height in pixels, as the import stored them."""
    with sqlite3.connect(db_path) as connection:
        (data,) = connection.execute(
            "SELECT data FROM items WHERE external_id = ?", (external_id,)
        ).fetchone()
    described = json.loads(data)
    return int(described["width"]), int(described["height"])
