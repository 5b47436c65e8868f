"""The span editor on Arabic and Chinese sentences, and with prelabels.

``world``: items in Arabic and Chinese (tests/fixtures/ner), each with its
language in a column; Arabic is drawn right to left and its spans land on the
right characters, Chinese is labeled character by character. ``suggested``:
sentences whose queue entries carry prelabels (a dictionary's and a model's
spans), accepted with Enter, relabeled with a label key, dropped with Delete.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import FIXTURES, Server, cli, label_keys, wait_for
from ner_support import (
    label_by_keyboard,
    label_by_mouse,
    shown,
    stored_spans,
    token,
    wait_for_next,
)
from playwright.sync_api import Page, expect
from sqlalchemy import select

from activelabel.store.engine import open_store
from activelabel.store.models import Item, Project, QuerySession
from activelabel.store.queue import QueueCandidate, replace_queue
from activelabel.tasks.spans.tokenization import tokenize

LABELS = ["PER", "LOC", "ORG", "MISC"]


def fixture_rows(name: str) -> list[dict[str, Any]]:
    lines = (FIXTURES / "ner" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


ARABIC = {f"ar{i}": row for i, row in enumerate(fixture_rows("arabic_spans.jsonl"))}
CHINESE = {f"zh{i}": row for i, row in enumerate(fixture_rows("chinese_spans.jsonl"))}
TOKENIZATION = {"ar": "whitespace", "zh": "char"}

#: Sentences with prelabels: text, the suggested spans (with their source).
SUGGESTED: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "p1": (
        "Amara Obi visited Lagos with the Tilden Trust .",
        [
            {
                "start": 0,
                "end": 9,
                "label": "PER",
                "source": "dictionary",
                "confidence": None,
            },
            {
                "start": 18,
                "end": 23,
                "label": "LOC",
                "source": "model",
                "confidence": 0.91,
            },
            {
                "start": 33,
                "end": 45,
                "label": "ORG",
                "source": "model",
                "confidence": 0.62,
            },
        ],
    ),
    "p2": (
        "Jonas Ek sold the Harwick Mill to Penrose Ltd .",
        [
            {
                "start": 0,
                "end": 8,
                "label": "PER",
                "source": "dictionary",
                "confidence": None,
            },
            {
                "start": 18,
                "end": 30,
                "label": "LOC",
                "source": "model",
                "confidence": 0.55,
            },
            {
                "start": 34,
                "end": 45,
                "label": "ORG",
                "source": "model",
                "confidence": 0.8,
            },
        ],
    ),
}


def token_spans(
    text: str, spans: list[dict[str, Any]], tokenization: str
) -> list[tuple[int, int, str]]:
    """Character spans as token ranges over the server's tokens."""
    tokens = tokenize(text, tokenization)
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i for i, (_, e) in enumerate(tokens)}
    return [(starts[s["start"]], ends[s["end"]], s["label"]) for s in spans]


def queue_prelabels(db: str) -> None:
    """Write the queue of ``suggested`` with its prelabels, as a round would."""
    store = open_store(db)
    try:
        with store.session(write=True) as session:
            project = session.scalars(
                select(Project).where(Project.name == "suggested")
            ).one()
            items = session.scalars(
                select(Item).where(Item.project_id == project.id)
            ).all()
            run = QuerySession(
                project_id=project.id,
                strategy="random",
                pool_size=len(items),
                n_queued=len(items),
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
                        priority=float(len(items) - n),
                        suggestion=SUGGESTED[item.external_id][1],
                        confidence=0.7,
                    )
                    for n, item in enumerate(sorted(items, key=lambda i: i.external_id))
                ],
            )
    finally:
        store.close()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("e2e-ner-world") / "activelabel.db")


@pytest.fixture(scope="module")
def server(db_path: str) -> Iterator[Server]:
    db = f"sqlite:///{db_path}"
    folder = Path(db_path).parent
    labels = ",".join(LABELS)
    cli(
        "init",
        "world",
        "--task",
        "ner",
        "--labels",
        labels,
        "--language-column",
        "lang",
        db=db,
    )
    rows = [
        {"id": key, "text": row["text"], "lang": row["lang"]}
        for key, row in {**ARABIC, **CHINESE}.items()
    ]
    (folder / "world.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
        encoding="utf-8",
    )
    cli(
        "import",
        "world",
        str(folder / "world.jsonl"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    cli(
        "init",
        "suggested",
        "--task",
        "ner",
        "--labels",
        labels,
        "--language",
        "en",
        db=db,
    )
    rows = [{"id": key, "text": text} for key, (text, _) in SUGGESTED.items()]
    (folder / "suggested.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    cli(
        "import",
        "suggested",
        str(folder / "suggested.jsonl"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    queue_prelabels(db)
    served = Server(db, ("world", "suggested"), log=folder / "serve.log")
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


def test_arabic_is_drawn_right_to_left_and_its_spans_land_on_the_right_characters(
    tab: Page, server: Server, db_path: str
) -> None:
    keys = label_keys(server, "world")
    tab.goto(f"{server.url}/#/p/world")
    editor = tab.get_by_test_id("span-text")
    expect(editor).to_be_visible()
    given: dict[str, Any] = {}
    for number in range(len(ARABIC) + len(CHINESE)):
        external_id = shown(tab)
        row = {**ARABIC, **CHINESE}[external_id]
        tokenization = TOKENIZATION[row["lang"]]
        ranges = token_spans(row["text"], row["spans"], tokenization)
        if row["lang"] == "ar":
            expect(editor).to_have_attribute("dir", "rtl")
            # Reading order runs leftward on screen: token 1 is left of token 0.
            first, second = token(tab, 0).bounding_box(), token(tab, 1).bounding_box()
            assert first is not None and second is not None
            assert second["x"] < first["x"]
        else:
            expect(editor).to_have_attribute("dir", "ltr")
            assert editor.locator("[data-token]").count() == len(
                row["text"].replace(" ", "")
            )
        if number % 2:
            label_by_mouse(tab, ranges)
        else:
            label_by_keyboard(tab, ranges, keys)
        wait_for_next(tab, external_id)
        given[external_id] = row["spans"]
    wait_for(
        lambda: stored_spans(db_path, "world") == given,
        timeout=30,
        what="the Arabic and Chinese spans to be stored",
    )
    stored = stored_spans(db_path, "world")
    # The words themselves, not only the offsets: محمد العلي is the person.
    first = ARABIC["ar0"]
    assert [first["text"][s["start"] : s["end"]] for s in stored["ar0"]] == [
        "محمد العلي",
        "القاهرة",
    ]


def test_prelabels_are_dashed_with_their_source_and_enter_accepts_them_all(
    tab: Page, server: Server, db_path: str
) -> None:
    keys = label_keys(server, "suggested")
    tab.goto(f"{server.url}/#/p/suggested")
    expect(tab.get_by_test_id("item-external-id")).to_have_text("p1")
    prelabels = tab.get_by_test_id("prelabel")
    expect(prelabels).to_have_count(3)
    expect(prelabels.nth(0)).to_have_attribute("data-source", "dictionary")
    expect(prelabels.nth(0)).to_contain_text("PER · dictionary")
    expect(prelabels.nth(1)).to_contain_text("LOC · model 91%")
    expect(tab.locator(".actions button.primary")).to_contain_text("Accept 3 prelabels")
    tab.keyboard.press("Enter")
    wait_for_next(tab, "p1")

    # p2: Delete drops the person under the cursor, the label key on the
    # prelabel under the cursor changes it (LOC → ORG on "Harwick Mill"), and
    # Enter sends it with the one prelabel left.
    expect(tab.get_by_test_id("item-external-id")).to_have_text("p2")
    expect(prelabels).to_have_count(3)
    tab.keyboard.press("Delete")
    for _ in range(4):
        tab.keyboard.press("ArrowRight")
    tab.keyboard.press(keys["ORG"])
    expect(tab.get_by_test_id("span")).to_have_count(1)
    expect(prelabels).to_have_count(1)
    tab.keyboard.press("Enter")
    wait_for_next(tab, "p2")

    def plain(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: s[k] for k in ("start", "end", "label")} for s in spans]

    expected = {
        "p1": plain(SUGGESTED["p1"][1]),
        "p2": [
            {"start": 18, "end": 30, "label": "ORG"},
            {"start": 34, "end": 45, "label": "ORG"},
        ],
    }
    wait_for(
        lambda: stored_spans(db_path, "suggested") == expected,
        timeout=30,
        what="the prelabels to be stored",
    )
    with sqlite3.connect(db_path) as connection:
        accepted = dict(
            connection.execute(
                "SELECT i.external_id, a.accepted_suggestion FROM annotations a JOIN items i ON i.id = a.item_id"
                " JOIN projects p ON p.id = a.project_id WHERE p.name = 'suggested'"
            ).fetchall()
        )
    assert accepted == {"p1": 1, "p2": 0}
