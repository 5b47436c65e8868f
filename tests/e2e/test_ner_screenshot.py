"""The span editor captured for the docs: docs/screenshots/ner.png (spans and
prelabels on an English sentence) and docs/screenshots/ner_rtl.png (Arabic).

Run with ``ACTIVELABEL_SCREENSHOT=1 pytest tests/e2e/test_ner_screenshot.py``.
The sentences are written for this repository.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import ROOT, Server, cli, label_keys
from ner_support import shown
from playwright.sync_api import Page, expect
from sqlalchemy import select

from activelabel.store.engine import open_store
from activelabel.store.models import Item, Project, QuerySession
from activelabel.store.queue import QueueCandidate, replace_queue

pytestmark = pytest.mark.skipif(
    os.environ.get("ACTIVELABEL_SCREENSHOT") != "1",
    reason="set ACTIVELABEL_SCREENSHOT=1 to rewrite docs/screenshots/ner*.png",
)

SHOTS = ROOT / "docs" / "screenshots"
ENGLISH = (
    "Harbour City reached the semi-finals of the Wessex Cup on Thursday after "
    "a 3-1 win over Northfield , coached by Elena Marsh since 2021 ."
)
ARABIC = "زار محمد العلي مدينة القاهرة يوم الخميس مع وفد من شركة النخيل للطيران."


def prelabel(
    text: str, words: str, label: str, source: str, confidence: float | None
) -> dict[str, Any]:
    start = text.index(words)
    return {
        "start": start,
        "end": start + len(words),
        "label": label,
        "source": source,
        "confidence": confidence,
    }


SUGGESTIONS = {
    "en": [
        prelabel(ENGLISH, "Harbour City", "ORG", "dictionary", None),
        prelabel(ENGLISH, "Northfield", "ORG", "model", 0.74),
        prelabel(ENGLISH, "Elena Marsh", "PER", "model", 0.93),
    ],
    "ar": [
        prelabel(ARABIC, "محمد العلي", "PER", "dictionary", None),
        prelabel(ARABIC, "القاهرة", "LOC", "model", 0.88),
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("e2e-ner-shot")
    db = f"sqlite:///{folder / 'activelabel.db'}"
    cli(
        "init",
        "news",
        "--task",
        "ner",
        "--labels",
        "PER,LOC,ORG,MISC",
        "--language-column",
        "lang",
        db=db,
    )
    rows = [
        {"id": "en", "text": ENGLISH, "lang": "en"},
        {"id": "ar", "text": ARABIC, "lang": "ar"},
    ]
    (folder / "news.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
        encoding="utf-8",
    )
    cli(
        "import",
        "news",
        str(folder / "news.jsonl"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    store = open_store(db)
    try:
        with store.session(write=True) as session:
            project = session.scalars(
                select(Project).where(Project.name == "news")
            ).one()
            items = session.scalars(
                select(Item).where(Item.project_id == project.id)
            ).all()
            run = QuerySession(
                project_id=project.id, strategy="random", pool_size=2, n_queued=2
            )
            session.add(run)
            session.flush()
            replace_queue(
                session,
                project_id=project.id,
                session_id=run.id,
                candidates=[
                    QueueCandidate(
                        item_id=item.id,
                        priority=2.0 if item.external_id == "en" else 1.0,
                        suggestion=SUGGESTIONS[item.external_id],
                        confidence=0.8,
                    )
                    for item in items
                ],
            )
    finally:
        store.close()
    served = Server(db, "news", log=folder / "serve.log")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def tab(browser: Any) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 640}, device_scale_factor=1
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_span_editor_is_captured_for_the_docs(tab: Page, server: Server) -> None:
    keys = label_keys(server, "news")
    tab.goto(f"{server.url}/#/p/news")
    expect(tab.get_by_test_id("item-external-id")).to_have_text("en")
    # The person marks "Wessex Cup" (tokens 7-8) and leaves the cursor on "Thursday".
    for _ in range(7):
        tab.keyboard.press("ArrowRight")
    tab.keyboard.press("Shift+ArrowRight")
    tab.keyboard.press(keys["MISC"])
    tab.keyboard.press("ArrowRight")
    tab.keyboard.press("ArrowRight")
    expect(tab.get_by_test_id("span")).to_have_count(1)
    expect(tab.get_by_test_id("prelabel")).to_have_count(3)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "ner.png"))
    assert (SHOTS / "ner.png").stat().st_size > 10_000

    tab.keyboard.press("Enter")
    expect(tab.get_by_test_id("item-external-id")).to_have_text("ar")
    assert shown(tab) == "ar"
    for _ in range(10):
        tab.keyboard.press("ArrowRight")
    tab.keyboard.press("Shift+ArrowRight")
    tab.keyboard.press("Shift+ArrowRight")
    tab.keyboard.press(keys["ORG"])
    expect(tab.get_by_test_id("span")).to_have_count(1)
    tab.screenshot(path=str(SHOTS / "ner_rtl.png"))
    assert (SHOTS / "ner_rtl.png").stat().st_size > 10_000
