"""Stream auto-labeling in the browser: the progress panel counts the items the
model labeled itself and the audit's figures, an audited label waits in the
review queue behind its filter, and an admin takes every unreviewed model
label back from the settings dialog, after a confirmation.

The server is open (no token): its one user is the admin ``local``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import Server, cli
from playwright.sync_api import Page, expect

#: Items the first round may label itself.
CAP = 25


#: Two kinds of message a first model tells apart with confidence.
SPAM = "WIN a FREE cash prize now, text CLAIM to 80082"
HAM = "see you at lunch tomorrow with the family"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-auto-accept")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    # 200 messages, the first 40 labeled by a person, the rest not.
    with (tmp / "sms.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text", "label"])
        for i in range(200):
            spam = i % 2 == 0
            label = ("spam" if spam else "ham") if i < 40 else ""
            writer.writerow([f"m{i}", f"{SPAM if spam else HAM} {i}", label])
    cli("init", "sms", "--labels", "ham,spam", "--retrain-every", "1000", db=db)
    cli(
        "import",
        "sms",
        str(tmp / "sms.csv"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        "--label-column",
        "label",
        db=db,
    )
    cli(
        "settings",
        "sms",
        "--auto-accept",
        "0.75",
        "--auto-accept-max",
        str(CAP),
        "--auto-accept-audit",
        "1",
        db=db,
    )
    trained = cli("train", "sms", db=db)
    assert f"labeled {CAP} items itself" in trained, trained
    served = Server(db, "sms", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def _figures(server: Server) -> dict[str, Any]:
    response = httpx.get(f"{server.api}/projects/sms/auto-labels", timeout=30)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def test_the_progress_panel_counts_the_models_own_labels_and_the_audit(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/sms")
    expect(page.get_by_test_id("auto-labeled")).to_have_text(
        f"{CAP} · audited 0", timeout=30_000
    )
    # Every model label is audited here (share 1): the review queue's filter
    # lists them, each saying why it is there.
    page.goto(f"{server.url}/#/p/sms/review")
    page.get_by_test_id("filter-audit").check()
    expect(page.get_by_text("auto-labeled by the model: audit").first).to_be_visible()


def test_an_admin_undoes_the_models_labels_after_confirming(
    page: Page, server: Server
) -> None:
    assert _figures(server)["auto_labeled"] == CAP
    page.goto(f"{server.url}/#/p/sms")
    page.get_by_test_id("open-quality-settings").click()
    expect(page.get_by_test_id("setting-autoAccept")).to_have_value("0.75")
    page.get_by_test_id("undo-auto-labels").click()
    expect(page.get_by_test_id("undo-auto-labels-question")).to_be_visible()
    # Nothing happens before the confirmation.
    assert _figures(server)["auto_labeled"] == CAP
    page.get_by_test_id("confirm-undo-auto-labels").click()
    expect(page.get_by_test_id("undo-auto-labels-result")).to_contain_text(
        f"Withdrew {CAP}"
    )
    expect(page.get_by_test_id("setting-autoAccept")).to_have_value("")
    assert _figures(server)["auto_labeled"] == 0
    project = httpx.get(f"{server.api}/projects/sms", timeout=30).json()
    assert project["auto_accept"] is None
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("auto-labeled")).to_have_count(0, timeout=15_000)
