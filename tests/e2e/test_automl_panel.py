"""The progress panel of a model=auto project says how its model was chosen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import EXAMPLE_SMS, Server, cli, wait_for_first_model
from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def sms_auto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The SMS example (40 labels) with model=auto: its first round searches."""
    tmp = tmp_path_factory.mktemp("e2e-automl")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli("init", "sms", "--labels", "ham,spam", "--retrain-every", "1000", db=db)
    cli(
        "import", "sms", str(EXAMPLE_SMS), "--text-column", "text",
        "--id-column", "id", "--label-column", "label", db=db,
    )  # fmt: skip
    cli("settings", "sms", "--model", "auto", "--automl-budget", "5", db=db)
    served = Server(db, "sms", "--queue-size", "50", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def test_the_panel_names_the_automl_choice_against_logistic(
    page: Page, sms_auto: Server
) -> None:
    wait_for_first_model(sms_auto, "sms")
    page.goto(f"{sms_auto.url}/#/p/sms")
    summary = page.get_by_test_id("model-summary")
    expect(summary).to_be_visible()
    # 40 labels: the first search ran; the panel names its outcome and trials.
    expect(summary).to_contain_text("AutoML")
    expect(summary).to_contain_text("logistic")
    expect(summary).to_contain_text(" in ")
