"""Headless Debian Chromium driven by Playwright against pytest-django's live server.

Every request the page makes is recorded, so each test can prove the browser never left localhost.
"""

import os
from pathlib import Path
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


# Records every violation the page sees, from the first byte, into window.__cspViolations.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def guarded(page):
    """The page with foreign requests aborted and recorded, console errors and CSP violations recorded."""
    own = urlsplit(page.base_url).netloc
    page.foreign, page.console_errors = [], []

    def route(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != own:
            page.foreign.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.context.route("**/*", route)
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    return page


def assert_clean(page):
    page.wait_for_timeout(300)  # lets late violations and console messages arrive
    assert page.foreign == [], f"requests to third-party hosts: {page.foreign}"
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []
    assert page.errors == []



AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__tests__/axe.min.js"  # served by the test itself (route), never by the site


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core (npm, node_modules) run on the page; the serious and critical violations found."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make node_modules/.installed` (npm ci)")
    page.route("**" + AXE_PATH, lambda route: route.fulfill(body=AXE.read_bytes(),
                                                           content_type="application/javascript"))
    page.add_script_tag(url=page.base_url + AXE_PATH)
    found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(
        v => [v.impact, v.id, v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')]))""")
    return [f"{impact} {rule}: {nodes}" for impact, rule, nodes in found if impact in impacts]


ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"


def screenshot(page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact (var/ is not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
