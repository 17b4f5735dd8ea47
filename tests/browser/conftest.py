"""The browser tests' Chromium: Debian's, driven by Playwright, one per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from support import need_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = need_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()
