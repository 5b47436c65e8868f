"""A person labels boxes in the box editor: three boxes drawn with the mouse,
one box's class changed with a label key, one box nudged with the arrows; the
database holds exactly those boxes, relative to the image, and the COCO export
gives them back in pixels."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from box_support import (
    DETECTION,
    draw_box,
    extent,
    image_size,
    stored_boxes,
)
from e2e_support import Server, cli, label_keys, wait_for
from ner_support import shown, wait_for_next
from playwright.sync_api import Page, expect

PROJECT = "pets"
LABELS = ["cat", "dog", "person"]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("e2e-boxes") / "activelabel.db")


@pytest.fixture(scope="module")
def server(db_path: str) -> Iterator[Server]:
    db = f"sqlite:///{db_path}"
    cli(
        "init",
        PROJECT,
        "--task",
        "detection",
        "--modality",
        "image",
        "--labels",
        ",".join(LABELS),
        db=db,
    )
    cli("import", PROJECT, str(DETECTION / "images"), db=db)
    served = Server(db, PROJECT, log=Path(db_path).parent / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def test_boxes_drawn_relabeled_and_nudged_are_stored_and_exported_to_coco(
    page: Page, server: Server, db_path: str
) -> None:
    keys = label_keys(server, PROJECT)
    page.goto(f"{server.url}/#/p/{PROJECT}")
    expect(page.get_by_test_id("box-image")).to_be_visible()
    external_id = shown(page)
    width, height = image_size(db_path, external_id)

    # Three boxes by mouse: the first gets the first class; a key chosen with
    # nothing selected gives the next boxes theirs.
    draw_box(page, 0.10, 0.10, 0.30, 0.40)
    page.get_by_test_id("box-canvas").click(position={"x": 2, "y": 2})  # deselect
    expect(page.locator('[data-testid="box"].selected')).to_have_count(0)
    page.keyboard.press(keys["dog"])
    draw_box(page, 0.50, 0.20, 0.80, 0.60)
    draw_box(page, 0.35, 0.65, 0.55, 0.90)
    labels = page.get_by_test_id("box").evaluate_all(
        "els => els.map(e => e.dataset.label)"
    )
    assert labels == ["cat", "dog", "dog"]
    expect(page.get_by_test_id("box-row")).to_have_count(3)

    # Tab round to the second box; its class changed by key.
    page.keyboard.press(
        "Tab"
    )  # the third box was selected: Tab goes round to the first
    page.keyboard.press("Tab")
    expect(page.locator('[data-testid="box"][data-index="1"]')).to_have_class(
        "box selected"
    )
    page.keyboard.press(keys["person"])
    expect(page.locator('[data-testid="box"][data-index="1"]')).to_have_attribute(
        "data-label", "person"
    )

    # The first box nudged: 3 px right, then 10 px down (Shift).
    page.get_by_test_id("box-row").nth(0).click()
    x0, y0, w0, h0 = extent(page, 0)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    x1, y1, w1, h1 = extent(page, 0)
    assert x1 - x0 == pytest.approx(3 / width, abs=1e-9)
    assert y1 - y0 == pytest.approx(10 / height, abs=1e-9)
    assert (w1, h1) == (w0, h0)

    on_screen = [extent(page, i) for i in range(3)]
    page.keyboard.press("Enter")
    wait_for_next(page, external_id)

    stored = wait_for(
        lambda: stored_boxes(db_path, PROJECT).get(external_id),
        timeout=30,
        what="the boxes",
    )
    assert [b["label"] for b in stored] == ["cat", "person", "dog"]
    for box, (x, y, w, h) in zip(stored, on_screen, strict=True):
        assert set(box) == {"x", "y", "w", "h", "label"}
        assert (box["x"], box["y"], box["w"], box["h"]) == pytest.approx(
            (x, y, w, h), abs=1e-8
        )
    # Where the mouse went, within a pixel of the image.
    wanted = [
        (0.10 + 3 / width, 0.10 + 10 / height, 0.20, 0.30),
        (0.50, 0.20, 0.30, 0.40),
        (0.35, 0.65, 0.20, 0.25),
    ]
    for box, (x, y, w, h) in zip(stored, wanted, strict=True):
        assert box["x"] == pytest.approx(x, abs=1.5 / width)
        assert box["y"] == pytest.approx(y, abs=1.5 / height)
        assert box["w"] == pytest.approx(w, abs=1.5 / width)
        assert box["h"] == pytest.approx(h, abs=1.5 / height)

    # An image with nothing in it: Enter submits an empty list.
    empty_id = shown(page)
    expect(page.locator(".actions button.primary")).to_contain_text("nothing here")
    page.keyboard.press("Enter")
    wait_for_next(page, empty_id)
    wait_for(
        lambda: stored_boxes(db_path, PROJECT).get(empty_id) == [],
        timeout=30,
        what="the empty label",
    )

    # COCO: the same boxes in pixels of the image.
    out = Path(db_path).parent / "pets.json"
    cli(
        "export", PROJECT, "-o", str(out), "--format", "coco", db=f"sqlite:///{db_path}"
    )
    coco: dict[str, Any] = json.loads(out.read_text())
    category = {c["id"]: c["name"] for c in coco["categories"]}
    image = next(
        i for i in coco["images"] if Path(i["file_name"]).name == Path(external_id).name
    )
    assert (image["width"], image["height"]) == (width, height)
    exported = [a for a in coco["annotations"] if a["image_id"] == image["id"]]
    exported_boxes = sorted((category[a["category_id"]], a["bbox"]) for a in exported)
    stored_pixels = sorted(
        (b["label"], [b["x"] * width, b["y"] * height, b["w"] * width, b["h"] * height])
        for b in stored
    )
    assert [label for label, _ in exported_boxes] == [
        label for label, _ in stored_pixels
    ]
    for (_, bbox), (_, pixels) in zip(exported_boxes, stored_pixels, strict=True):
        assert bbox == pytest.approx(pixels, abs=1e-4)
    empty = next(
        i for i in coco["images"] if Path(i["file_name"]).name == Path(empty_id).name
    )
    assert not [a for a in coco["annotations"] if a["image_id"] == empty["id"]]


def test_zoom_and_pan_keep_boxes_on_the_same_place_of_the_image(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/{PROJECT}")
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=box-image]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    external_id = shown(page)
    draw_box(page, 0.40, 0.40, 0.60, 0.70)
    before = extent(page, 0)
    canvas = page.get_by_test_id("box-canvas")
    box = page.get_by_test_id("box").first

    def place() -> tuple[float, float, float, float]:
        c, b = canvas.bounding_box(), box.bounding_box()
        assert c is not None and b is not None
        return (
            (b["x"] - c["x"]) / c["width"],
            (b["y"] - c["y"]) / c["height"],
            b["width"] / c["width"],
            b["height"] / c["height"],
        )

    fitted_width = (canvas.bounding_box() or {})["width"]
    fitted_place = place()
    page.get_by_role("button", name="Zoom in").click()
    page.keyboard.press("+")
    zoomed_width = (canvas.bounding_box() or {})["width"]
    assert zoomed_width == pytest.approx(fitted_width * 1.25**2, rel=0.01)
    assert place() == pytest.approx(fitted_place, abs=0.002)
    assert extent(page, 0) == before

    # Pan: Space held over the image and a drag; Space does not skip the image.
    stage = page.get_by_test_id("box-stage")
    scroll = stage.evaluate("el => [el.scrollLeft, el.scrollTop]")
    view = stage.bounding_box()
    assert view is not None
    sx, sy = view["x"] + view["width"] * 0.7, view["y"] + view["height"] * 0.7
    page.mouse.move(sx, sy)
    page.keyboard.down(" ")
    page.mouse.down()
    page.mouse.move(sx - 80, sy - 60, steps=4)
    page.mouse.up()
    page.keyboard.up(" ")
    moved = stage.evaluate("el => [el.scrollLeft, el.scrollTop]")
    # The image overflows the view at least one way: that way it scrolled on.
    assert moved != scroll
    assert moved[0] >= scroll[0] and moved[1] >= scroll[1]
    assert shown(page) == external_id
    expect(page.get_by_test_id("box")).to_have_count(1)
    assert extent(page, 0) == before

    # The wheel zooms out; 0 fits the image again.
    page.mouse.move(sx - 80, sy - 60)
    page.mouse.wheel(0, 100)
    assert (canvas.bounding_box() or {})["width"] < zoomed_width
    page.keyboard.press("0")
    assert (canvas.bounding_box() or {})["width"] == pytest.approx(fitted_width, abs=1)
    assert place() == pytest.approx(fitted_place, abs=0.002)


def test_the_help_lists_the_box_keys_and_back_forward_on_page_up_down(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/{PROJECT}")
    expect(page.get_by_test_id("box-image")).to_be_visible()
    page.keyboard.press("?")
    help_overlay = page.get_by_test_id("help-overlay")
    expect(
        help_overlay.locator("tr", has_text="Back through labeled items")
    ).to_contain_text("PgUp")
    expect(
        help_overlay.locator("tr", has_text="Forward through labeled items")
    ).to_contain_text("PgDn")
    expect(help_overlay.locator("tr", has_text="Select the next box")).to_contain_text(
        "Tab"
    )
    expect(help_overlay).to_contain_text("Move the selected box left 1 px")
    expect(help_overlay).to_contain_text("Remove the selected box")
