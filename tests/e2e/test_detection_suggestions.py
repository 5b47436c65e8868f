"""Pre-annotations in the box editor: a COCO file of predicted boxes is
imported as predictions, a round queues the images least-confident first with
those boxes as suggestions; the page draws them dashed with class and score,
Enter accepts them all, and a corrected suggestion is stored as corrected.

With ``ACTIVELABEL_SCREENSHOT=1`` a test also rewrites
docs/screenshots/detection.png (boxes drawn and dashed pre-annotations).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from box_support import DETECTION, accepted_suggestion, draw_box, stored_boxes
from e2e_support import ROOT, Server, cli, label_keys, wait_for
from ner_support import shown, wait_for_next
from playwright.sync_api import Page, expect

PROJECT = "coco"
CLASSES = [
    name
    for name in (DETECTION / "classes.txt").read_text(encoding="utf-8").splitlines()
    if name
]
PREDICTIONS = DETECTION / "coco_predictions.json"


def predicted(external_id: str) -> list[dict[str, Any]]:
    """The COCO file's boxes of one image, relative to its size, with their score."""
    coco = json.loads(PREDICTIONS.read_text(encoding="utf-8"))
    image = next(
        i for i in coco["images"] if Path(i["file_name"]).name == Path(external_id).name
    )
    names = {c["id"]: c["name"] for c in coco["categories"]}
    return [
        {
            "x": a["bbox"][0] / image["width"],
            "y": a["bbox"][1] / image["height"],
            "w": a["bbox"][2] / image["width"],
            "h": a["bbox"][3] / image["height"],
            "label": names[a["category_id"]],
            "score": a["score"],
        }
        for a in coco["annotations"]
        if a["image_id"] == image["id"]
    ]


def same_boxes(stored: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    def key(box: dict[str, Any]) -> tuple[str, float, float]:
        return box["label"], round(box["x"], 4), round(box["y"], 4)

    if len(stored) != len(wanted):
        return False
    return all(
        a["label"] == b["label"]
        and all(abs(a[k] - b[k]) < 1e-6 for k in ("x", "y", "w", "h"))
        for a, b in zip(sorted(stored, key=key), sorted(wanted, key=key), strict=True)
    )


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("e2e-box-suggestions") / "activelabel.db")


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
        ",".join(CLASSES),
        db=db,
    )
    cli(
        "import",
        PROJECT,
        str(PREDICTIONS),
        "--as-predictions",
        "--model-name",
        "yolov8n",
        db=db,
    )
    # One round: the imported predictions order the queue and become suggestions.
    cli("train", PROJECT, db=db)
    served = Server(db, PROJECT, log=Path(db_path).parent / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def test_enter_accepts_the_predicted_boxes_and_a_corrected_one_is_stored_corrected(
    page: Page, server: Server, db_path: str
) -> None:
    keys = label_keys(server, PROJECT)
    page.goto(f"{server.url}/#/p/{PROJECT}")
    expect(page.get_by_test_id("box-image")).to_be_visible()

    # The least confident image first, its predictions dashed with class and score.
    first = shown(page)
    wanted = predicted(first)
    boxes = page.get_by_test_id("box")
    expect(boxes).to_have_count(len(wanted))
    assert set(boxes.evaluate_all("els => els.map(e => e.dataset.source)")) == {
        "prediction"
    }
    captions = boxes.evaluate_all(
        "els => els.map(e => e.querySelector('.box-caption').textContent)"
    )
    assert sorted(captions) == sorted(f"{b['label']} {b['score']:.2f}" for b in wanted)
    assert (
        page.locator(".box.suggested").first.evaluate(
            "el => getComputedStyle(el).borderTopStyle"
        )
        == "dashed"
    )
    expect(page.get_by_test_id("box-row")).to_have_count(len(wanted))
    expect(page.get_by_test_id("box-row").first).to_contain_text("prediction")
    # Least-confident first: no image's best box scores lower than this one's.
    coco = json.loads(PREDICTIONS.read_text(encoding="utf-8"))
    every_best = [
        max(b["score"] for b in predicted(i["file_name"]))
        for i in coco["images"]
        if predicted(i["file_name"])
    ]
    assert max(b["score"] for b in wanted) == min(every_best)
    expect(page.locator(".actions button.primary")).to_contain_text("Accept")

    page.keyboard.press("Enter")
    wait_for_next(page, first)
    stored = wait_for(
        lambda: stored_boxes(db_path, PROJECT).get(first),
        timeout=30,
        what="the accepted boxes",
    )
    assert all(set(box) == {"x", "y", "w", "h", "label"} for box in stored)
    assert same_boxes(stored, wanted)
    assert accepted_suggestion(db_path, first)

    # The next image: one suggested box relabeled by key, one deleted, one drawn.
    second = shown(page)
    suggested = predicted(second)
    expect(page.get_by_test_id("box")).to_have_count(len(suggested))
    page.keyboard.press("Tab")
    relabeled = suggested[0]
    new_class = "dog" if relabeled["label"] != "dog" else "cat"
    page.keyboard.press(keys[new_class])
    first_box = page.locator('[data-testid="box"][data-index="0"]')
    expect(first_box).to_have_attribute("data-label", new_class)
    expect(first_box).to_have_attribute("data-source", "person")
    kept = [{**relabeled, "label": new_class}]
    if len(suggested) > 1:
        page.keyboard.press("Tab")
        page.keyboard.press("Delete")
        kept += suggested[2:]
    expect(page.get_by_test_id("box")).to_have_count(len(kept))
    page.keyboard.press("Enter")
    wait_for_next(page, second)
    stored = wait_for(
        lambda: stored_boxes(db_path, PROJECT).get(second),
        timeout=30,
        what="the corrected boxes",
    )
    assert same_boxes(stored, kept)
    assert not accepted_suggestion(db_path, second)


@pytest.mark.skipif(
    os.environ.get("ACTIVELABEL_SCREENSHOT") != "1",
    reason="set ACTIVELABEL_SCREENSHOT=1 to rewrite docs/screenshots/detection.png",
)
def test_screenshot_of_boxes_and_pre_annotations(browser: Any, server: Server) -> None:
    context = browser.new_context(
        viewport={"width": 1360, "height": 860}, device_scale_factor=1
    )
    try:
        page = context.new_page()
        page.goto(f"{server.url}/#/p/{PROJECT}")
        expect(page.get_by_test_id("box-image")).to_be_visible()
        page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=box-image]');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        keys = label_keys(server, PROJECT)
        # One suggestion corrected (relabeled by key), one box drawn by hand,
        # the others still dashed pre-annotations.
        page.keyboard.press(keys["person"])
        draw_box(page, 0.04, 0.55, 0.30, 0.95)
        page.keyboard.press("Tab")
        page.mouse.move(5, 5)
        shot = ROOT / "docs" / "screenshots" / "detection.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        assert page.locator(".box.suggested").count() >= 1
    finally:
        context.close()
