"""How the model learns, set from the page: an admin chooses the AutoML search,
its time budget and a featurizer in the Model dialog and the server stores them;
a budget of 0 is refused with the command's sentence; the Export list
downloads the queries file `activelabel query` writes, and ends an order a
queries file set.

The server is open (no token): its one user is the admin ``local``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Server, cli
from playwright.sync_api import Page, expect

SPAM = "WIN a FREE cash prize now, text CLAIM to 80082"
HAM = "see you at lunch tomorrow with the family"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-model-settings")


def _db(folder: Path) -> str:
    return f"sqlite:///{folder / 'activelabel.db'}"


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[Server]:
    tmp = folder
    db = _db(folder)
    # 60 messages, the first 20 labeled, and a model trained on them.
    with (tmp / "sms.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text", "label"])
        for i in range(60):
            spam = i % 2 == 0
            label = ("spam" if spam else "ham") if i < 20 else ""
            writer.writerow([f"m{i}", f"{SPAM if spam else HAM} {i}", label])
    cli("init", "sms", "--labels", "ham,spam", "--retrain-every", "1000", db=db)
    cli(
        "import",
        "sms",
        str(tmp / "sms.csv"),
        *("--text-column", "text", "--id-column", "id", "--label-column", "label"),
        db=db,
    )
    cli("train", "sms", db=db)
    served = Server(db, "sms", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def _project(server: Server) -> dict[str, Any]:
    response = httpx.get(f"{server.api}/projects/sms", timeout=30)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def test_an_admin_chooses_automl_and_a_featurizer_and_the_server_stores_them(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/sms")
    page.get_by_test_id("open-model-settings").click()
    budget = page.get_by_test_id("setting-automlBudget")
    expect(budget).to_have_value("60")
    # A budget of 0 is refused with the sentence `activelabel settings` says.
    budget.fill("0")
    page.get_by_test_id("save-model-settings").click()
    expect(page.get_by_test_id("model-settings-error")).to_have_text(
        "The AutoML time budget must be more than 0 seconds; got 0."
    )
    assert _project(server)["automl_budget"] == 60
    page.get_by_test_id("setting-model").select_option("auto")
    budget.fill("20")
    page.get_by_test_id("setting-featurizer").select_option("hashing")
    # Text has no augmentation to switch.
    expect(page.get_by_test_id("setting-augment")).to_have_count(0)
    page.get_by_test_id("save-model-settings").click()
    expect(page.get_by_role("dialog", name="Model settings")).to_have_count(0)
    stored = _project(server)
    assert (stored["model"], stored["automl_budget"], stored["featurizer"]) == (
        "auto",
        20,
        "hashing",
    )
    # Opened again, the dialog shows what is stored.
    page.get_by_test_id("open-model-settings").click()
    expect(page.get_by_test_id("setting-model")).to_have_value("auto")
    expect(page.get_by_test_id("setting-featurizer")).to_have_value("hashing")
    page.get_by_test_id("setting-featurizer").select_option("")
    page.get_by_test_id("save-model-settings").click()
    expect(page.get_by_role("dialog", name="Model settings")).to_have_count(0)
    assert _project(server)["featurizer"] is None


def test_the_export_list_downloads_the_queries_file(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/#/p/sms")
    link = page.get_by_test_id("export-link").filter(has_text="Queries (CSV)")
    with page.expect_download(timeout=120_000) as download:
        link.click()
    assert download.value.suggested_filename == "sms-queries.csv"
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    # Every unlabeled message, best first by margin, with the model's suggestion.
    assert len(rows) == 40
    assert {row["external_id"] for row in rows} == {f"m{i}" for i in range(20, 60)}
    scores = [float(row["margin"]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert {row["suggestion"] for row in rows} <= {"ham", "spam", ""}


def test_an_admin_ends_the_order_a_queries_file_set(
    page: Page, server: Server, folder: Path
) -> None:
    page.goto(f"{server.url}/#/p/sms")
    expect(page.get_by_test_id("export-link").first).to_be_visible()
    order = folder / "order.csv"
    order.write_text("id,score\nm58,3\nm57,2\nm56,1\n", encoding="utf-8")
    cli("import", "sms", str(order), "--as-queries", db=_db(folder))
    page.get_by_test_id("clear-imported-order").click()
    page.get_by_test_id("confirm-clear-imported-order").click()
    expect(page.get_by_test_id("clear-imported-order-result")).to_have_text(
        re.compile(r"^\d items of the imported order returned to the pool")
    )
    # Nothing of the order is left to end.
    said = cli("clear-queries", "sms", db=_db(folder))
    assert "0 items returned to the pool" in " ".join(said.split())
