"""Fixtures for the browser tests: Debian Chromium driven by Playwright.

Playwright never downloads a browser here: the tests use ``/usr/bin/chromium`` (or
``ACTIVELABEL_CHROMIUM``) and are skipped when it is missing. Every test in this
folder is marked ``e2e``; deselect them with ``-m "not e2e"``. The server side
(``activelabel serve`` in a subprocess, the CLI that prepares its database) is in
``e2e_support``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS

#: How long ``expect`` waits for the page to show something. Playwright's 5 s
#: was too short on a machine busy with other work: a fresh server's first
#: answers came later than that now and then, and a test failed although the
#: page showed the right thing a moment after. A page that never shows it
#: still fails, after 20 s.
EXPECT_TIMEOUT_MS = 20_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).is_file():
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("CI"):
            # CI installs it (scripts/install --browser): a missing browser there is
            # a broken install, not a reason to skip the page's tests.
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new browser context and tab per test (a module may override it)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()
