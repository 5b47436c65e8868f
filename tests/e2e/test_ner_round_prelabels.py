"""Prelabels from a real round: two sentences labeled in the page teach the
dictionary "Harbour City" is an ORG; the trainer's round queues the other
sentences with that span as a dictionary prelabel; the page shows it dashed and
Enter accepts it. The sentences are written for this test.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Server, cli, label_keys, wait_for
from ner_support import label_by_keyboard, shown, stored_spans, wait_for_next
from playwright.sync_api import Page, expect

from activelabel.tasks.spans.tokenization import tokenize

PROJECT = "harbour"
SENTENCES = {
    f"h{i:02d}": text
    for i, text in enumerate(
        [
            "Harbour City won again on Saturday .",
            "Fans of Harbour City sang all night .",
            "Harbour City sold two players in June .",
            "A new coach joined Harbour City this week .",
            "Tickets for Harbour City are cheaper now .",
            "Harbour City lost the final to nobody .",
            "Rain stopped Harbour City from training .",
            "Harbour City opened a youth academy .",
        ]
    )
}
NAME = "Harbour City"


def name_span(text: str) -> dict[str, Any]:
    start = text.index(NAME)
    return {"start": start, "end": start + len(NAME), "label": "ORG"}


def name_tokens(text: str) -> tuple[int, int, str]:
    span = name_span(text)
    tokens = tokenize(text)
    first = next(i for i, (s, _) in enumerate(tokens) if s == span["start"])
    last = next(i for i, (_, e) in enumerate(tokens) if e == span["end"])
    return first, last, "ORG"


def queued_prelabels(db_path: str) -> int:
    with sqlite3.connect(db_path) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM queue q JOIN projects p ON p.id = q.project_id "
            "WHERE p.name = ? AND q.suggestion IS NOT NULL AND q.suggestion != 'null'",
            (PROJECT,),
        ).fetchone()
    return int(count)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("e2e-ner-round") / "activelabel.db")


@pytest.fixture(scope="module")
def server(db_path: str) -> Iterator[Server]:
    db = f"sqlite:///{db_path}"
    folder = Path(db_path).parent
    cli(
        "init",
        PROJECT,
        "--task",
        "ner",
        "--labels",
        "PER,LOC,ORG,MISC",
        "--retrain-every",
        "2",
        db=db,
    )
    rows = "".join(
        json.dumps({"id": k, "text": t}) + "\n" for k, t in SENTENCES.items()
    )
    (folder / "harbour.jsonl").write_text(rows, encoding="utf-8")
    cli(
        "import",
        PROJECT,
        str(folder / "harbour.jsonl"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    served = Server(db, PROJECT, log=folder / "serve.log")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def tab(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_round_prelabels_a_known_name_and_enter_accepts_it(
    tab: Page, server: Server, db_path: str
) -> None:
    keys = label_keys(server, PROJECT)
    tab.goto(f"{server.url}/#/p/{PROJECT}")
    given: dict[str, Any] = {}
    for _ in range(2):
        external_id = shown(tab)
        label_by_keyboard(tab, [name_tokens(SENTENCES[external_id])], keys)
        wait_for_next(tab, external_id)
        given[external_id] = [name_span(SENTENCES[external_id])]
    wait_for(
        lambda: stored_spans(db_path, PROJECT) == given,
        timeout=30,
        what="the two labels",
    )
    # The trainer's round (no model yet from two sentences) queues the rest
    # with the dictionary's spans.
    wait_for(
        lambda: queued_prelabels(db_path) >= 3,
        timeout=240,
        what="a round with prelabels",
    )

    # The tasks the tab holds were leased before the round: a reload reads them again.
    tab.reload()
    prelabel = tab.get_by_test_id("prelabel")
    expect(prelabel).to_have_count(1, timeout=60_000)
    expect(prelabel).to_have_attribute("data-source", "dictionary")
    expect(prelabel).to_have_attribute("data-label", "ORG")
    external_id = shown(tab)
    assert external_id not in given
    tab.keyboard.press("Enter")
    wait_for_next(tab, external_id)
    given[external_id] = [name_span(SENTENCES[external_id])]
    wait_for(
        lambda: stored_spans(db_path, PROJECT) == given,
        timeout=30,
        what="the accepted prelabel",
    )
    with sqlite3.connect(db_path) as connection:
        (accepted,) = connection.execute(
            "SELECT a.accepted_suggestion FROM annotations a JOIN items i ON i.id = a.item_id "
            "WHERE i.external_id = ? AND a.status = 'active'",
            (external_id,),
        ).fetchone()
    assert accepted == 1
