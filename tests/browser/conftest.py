"""Browser fixtures: headless Chromium through Playwright against pytest-django's ``live_server``.

Playwright's sync API runs an event loop in the test's thread, so Django's async-safety check
would refuse the ORM calls the tests make there (fixtures, assertions); allow them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import SCREENSHOTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 820, "height": 1180}}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (skipped when the system has none)."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    """Run a test once per screen size: ``desktop`` (1280×900) and ``tablet`` (820×1180)."""
    return request.param


@pytest.fixture
def page_at(browser, live_server):
    """``page_at("desktop")`` → a fresh page of that size whose relative URLs go to the live server.

    JavaScript errors fail the test.
    """
    contexts, errors = [], []

    def make(size: str):
        context = browser.new_context(viewport=VIEWPORTS[size], base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves a full-page PNG to ``artifacts/screenshots/``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def log_in():
    """``log_in(page, user)`` through the login form."""
    from tests.factories import PASSWORD

    def submit(page, user) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")

    return submit
