"""The review page captured for the README: docs/screenshots/review.png (a
conflict between two annotators, first in the queue).

Run with ``ACTIVELABEL_SCREENSHOT=1 pytest tests/e2e/test_review_screenshot.py``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import EXAMPLE_SMS, ROOT, Server, add_user, cli, wait_for
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.skipif(
    os.environ.get("ACTIVELABEL_SCREENSHOT") != "1",
    reason="set ACTIVELABEL_SCREENSHOT=1 to rewrite docs/screenshots/review.png",
)

SHOTS = ROOT / "docs" / "screenshots"
#: Items bob labels otherwise than alice does.
DISPUTED = {"sms-0009", "sms-0012"}


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("e2e-review-shot")
    db = f"sqlite:///{folder / 'activelabel.db'}"
    with EXAMPLE_SMS.open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))[:12]
    with (folder / "sms.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["id", "text"])
        writer.writeheader()
        writer.writerows({"id": r["id"], "text": r["text"]} for r in rows)
    cli("init", "sms", "--labels", "ham,spam", "--retrain-every", "1000", db=db)
    cli(
        "import",
        "sms",
        str(folder / "sms.csv"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    cli("settings", "sms", "--overlap", "2", db=db)
    tokens = {name: add_user(name, db=db) for name in ("alice", "bob")}
    tokens["rita"] = add_user("rita", db=db, role="reviewer")
    truth = {r["id"]: r["label"] for r in rows}
    served = Server(db, "sms", "--require-token", log=folder / "serve.log")
    try:
        for name in ("alice", "bob"):
            headers = {"Authorization": f"Bearer {tokens[name]}"}
            tasks = httpx.post(
                f"{served.api}/projects/sms/tasks/next",
                json={"n": 12},
                headers=headers,
                timeout=30,
            ).json()["data"]
            for task in tasks:
                value = truth[task["external_id"]]
                if name == "bob" and task["external_id"] in DISPUTED:
                    value = "spam" if value == "ham" else "ham"
                httpx.post(
                    f"{served.api}/projects/sms/annotations",
                    json={"item_id": task["item_id"], "value": value},
                    headers=headers,
                    timeout=30,
                ).raise_for_status()
        yield served, tokens
    finally:
        served.stop()


@pytest.fixture
def tab(browser: Any) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 760}, device_scale_factor=1
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_review_page_is_captured_for_the_docs(
    tab: Page, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    counts = f"{server.api}/projects/sms/review/counts"
    headers = {"Authorization": f"Bearer {tokens['rita']}"}
    wait_for(
        lambda: (
            httpx.get(counts, headers=headers, timeout=30).json()["conflicts"]
            == len(DISPUTED)
        ),
        timeout=30,
        what="the two conflicts",
    )
    tab.goto(f"{server.url}/?token={tokens['rita']}#/p/sms/review")
    expect(tab.get_by_test_id("review-reasons")).to_contain_text("conflict")
    expect(tab.get_by_test_id("review-label-row")).to_have_count(2)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "review.png"))
    assert (SHOTS / "review.png").stat().st_size > 10_000
