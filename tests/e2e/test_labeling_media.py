"""An image project and an audio project: the item loads, a key labels it, it is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import FIXTURES, Server, annotations, cli, label_keys, wait_for
from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e-media")
    db = f"sqlite:///{tmp / 'activelabel.db'}"
    cli("init", "pets", "--labels", "cat,dog", "--modality", "image", db=db)
    cli("import", "pets", str(FIXTURES / "images"), db=db)
    cli("init", "digits", "--labels", "zero,one", "--modality", "audio", db=db)
    cli("import", "digits", str(FIXTURES / "audio"), db=db)
    served = Server(db, ("pets", "digits"), "--queue-size", "10", log=tmp / "serve.log")
    try:
        yield served
    finally:
        served.stop()


def label_and_check_stored(
    page: Page, server: Server, project: str, label: str
) -> None:
    external_id = (page.get_by_test_id("item-external-id").text_content() or "").strip()
    page.keyboard.press(label_keys(server, project)[label])
    expect(page.get_by_test_id("item-external-id")).not_to_have_text(external_id)
    stored = wait_for(
        lambda: [
            row
            for row in annotations(server, project)
            if row["external_id"] == external_id
        ],
        timeout=30,
        what=f"the label of {external_id} to be stored",
    )
    assert [(row["value"], row["annotator"], row["source"]) for row in stored] == [
        (label, "local", "human")
    ]


def test_an_image_shows_and_its_label_key_stores_the_label(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/pets")
    expect(page.get_by_test_id("item-image").locator("img")).to_be_visible()
    page.wait_for_function(
        """() => {
            const img = document.querySelector('[data-testid="item-image"] img');
            return img && img.complete && img.naturalWidth > 0;
        }"""
    )
    label_and_check_stored(page, server, "pets", "dog")


def test_a_sound_loads_and_its_label_key_stores_the_label(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.url}/#/p/digits")
    expect(page.get_by_test_id("item-audio")).to_be_visible()
    page.wait_for_function(
        """() => {
            const audio = document.querySelector('[data-testid="item-audio"] audio');
            return audio && audio.readyState >= 1 && audio.duration > 0;
        }"""
    )
    label_and_check_stored(page, server, "digits", "one")
