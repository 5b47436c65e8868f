"""Another model's imported predictions in the browser: before the project has a
model of its own, the item on screen is the most uncertain prediction's, its
note names the model ("bert: spam · 51%"), and Enter accepts it as the label.

The server is open (no token): its one user is the admin ``local``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator

import pytest
from e2e_support import Server, annotations, cli, wait_for
from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-imported-predictions")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    with (tmp / "sms.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text"])
        for i in range(40):
            writer.writerow([f"m{i}", f"message number {i}"])
    # Another model's predictions of three stored items, without their texts.
    (tmp / "bert.jsonl").write_text(
        "".join(
            json.dumps({"id": key, "label": "spam", "score": score}) + "\n"
            for key, score in (("m7", 0.97), ("m12", 0.51), ("m30", 0.8))
        ),
        encoding="utf-8",
    )
    cli("init", "sms", "--labels", "ham,spam", db=db)
    cli("import", "sms", str(tmp / "sms.csv"), "--id-column", "id", db=db)
    imported = cli(
        "import",
        "sms",
        str(tmp / "bert.jsonl"),
        "--as-predictions",
        "--model-name",
        "bert",
        db=db,
    )
    assert "3 predictions added" in " ".join(imported.split()), imported
    cli("train", "sms", db=db)
    served = Server(db, "sms", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def test_the_page_shows_an_imported_prediction_named_by_its_model_and_enter_accepts_it(
    page: Page, server: Server
) -> None:
    def bert_suggested() -> bool:
        # The server may run its own first round on start; look again until
        # the queue it leaves is served.
        page.goto(f"{server.url}/#/p/sms")
        note = page.get_by_test_id("suggestion")
        expect(note).to_be_visible()
        return note.get_attribute("data-source") == "bert"

    wait_for(bert_suggested, timeout=60, interval=2, what="bert's suggestion")
    note = page.get_by_test_id("suggestion")
    # The most uncertain of the three comes first.
    expect(note).to_have_text("bert: spam · 51%")
    expect(note).to_have_attribute("title", re.compile("imported predictions of bert"))
    expect(page.get_by_test_id("suggestion-warning")).to_have_count(0)
    page.keyboard.press("Enter")
    wait_for(
        lambda: any(a["value"] == "spam" for a in annotations(server, "sms")),
        timeout=30,
        interval=0.5,
        what="the accepted label",
    )
    (label,) = annotations(server, "sms")
    assert label["value"] == "spam"
    assert label["accepted_suggestion"] is True
