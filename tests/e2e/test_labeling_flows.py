"""The page's other flows: accept, skip, offline labels, history edits, keys,
retrain, export, a table row and a multi-label item.

One server holds three projects: ``sms`` (texts with 240 imported labels, so the
first round at start gives suggestions), ``wine`` (table rows) and ``topics``
(multi-label texts). Retraining after new labels is turned off for ``sms``
(``--retrain-every 1000``) so that only "Retrain now" makes a new model there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import (
    EXAMPLE_SMS,
    FIXTURES,
    Server,
    annotations,
    cli,
    label_keys,
    wait_for,
    wait_for_first_model,
)
from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-flows")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli("init", "sms", "--labels", "ham,spam", "--retrain-every", "1000", db=db)
    cli(
        "import",
        "sms",
        str(EXAMPLE_SMS),
        "--text-column",
        "text",
        "--id-column",
        "id",
        "--label-column",
        "label",
        db=db,
    )
    # 200 more labeled texts: on the example's 40 labels alone the first model
    # never predicts spam out of fold, and a model that has not learned a
    # class suggests nothing.
    cli(
        "import",
        "sms",
        str(FIXTURES / "sms_sample.tsv"),
        "--columns",
        "label,text",
        "--label-column",
        "label",
        db=db,
    )
    cli("init", "wine", "--labels", "red,white", "--modality", "tabular", db=db)
    cli(
        "import",
        "wine",
        str(FIXTURES / "wine_colour" / "winequality-red.csv"),
        "--delimiter",
        ";",
        db=db,
    )
    cli(
        "init",
        "topics",
        "--labels",
        "money,people,place",
        "--task",
        "multilabel",
        db=db,
    )
    cli("import", "topics", str(EXAMPLE_SMS), "--text-column", "text", db=db)
    served = Server(
        db, ("sms", "wine", "topics"), "--queue-size", "50", log=tmp / "serve.log"
    )
    try:
        yield served
    finally:
        served.stop()


def open_project(page: Page, server: Server, project: str) -> None:
    page.goto(f"{server.url}/#/p/{project}")
    expect(page.get_by_test_id("item-external-id")).to_be_visible()


def shown(page: Page) -> str:
    return (page.get_by_test_id("item-external-id").text_content() or "").strip()


def press_and_wait_for_next(page: Page, key: str) -> str:
    """Press ``key`` on the item shown; return its id once another item shows."""
    external_id = shown(page)
    page.keyboard.press(key)
    expect(page.get_by_test_id("item-external-id")).not_to_have_text(external_id)
    return external_id


def stored(server: Server, project: str, external_id: str) -> list[dict[str, Any]]:
    return [
        row for row in annotations(server, project) if row["external_id"] == external_id
    ]


def stored_value(server: Server, project: str, external_id: str) -> Any:
    rows = stored(server, project, external_id)
    return rows[0]["value"] if len(rows) == 1 else None


def wait_until_stored(
    server: Server, project: str, external_id: str, value: Any, what: str
) -> None:
    """Wait until ``external_id``'s one active label in ``project`` is ``value``."""
    wait_for(
        lambda: stored_value(server, project, external_id) == value,
        timeout=30,
        what=f"{what} of {external_id}",
    )


def test_enter_accepts_the_models_suggestion_and_the_label_says_so(
    page: Page, server: Server
) -> None:
    open_project(page, server, "sms")
    # The first round runs as the server starts, on the 240 imported labels;
    # the items the page fetched before it carry no suggestion: label past them.
    wait_for_first_model(server, "sms", timeout=120)
    suggestion = page.get_by_test_id("suggestion")
    ham = label_keys(server, "sms")["ham"]
    for _ in range(40):
        if "model:" in (suggestion.text_content() or ""):
            break
        press_and_wait_for_next(page, ham)
        page.wait_for_timeout(200)
    expect(suggestion).to_contain_text("model:")
    suggested = (
        (suggestion.text_content() or "").split("model:")[1].split("·")[0].strip()
    )

    external_id = press_and_wait_for_next(page, "Enter")
    rows = wait_for(
        lambda: stored(server, "sms", external_id),
        timeout=30,
        what=f"the accepted label of {external_id} to be stored",
    )
    assert [(r["value"], r["accepted_suggestion"], r["source"]) for r in rows] == [
        (suggested, True, "human")
    ]


def test_space_skips_an_item_without_labeling_it(page: Page, server: Server) -> None:
    open_project(page, server, "sms")
    spam = label_keys(server, "sms")["spam"]
    skipped = press_and_wait_for_next(page, " ")
    labeled = press_and_wait_for_next(page, spam)
    wait_until_stored(server, "sms", labeled, "spam", "the label")
    # Labels go out in order: the one after the skip is stored, the skip is not.
    assert stored(server, "sms", skipped) == []


def test_labels_given_offline_wait_in_the_page_and_are_stored_when_back_online(
    page: Page, server: Server
) -> None:
    open_project(page, server, "sms")
    ham = label_keys(server, "sms")["ham"]
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_text("online")

    page.context.set_offline(True)
    given = [press_and_wait_for_next(page, ham) for _ in range(3)]
    expect(status).to_have_text("offline — 3 labels waiting")
    assert all(stored(server, "sms", external_id) == [] for external_id in given)

    page.context.set_offline(False)
    expect(status).to_have_text("online", timeout=60_000)
    wait_for(
        lambda: all(stored_value(server, "sms", e) == "ham" for e in given),
        timeout=60,
        what="the labels given offline to be stored",
    )


def test_a_label_changed_in_the_history_is_stored(page: Page, server: Server) -> None:
    open_project(page, server, "sms")
    external_id = press_and_wait_for_next(page, label_keys(server, "sms")["ham"])
    wait_until_stored(server, "sms", external_id, "ham", "the label")

    page.goto(f"{server.url}/#/p/sms/history")
    row = page.get_by_test_id("history-row").filter(has_text=external_id)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="spam", exact=True).click()
    expect(row.locator(".sr-only")).to_have_text("spam")
    wait_until_stored(server, "sms", external_id, "spam", "the changed label")


def test_a_label_key_reassigned_in_the_page_labels_with_the_new_key(
    page: Page, server: Server
) -> None:
    open_project(page, server, "sms")
    page.get_by_role("button", name="Keys").click()
    page.get_by_test_id("key-button-spam").click()
    page.keyboard.press("x")
    page.get_by_role("dialog", name="Label keys").get_by_role(
        "button", name="Save"
    ).click()
    expect(page.get_by_role("dialog", name="Label keys")).to_have_count(0)
    wait_for(
        lambda: label_keys(server, "sms")["spam"] == "x",
        timeout=30,
        what="the new key to be saved with the project",
    )

    external_id = press_and_wait_for_next(page, "x")
    wait_until_stored(
        server, "sms", external_id, "spam", "the label given with the new key"
    )


def test_retrain_now_trains_a_new_model_that_the_page_shows(
    page: Page, server: Server
) -> None:
    open_project(page, server, "sms")
    model = page.get_by_test_id("model-version")
    expect(model).not_to_have_text("none yet", timeout=120_000)
    before = (model.text_content() or "").strip()
    page.get_by_test_id("retrain").click()
    expect(model).not_to_have_text(before, timeout=120_000)
    versions = httpx.get(f"{server.api}/projects/sms/model-versions", timeout=30)
    assert versions.json()["count"] >= 2


def test_the_export_link_downloads_every_item_with_its_label(
    page: Page, server: Server
) -> None:
    open_project(page, server, "sms")
    link = page.get_by_test_id("export-link").filter(has_text="Labels (CSV)")
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    stats = httpx.get(f"{server.api}/projects/sms/stats", timeout=30).json()
    assert len(rows) == stats["items"] > 600
    labels = {row["external_id"]: row["label"] for row in rows}
    for row in annotations(server, "sms"):
        assert labels[row["external_id"]] == row["value"]


def test_a_table_row_shows_every_field_and_a_key_labels_it(
    page: Page, server: Server
) -> None:
    open_project(page, server, "wine")
    table = page.get_by_test_id("item-table")
    expect(table.locator("th")).to_have_count(12)
    expect(table).to_contain_text("alcohol")
    external_id = press_and_wait_for_next(page, label_keys(server, "wine")["red"])
    wait_until_stored(server, "wine", external_id, "red", "the label")


def test_multi_label_keys_toggle_labels_and_enter_submits_them(
    page: Page, server: Server
) -> None:
    open_project(page, server, "topics")
    keys = label_keys(server, "topics")
    external_id = shown(page)
    page.keyboard.press(keys["money"])
    page.keyboard.press(keys["place"])
    page.keyboard.press(keys["people"])
    page.keyboard.press(keys["people"])  # toggled off again
    expect(page.get_by_test_id("item-external-id")).to_have_text(external_id)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("item-external-id")).not_to_have_text(external_id)
    value = wait_for(
        lambda: stored_value(server, "topics", external_id),
        timeout=30,
        what=f"the labels of {external_id}",
    )
    assert sorted(value) == ["money", "place"]
