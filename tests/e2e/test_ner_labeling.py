"""A person labels named entities in the span editor: ten sentences with the
mouse, ten with the keyboard only; the database holds exactly those spans, and a
reload finds every one of them in the History.

The sentences are written for this test. Spans are token ranges ``(first,
last, label)`` over the server's tokens (see ner_support).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import Server, cli, label_keys
from ner_support import (
    TokenSpan,
    char_spans,
    history_description,
    label_by_keyboard,
    label_by_mouse,
    shown,
    stored_spans,
    token,
    wait_for_next,
)
from playwright.sync_api import Page, expect

from activelabel.tasks.spans.tokenization import tokenize

PROJECT = "news"
LABELS = ["PER", "LOC", "ORG", "MISC"]

SENTENCES: dict[str, tuple[str, list[TokenSpan]]] = {
    "s01": (
        "Marta Kowalska flew from Lisbon to Oslo on Tuesday .",
        [(0, 1, "PER"), (4, 4, "LOC"), (6, 6, "LOC")],
    ),
    "s02": (
        "The Fenwick Rowing Club won the Harlow Regatta again .",
        [(1, 3, "ORG"), (6, 7, "MISC")],
    ),
    "s03": ("Nobody answered the phone that evening .", []),
    "s04": (
        "Priya Raman joined Kestrel Analytics in Pune .",
        [(0, 1, "PER"), (3, 4, "ORG"), (6, 6, "LOC")],
    ),
    "s05": (
        "Tomas and Ingrid Berg opened a bakery in Tromso .",
        [(0, 0, "PER"), (2, 3, "PER"), (8, 8, "LOC")],
    ),
    "s06": ("The Greyfield Times printed the story on page two .", [(1, 2, "ORG")]),
    "s07": ("Rain is expected across the valley tomorrow .", []),
    "s08": (
        "Odile Marchetti spoke French and Italian at the summit .",
        [(0, 1, "PER"), (3, 3, "MISC"), (5, 5, "MISC")],
    ),
    "s09": (
        "Bramwell United signed a striker from Calder Town .",
        [(0, 1, "ORG"), (6, 7, "ORG")],
    ),
    "s10": (
        "The river Usk floods most winters near Abergele .",
        [(2, 2, "LOC"), (7, 7, "LOC")],
    ),
    "s11": (
        "Hannah Ortiz chairs the Linwood Heritage Trust .",
        [(0, 1, "PER"), (4, 6, "ORG")],
    ),
    "s12": (
        "A Norwegian crew sailed past Cape Farrow at dawn .",
        [(1, 1, "MISC"), (5, 6, "LOC")],
    ),
    "s13": (
        # "Dr." is two tokens: a word and its full stop.
        "Dr. Felix Amadi leads the clinic in Kumasi .",
        [(2, 3, "PER"), (8, 8, "LOC")],
    ),
    "s14": ("Sales at Corbin Foods rose four percent .", [(2, 3, "ORG")]),
    "s15": ("Everyone left before the last train .", []),
    "s16": (
        "Lena Vogt and Arjun Mehta wrote the Quill Report .",
        [(0, 1, "PER"), (3, 4, "PER"), (7, 8, "MISC")],
    ),
    "s17": (
        "The Marlow Orchestra toured Chile and Peru in May .",
        [(1, 2, "ORG"), (4, 4, "LOC"), (6, 6, "LOC")],
    ),
    "s18": (
        "Keiko Sato runs a ferry between Oban and Mull .",
        [(0, 1, "PER"), (6, 6, "LOC"), (8, 8, "LOC")],
    ),
    "s19": ("Westbury Council approved the new bridge on Friday .", [(0, 1, "ORG")]),
    "s20": (
        "Samir Haddad won the Alder Prize for poetry .",
        [(0, 1, "PER"), (4, 5, "MISC")],
    ),
    "s21": ("Fog closed Dunmore Airport for six hours .", [(2, 3, "LOC")]),
    "s22": (
        "Clara Nunes sang at the Rivoli in Porto .",
        [(0, 1, "PER"), (5, 5, "LOC"), (7, 7, "LOC")],
    ),
    "s23": (
        "The Tanager Group bought two hotels in Malta .",
        [(1, 2, "ORG"), (7, 7, "LOC")],
    ),
    "s24": (
        "Ivo Petrov coached the Varna junior team .",
        [(0, 1, "PER"), (4, 4, "LOC")],
    ),
}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp: Path = tmp_path_factory.mktemp("e2e-ner")
    return str(tmp / "activelabel.db")


@pytest.fixture(scope="module")
def server(db_path: str) -> Iterator[Server]:
    db = f"sqlite:///{db_path}"
    cli(
        "init",
        PROJECT,
        "--task",
        "ner",
        "--labels",
        ",".join(LABELS),
        "--language",
        "en",
        # Every span here is one the test gave: no prelabels from the rounds
        # the labels start (their acceptance is tested on their own).
        "--no-prelabel",
        db=db,
    )
    data = Path(db_path).parent / "news.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": key, "text": text}) + "\n"
            for key, (text, _) in SENTENCES.items()
        ),
        encoding="utf-8",
    )
    cli(
        "import",
        PROJECT,
        str(data),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    served = Server(db, PROJECT, log=Path(db_path).parent / "serve.log")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def page(browser: Any, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.goto(f"{server.url}/#/p/{PROJECT}")
    expect(tab.get_by_test_id("span-text")).to_be_visible()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="module")
def keys(server: Server) -> dict[str, str]:
    return label_keys(server, PROJECT)


@pytest.fixture(scope="module")
def given() -> dict[str, list[dict[str, Any]]]:
    """Spans given in the tab so far: external id → character spans."""
    return {}


def test_the_sentence_is_shown_token_by_token_as_the_server_tokenizes_it(
    page: Page,
) -> None:
    external_id = shown(page)
    text, _ = SENTENCES[external_id]
    editor = page.get_by_test_id("span-text")
    expect(editor).to_have_attribute("dir", "ltr")
    words = [t.text_content() for t in editor.locator("[data-token]").all()]
    # The server's tokens, not the spaces: whichever sentence comes first
    # (s13's "Dr." is a word and its full stop).
    assert words == [text[start:end] for start, end in tokenize(text)]
    # Text, never markup: the sentence is the text nodes, in order.
    assert editor.inner_text().replace("\n", "") == text


def test_an_overlapping_span_is_refused_and_nothing_is_saved(
    page: Page, keys: dict[str, str], db_path: str
) -> None:
    undo = page.get_by_role("button", name=re.compile("^Undo"))
    expect(undo).to_be_disabled()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press(keys["PER"])
    expect(page.get_by_test_id("span")).to_have_count(1)
    # The cursor is on the span's last token: one more token overlaps it.
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press(keys["LOC"])
    expect(page.get_by_role("alert")).to_contain_text("spans cannot overlap")
    expect(page.get_by_test_id("span")).to_have_count(1)
    expect(undo).to_be_disabled()
    # Delete takes the span under the cursor away again.
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Delete")
    expect(page.get_by_test_id("span")).to_have_count(0)
    assert stored_spans(db_path, PROJECT) == {}


def test_ten_sentences_labeled_with_the_mouse_are_stored_span_for_span(
    page: Page, db_path: str, given: dict[str, list[dict[str, Any]]]
) -> None:
    for _ in range(10):
        external_id = shown(page)
        text, spans = SENTENCES[external_id]
        label_by_mouse(page, spans)
        wait_for_next(page, external_id)
        given[external_id] = char_spans(text, spans)
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_be_enabled()
    wait_for_stored(db_path, given)


def test_ten_sentences_labeled_by_keyboard_only_are_stored_span_for_span(
    page: Page,
    db_path: str,
    keys: dict[str, str],
    given: dict[str, list[dict[str, Any]]],
) -> None:
    page.mouse.move(0, 0)
    for _ in range(10):
        external_id = shown(page)
        text, spans = SENTENCES[external_id]
        label_by_keyboard(page, spans, keys)
        wait_for_next(page, external_id)
        given[external_id] = char_spans(text, spans)
    wait_for_stored(db_path, given)
    # ↑ goes back to the last sentence labeled (←/→ are the token cursor's here),
    # drawn with its spans; ↓ comes forward again.
    last = list(given)[-1]
    page.keyboard.press("ArrowUp")
    expect(page.get_by_test_id("item-external-id")).to_have_text(last)
    expect(page.get_by_test_id("span")).to_have_count(len(given[last]))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id("item-external-id")).not_to_have_text(last)


def test_a_reload_finds_every_span_in_the_history(
    page: Page, server: Server, db_path: str, given: dict[str, list[dict[str, Any]]]
) -> None:
    page.reload()
    expect(page.get_by_test_id("span-text")).to_be_visible()
    page.goto(f"{server.url}/#/p/{PROJECT}/history")
    rows = page.get_by_test_id("history-row")
    expect(rows).to_have_count(len(given))
    listed = {
        (row.locator(".external-id").text_content() or "").strip(): (
            row.locator(".sr-only").text_content() or ""
        ).strip()
        for row in rows.all()
    }
    assert listed == {
        key: history_description(SENTENCES[key][0], spans)
        for key, spans in given.items()
    }
    assert stored_spans(db_path, PROJECT) == given
    # A span removed in the History is removed in the database.
    key = next(k for k, spans in given.items() if len(spans) >= 2)
    row = rows.filter(has_text=key)
    row.get_by_role(
        "button", name=re.compile(f"Remove this {given[key][0]['label']}")
    ).first.click()
    given[key] = given[key][1:]
    wait_for_stored(db_path, given)
    page.goto(f"{server.url}/#/p/{PROJECT}")
    expect(token(page, 0)).to_be_visible()


def wait_for_stored(db_path: str, given: dict[str, list[dict[str, Any]]]) -> None:
    from e2e_support import wait_for

    wait_for(
        lambda: stored_spans(db_path, PROJECT) == given,
        timeout=30,
        what="every span given in the page to be stored",
    )
