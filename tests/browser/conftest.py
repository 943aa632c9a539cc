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


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; each test gets its own context (cookies, cache) and page.

    Playwright's sync API keeps an event loop running in this thread while the browser is open, which
    makes Django refuse ORM calls from the same thread (test bodies, the transactional flush), hence
    DJANGO_ALLOW_ASYNC_UNSAFE for the life of the browser only.
    """
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian chromium)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A fresh page with ``page.requests`` (every URL requested) and ``page.errors`` (uncaught errors)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    tab.requests = []
    tab.errors = []
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.set_default_timeout(15000)
    tab.base_url = live_server.url
    yield tab
    context.close()


def assert_only_local_requests(page):
    assert page.requests, "the page made no request at all"
    foreign = [url for url in page.requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert foreign == [], f"requests to third-party hosts: {foreign}"
    others = [url for url in page.requests if urlsplit(url).scheme not in ("http", "https", "data", "blob")]
    assert others == [], f"unexpected request schemes: {others}"
