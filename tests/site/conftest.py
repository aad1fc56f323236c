"""Fixtures of the browser tests: Chromium, a site built once into a temporary folder, and a
copy of it to break. Without Playwright, MyST-NB or Chromium (a plain `make unit` in .venv) the
tests are skipped, with the reason; `python -m course site check` (`make test-site`) sets
SITE_TEST_REQUIRE_BROWSER=1, which turns that into a failure instead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from site_checks import launch_browser, missing_tool

from course.site import build as build_site


@pytest.fixture(scope="session")
def browser():
    missing = missing_tool()
    if missing:
        pytest.fail(missing, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory, browser) -> Path:
    root = tmp_path_factory.mktemp("site")
    build_site.build(root / "site", root / "site-src")
    return root / "site"


@pytest.fixture
def copy(site, tmp_path) -> Path:
    """A copy of the built site, to break."""
    return Path(shutil.copytree(site, tmp_path / "site"))
