"""Headless Debian Chromium driven by Playwright against pytest-django's live server.

Every request the page makes is recorded, so each test can prove the browser never left localhost.
"""

import os
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def page(live_server, monkeypatch):
    """A fresh page with ``page.requests`` (every URL requested) and ``page.errors`` (uncaught errors).

    Function-scoped and requested after the data fixtures, so the browser is closed before the
    transactional database is flushed. Playwright's sync API keeps an event loop running in this thread,
    which would make Django refuse ORM calls made from the test body.
    """
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
        tab = context.new_page()
        tab.requests = []
        tab.errors = []
        tab.on("request", lambda request: tab.requests.append(request.url))
        tab.on("pageerror", lambda error: tab.errors.append(str(error)))
        tab.set_default_timeout(15000)
        tab.base_url = live_server.url
        yield tab
        browser.close()


def assert_only_local_requests(page):
    assert page.requests, "the page made no request at all"
    foreign = [url for url in page.requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"requests to third-party hosts: {foreign}"
    others = [url for url in page.requests if urlsplit(url).scheme not in ("http", "https", "data", "blob")]
    assert others == [], f"unexpected request schemes: {others}"
