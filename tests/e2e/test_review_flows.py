"""Teams and quality in the browser: adjudication of a conflict, a rejection
that goes back to its annotator with the note, gold items scored for the
admin, the guidelines on their key, and the review page closed to annotators.

One server (tokens required) holds four small projects: ``team`` (three
texts, overlap 2, with guidelines), ``notes`` (texts labeled by one annotator),
``gold`` (texts plus gold items served at a rate of one in two) and ``topics``
(a multi-label text). Each
person has a browser context of their own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Server, add_user, annotations, cli, wait_for
from playwright.sync_api import Page, expect

GUIDE = """# Labeling SMS

## spam
Unsolicited offers, **prizes**, premium numbers.

- WIN a FREE trip: spam

## ham
Messages between people.

<script>document.title = "pwned"</script>
<img src=x onerror="document.title = 'pwned'">
"""


def write_texts(path: Path, rows: list[tuple[str, str]], label: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text", "label"] if label else ["id", "text"])
        writer.writerows(rows)


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("e2e-review")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    texts = {
        "team": [
            ("t1", "Free entry: text WIN to 80082 for a prize"),
            ("t2", "See you at lunch tomorrow?"),
            ("t3", "I'll call you back after the match"),
        ],
        "notes": [
            ("n1", "URGENT your account has won a cash reward"),
            ("n2", "Mum says dinner is at eight"),
        ],
        "gold": [
            (f"g{i}", f"Plain message number {i} about the weekend") for i in range(4)
        ],
    }
    for project, rows in texts.items():
        cli("init", project, "--labels", "ham,spam", "--retrain-every", "1000", db=db)
        write_texts(tmp / f"{project}.csv", rows)
        cli(
            "import",
            project,
            str(tmp / f"{project}.csv"),
            "--text-column",
            "text",
            "--id-column",
            "id",
            db=db,
        )
    cli("settings", "team", "--overlap", "2", db=db)
    cli(
        "init",
        "topics",
        "--labels",
        "money,people,place",
        "--task",
        "multilabel",
        db=db,
    )
    write_texts(tmp / "topics.csv", [("m1", "Lend me ten pounds at the station")])
    cli(
        "import",
        "topics",
        str(tmp / "topics.csv"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    (tmp / "guide.md").write_text(GUIDE, encoding="utf-8")
    cli("guidelines", "team", str(tmp / "guide.md"), db=db)
    write_texts(
        tmp / "answers.csv",
        [
            ("gold-ham", "Are we still on for the cinema tonight?", "ham"),
            ("gold-spam", "Claim your FREE ringtone now, reply STOP to end", "spam"),
        ],
        label=True,
    )
    cli(
        "import",
        "gold",
        str(tmp / "answers.csv"),
        "--text-column",
        "text",
        "--id-column",
        "id",
        "--label-column",
        "label",
        "--gold",
        db=db,
    )
    cli("settings", "gold", "--gold-rate", "0.5", db=db)
    tokens = {name: add_user(name, db=db) for name in ("alice", "bob")}
    tokens["rita"] = add_user("rita", db=db, role="reviewer")
    tokens["ada"] = add_user("ada", db=db, role="admin")
    served = Server(
        db,
        ("team", "notes", "gold", "topics"),
        "--queue-size",
        "20",
        "--require-token",
        log=tmp / "serve.log",
    )
    try:
        yield served, tokens
    finally:
        served.stop()


class Person:
    """One person's browser context, signed in with their token."""

    def __init__(self, browser: Any, server: Server, token: str, hash_: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(60_000)
        self.page: Page = self.context.new_page()
        self.page.goto(f"{server.url}/?token={token}{hash_}")

    def shown(self) -> str:
        return (
            self.page.get_by_test_id("item-external-id").text_content() or ""
        ).strip()

    def label(self, key: str) -> str:
        """Press ``key`` on the item shown; its id once another item (or none) shows."""
        shown = self.shown()
        self.page.keyboard.press(key)
        expect(self.page.get_by_test_id("item-external-id")).not_to_have_text(shown)
        return shown

    def close(self) -> None:
        self.context.close()


def api(server: Server, token: str, method: str, path: str, **kw: Any) -> Any:
    response = httpx.request(
        method,
        f"{server.api}/projects/{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        **kw,
    )
    response.raise_for_status()
    return response


def label_keys(server: Server, project: str, token: str) -> dict[str, str]:
    """The project's label → key map, as the page reads it."""
    found: dict[str, str] = api(server, token, "GET", project).json()["keys"]
    return found


def label_all(person: Person, key_of: Any, count: int) -> list[str]:
    """Label ``count`` items, each with the key ``key_of(external id)``."""
    done = []
    for _ in range(count):
        expect(person.page.get_by_test_id("item-external-id")).to_be_visible()
        shown = person.shown()
        person.page.keyboard.press(key_of(shown))
        done.append(shown)
        if len(done) < count:
            expect(person.page.get_by_test_id("item-external-id")).not_to_have_text(
                shown
            )
    return done


def stored_count(server: Server, project: str, token: str) -> int:
    return len(annotations(server, project, token=token))


def test_two_annotators_disagree_and_a_reviewer_settles_it(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    keys = label_keys(server, "team", tokens["ada"])
    alice = Person(browser, server, tokens["alice"], "#/p/team")
    try:
        assert sorted(label_all(alice, lambda _: keys["ham"], 3)) == ["t1", "t2", "t3"]
        # The page sends each label in the background: wait before closing it.
        wait_for(
            lambda: stored_count(server, "team", tokens["rita"]) == 3,
            timeout=30,
            what="alice's labels",
        )
    finally:
        alice.close()
    # Overlap 2: bob is served the same three items; he calls t1 spam.
    bob = Person(browser, server, tokens["bob"], "#/p/team")
    try:
        label_all(bob, lambda shown: keys["spam" if shown == "t1" else "ham"], 3)
        wait_for(
            lambda: stored_count(server, "team", tokens["rita"]) == 6,
            timeout=30,
            what="bob's labels",
        )
    finally:
        bob.close()

    rita = Person(browser, server, tokens["rita"], "#/p/team/review")
    try:
        page = rita.page
        # Conflicts come first, with each annotator's label under their name.
        expect(page.get_by_test_id("item-external-id")).to_have_text("t1")
        expect(page.get_by_test_id("review-reasons")).to_contain_text("conflict")
        rows = page.get_by_test_id("review-label-row")
        expect(rows).to_have_count(2)
        expect(page.get_by_test_id("review-labels")).to_contain_text("alice")
        expect(page.get_by_test_id("review-labels")).to_contain_text("bob")
        # Enter cannot accept a conflict: the page says how to settle it.
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("review-message")).to_contain_text("disagree")
        page.keyboard.press(keys["spam"])
        expect(page.get_by_test_id("item-external-id")).not_to_have_text("t1")
        expect(page.get_by_test_id("review-count-conflicts")).to_have_text("0")
        expect(page.get_by_test_id("review-count-corrected")).to_have_text("1")
        # The two agreed items are accepted with Enter.
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("review-count-accepted")).to_have_text("1")
    finally:
        rita.close()

    exported = api(
        server,
        tokens["ada"],
        "GET",
        "team/export",
        params={"format": "csv", "dataset": "labels"},
    )
    rows = {
        row["external_id"]: row for row in csv.DictReader(io.StringIO(exported.text))
    }
    assert rows["t1"]["label"] == "spam"
    assert rows["t1"]["decided_by"] == "review"
    assert rows["t1"]["reviewer"] == "rita"
    assert rows["t1"]["conflict"].lower() in {"false", "0", ""}


def test_a_reviewer_sees_the_agreement_and_an_annotator_does_not(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    # After the adjudication above, alice and bob both labeled the team's items.
    figures = api(server, tokens["rita"], "GET", "team/agreement").json()
    assert figures["items"] >= 2
    rita = Person(browser, server, tokens["rita"], "#/p/team")
    try:
        page = rita.page
        expect(page.get_by_test_id("panel-agreement")).to_contain_text(
            f"over {figures['items']} items labeled twice or more"
        )
        expect(page.get_by_test_id("quality-alice")).to_be_visible()
        expect(page.get_by_test_id("quality-bob")).to_be_visible()
        # Gold accuracy is the admins' (its route refuses reviewers).
        expect(page.get_by_test_id("gold-accuracy-alice")).to_have_count(0)
    finally:
        rita.close()
    alice = Person(browser, server, tokens["alice"], "#/p/team")
    try:
        expect(alice.page.get_by_test_id("quality-panel")).to_be_visible()
        expect(alice.page.get_by_test_id("panel-agreement")).to_have_count(0)
        expect(alice.page.get_by_test_id("quality-bob")).to_have_count(0)
    finally:
        alice.close()


def test_a_rejected_item_returns_to_its_annotator_with_the_note(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    keys = label_keys(server, "notes", tokens["ada"])
    alice = Person(browser, server, tokens["alice"], "#/p/notes")
    label_all(alice, lambda _: keys["ham"], 2)
    wait_for(
        lambda: stored_count(server, "notes", tokens["rita"]) == 2,
        timeout=30,
        what="alice's labels",
    )

    rita = Person(browser, server, tokens["rita"], "#/p/notes/review")
    try:
        page = rita.page
        page.get_by_test_id("filter-annotator").select_option("alice")
        expect(page.get_by_test_id("review-position")).to_have_text("Item 1 of 2")
        expect(page.get_by_test_id("item-external-id")).to_have_text("n1")
        page.keyboard.press("Backspace")
        note = page.get_by_test_id("reject-note")
        expect(note).to_be_focused()
        # Enter with an empty note sends nothing and says why.
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("review-message")).to_contain_text("Write a note")
        note.fill("A cash reward from a stranger is spam.")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("item-external-id")).to_have_text("n2")
        expect(page.get_by_test_id("review-count-rejected")).to_have_text("1")
    finally:
        rita.close()

    # Back on the labeling page, the item comes first with the reviewer's note.
    alice.page.reload()
    expect(alice.page.get_by_test_id("item-external-id")).to_have_text("n1")
    expect(alice.page.get_by_test_id("review-note")).to_contain_text(
        "A cash reward from a stranger is spam."
    )
    alice.page.keyboard.press(keys["spam"])
    try:
        wait_for(
            lambda: any(
                row["external_id"] == "n1" and row["value"] == "spam"
                for row in annotations(server, "notes", token=tokens["rita"])
            ),
            timeout=30,
            what="alice's new label of n1",
        )
    finally:
        alice.close()


def test_gold_items_are_served_and_the_admin_sees_each_annotators_accuracy(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    keys = label_keys(server, "gold", tokens["ada"])
    bob = Person(browser, server, tokens["bob"], "#/p/gold")
    try:
        page = bob.page
        for _ in range(6):
            if page.get_by_test_id("empty-queue").is_visible():
                break
            expect(page.get_by_test_id("item-external-id")).to_be_visible()
            shown = bob.shown()
            if shown.startswith("gold-"):
                # A gold item never carries a suggestion to copy.
                expect(page.get_by_test_id("suggestion")).not_to_contain_text("model:")
            page.keyboard.press(keys["ham"])
            page.wait_for_timeout(300)

        def answered() -> int:
            scores = api(server, tokens["ada"], "GET", "gold/gold-scores").json()[
                "data"
            ]
            return sum(s["answered"] for s in scores if s["annotator"] == "bob")

        wait_for(lambda: answered() > 0, timeout=30, what="bob's gold answers")
    finally:
        bob.close()
    scores = api(server, tokens["ada"], "GET", "gold/gold-scores").json()["data"]
    mine = next(s for s in scores if s["annotator"] == "bob")
    ada = Person(browser, server, tokens["ada"], "#/p/gold")
    try:
        cell = ada.page.get_by_test_id("gold-accuracy-bob")
        expect(cell).to_contain_text(
            f"{round(mine['accuracy'] * 100)}% of {mine['answered']}"
        )
    finally:
        ada.close()


def test_the_guidelines_open_with_their_key_and_show_html_as_text(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    bob = Person(browser, server, tokens["bob"], "#/p/team")
    try:
        page = bob.page
        expect(page.get_by_test_id("open-guidelines")).to_be_visible()
        title = page.title()
        page.keyboard.press("#")
        dialog = page.get_by_test_id("guidelines")
        expect(dialog.locator("h3", has_text="spam")).to_be_visible()
        expect(dialog.locator("strong")).to_have_text("prizes")
        expect(dialog).to_contain_text('<script>document.title = "pwned"</script>')
        expect(dialog).to_contain_text("<img src=x onerror=")
        assert dialog.locator("script, img").count() == 0
        assert page.title() == title
        # Annotators read them; only admins get the editor.
        expect(page.get_by_test_id("guidelines-edit")).to_have_count(0)
        page.keyboard.press("#")
        expect(dialog).to_have_count(0)
    finally:
        bob.close()


def test_an_admin_edits_the_guidelines_in_the_page(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    ada = Person(browser, server, tokens["ada"], "#/p/notes")
    try:
        page = ada.page
        page.get_by_test_id("open-guidelines").click()
        expect(page.get_by_test_id("guidelines-empty")).to_be_visible()
        page.get_by_test_id("guidelines-edit").click()
        page.get_by_test_id("guidelines-editor").fill(
            "## ham\nA note from family is *ham*."
        )
        page.get_by_test_id("guidelines-save").click()
        expect(page.get_by_test_id("guidelines-text").locator("em")).to_have_text("ham")
    finally:
        ada.close()
    stored = api(server, tokens["bob"], "GET", "notes/guidelines").json()
    assert stored["markdown"] == "## ham\nA note from family is *ham*."


def test_an_annotator_is_told_the_review_page_is_not_theirs(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    bob = Person(browser, server, tokens["bob"], "#/p/team/review")
    try:
        expect(bob.page.get_by_test_id("not-allowed")).to_contain_text(
            "for reviewers and admins"
        )
        bob.page.goto(f"{server.url}/#/p/team/browse")
        expect(bob.page.get_by_test_id("not-allowed")).to_contain_text("browse view")
    finally:
        bob.close()


def test_an_admin_browses_every_item_filtered_and_sorted(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    ada = Person(browser, server, tokens["ada"], "#/p/gold/browse")
    try:
        page = ada.page
        rows = page.get_by_test_id("browse-row")
        expect(page.get_by_test_id("browse-count")).to_contain_text("items")
        total = int(
            (page.get_by_test_id("browse-count").text_content() or "0").split()[0]
        )
        assert total >= 4
        page.get_by_test_id("filter-labeled").select_option("unlabeled")
        expect(page.get_by_test_id("browse-count")).not_to_have_text(f"{total} items")
        for state in page.get_by_test_id("browse-review-state").all_text_contents():
            assert state == "unlabeled"
        page.get_by_test_id("filter-labeled").select_option("any")
        expect(rows).to_have_count(total)
        cells = page.locator("[data-testid=browse-row] td.external-id")
        first = cells.all_text_contents()
        # The items come in the order they were stored; a click on the header reverses it.
        page.get_by_test_id("sort-id").click()
        expect(cells.first).to_have_text(first[-1])
        assert cells.all_text_contents() == first[::-1]
    finally:
        ada.close()


def test_a_reviewer_corrects_a_multi_label_item_with_its_keys_and_enter(
    browser: Any, setup: tuple[Server, dict[str, str]]
) -> None:
    server, tokens = setup
    keys = label_keys(server, "topics", tokens["ada"])
    alice = Person(browser, server, tokens["alice"], "#/p/topics")
    try:
        expect(alice.page.get_by_test_id("item-external-id")).to_have_text("m1")
        alice.page.keyboard.press(keys["money"])
        alice.page.keyboard.press("Enter")
        wait_for(
            lambda: stored_count(server, "topics", tokens["rita"]) == 1,
            timeout=30,
            what="alice's label",
        )
    finally:
        alice.close()
    rita = Person(browser, server, tokens["rita"], "#/p/topics/review")
    try:
        page = rita.page
        expect(page.get_by_test_id("item-external-id")).to_have_text("m1")
        # The keys toggle labels of the draft; Enter saves it as the correction.
        page.keyboard.press(keys["place"])
        expect(page.get_by_test_id("review-accept")).to_contain_text("Save correction")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("review-count-corrected")).to_have_text("1")
    finally:
        rita.close()
    listed = api(
        server, tokens["rita"], "GET", "topics/browse", params={"state": "corrected"}
    ).json()["data"]
    assert [(i["external_id"], sorted(i["label"])) for i in listed] == [
        ("m1", ["money", "place"])
    ]
