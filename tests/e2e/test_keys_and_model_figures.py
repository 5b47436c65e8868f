"""Keys and the model's figures in the page.

``grades`` holds red wines to grade 3–8 (table rows): each grade is on its own key,
and the Keys dialog changes a key. ``sms`` holds texts with 40 imported labels
on TF-IDF (named: the text default is ``auto``); the first round, run as its
server starts, trains a model that never predicts spam (accuracy 0.775 = the
share of ham, macro-F1 0.44): the panel names both figures and every
suggestion carries the warning. ``sms_auto`` is the same example with the
default featurizer: with the embeddings extra, ``auto`` compares featurizers
at 40 labels, chooses embeddings, and the model learns spam. Each project has
its server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
def grades(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-grades")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli("init", "grades", "--labels", "3,4,5,6,7,8", "--modality", "tabular", db=db)
    cli(
        "import",
        "grades",
        str(FIXTURES / "wine_colour" / "winequality-red.csv"),
        "--delimiter",
        ";",
        db=db,
    )
    served = Server(db, "grades", "--queue-size", "50", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def sms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-figures")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    # No retraining after new labels: the first model stays the one shown.
    cli(
        "init",
        "sms",
        "--labels",
        "ham,spam",
        "--retrain-every",
        "1000",
        "--featurizer",
        "tfidf",
        db=db,
    )
    yield from _serve_sms_example(db, tmp)


@pytest.fixture(scope="module")
def sms_auto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-figures-auto")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli("init", "sms", "--labels", "ham,spam", "--retrain-every", "1000", db=db)
    yield from _serve_sms_example(db, tmp)


def _serve_sms_example(db: str, tmp: Path) -> Iterator[Server]:
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
    served = Server(db, "sms", "--queue-size", "50", log=tmp / "serve.log")
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
    external_id = shown(page)
    page.keyboard.press(key)
    expect(page.get_by_test_id("item-external-id")).not_to_have_text(external_id)
    return external_id


def wait_until_labeled(server: Server, external_id: str, value: str) -> None:
    wait_for(
        lambda: (
            [
                row["value"]
                for row in annotations(server, "grades")
                if row["external_id"] == external_id
            ]
            == [value]
        ),
        timeout=30,
        what=f"{external_id} to be stored as {value!r}",
    )


def test_a_wine_grade_is_labeled_with_its_own_key(page: Page, grades: Server) -> None:
    assert label_keys(grades, "grades") == {g: g for g in "345678"}
    open_project(page, grades, "grades")
    expect(page.get_by_role("button", name="5", exact=False).first).to_be_visible()
    external_id = press_and_wait_for_next(page, "5")
    wait_until_labeled(grades, external_id, "5")


def test_a_key_changed_in_the_keys_dialog_labels_with_the_new_key(
    page: Page, grades: Server
) -> None:
    open_project(page, grades, "grades")
    page.get_by_role("button", name="Keys").click()
    dialog = page.get_by_role("dialog", name="Label keys")
    # An action's key is refused in the page, with the action named.
    dialog.get_by_test_id("key-button-3").click()
    page.keyboard.press("s")
    expect(dialog).to_contain_text("Skip this item")
    # Grade 3 takes key 5; grade 5 gets grade 3's key in exchange.
    page.keyboard.press("5")
    expect(dialog.get_by_test_id("key-button-3")).to_have_text("5")
    expect(dialog.get_by_test_id("key-button-5")).to_have_text("3")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    wait_for(
        lambda: (
            label_keys(grades, "grades")
            == {**{g: g for g in "4678"}, "3": "5", "5": "3"}
        ),
        timeout=30,
        what="the new keys to be saved with the project",
    )
    external_id = press_and_wait_for_next(page, "5")
    wait_until_labeled(grades, external_id, "3")


def test_the_panel_names_accuracy_macro_f1_and_calibration_and_a_one_class_model_suggests_nothing(
    page: Page, sms: Server
) -> None:
    wait_for_first_model(sms, "sms")
    open_project(page, sms, "sms")
    panel = page.get_by_role("complementary", name="Progress")
    expect(panel).to_contain_text("Accuracy")
    expect(panel).to_contain_text("Macro-F1")
    expect(page.get_by_test_id("model-accuracy")).to_have_text("0.775")
    expect(page.get_by_test_id("model-macro-f1")).to_have_text("0.437")
    expect(panel).not_to_contain_text("CV score")

    # Per-class recall is one click away.
    details = page.get_by_test_id("model-details")
    spam_row = details.locator("tr", has_text="spam")
    expect(spam_row).not_to_be_visible()
    details.get_by_text("Per-class recall").click()
    expect(spam_row).to_be_visible()
    expect(spam_row.locator("td").nth(1)).to_have_text("0.000")

    # The confidences are calibrated on held-out folds, and the panel says so.
    expect(page.get_by_test_id("model-calibration")).to_contain_text(
        "held-out calibration error"
    )
    # A model that learned ham alone answers ham for every item, spam included:
    # it suggests nothing, and the note says why.
    suggestion = page.get_by_test_id("suggestion")
    for _ in range(3):
        press_and_wait_for_next(page, " ")
        expect(suggestion).not_to_contain_text("model:")
    expect(suggestion).to_have_text(
        "no suggestion: the model has not learned to predict spam yet"
    )


def test_the_default_featurizer_chooses_embeddings_for_the_sms_example_and_the_model_learns_spam(
    page: Page, sms_auto: Server
) -> None:
    wait_for_first_model(sms_auto, "sms")
    open_project(page, sms_auto, "sms")
    # The panel names what auto chose and each candidate's macro-F1.
    featurizer = page.get_by_test_id("model-featurizer")
    expect(featurizer).to_contain_text("embeddings")
    expect(featurizer).to_contain_text("auto")
    expect(featurizer).to_contain_text("tfidf")
    # Spam is learned: the panel's per-class recall for spam is not zero, and
    # no suggestion carries the unlearned-class warning.
    expect(page.get_by_test_id("model-macro-f1")).not_to_have_text("0.437")
    page.get_by_test_id("model-details").get_by_text("Per-class recall").click()
    spam_row = page.get_by_test_id("model-details").locator("tr", has_text="spam")
    expect(spam_row.locator("td").nth(1)).not_to_have_text("0.000")
    suggestion = page.get_by_test_id("suggestion")
    for _ in range(3):
        expect(suggestion).not_to_contain_text("has not learned")
        press_and_wait_for_next(page, " ")
