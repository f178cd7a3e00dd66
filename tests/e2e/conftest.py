"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live_server.

One Chromium serves all the browser tests (started at the first, closed after the last); each test
gets a fresh browser context (its own cookies, its own storage) and page. When a test fails, a
screenshot and the page's HTML are saved to a temporary directory and their paths are added to the
failure report.
"""

import os
import re
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Short, explicit waits: every step is a local page load; a hang should fail fast, not in minutes.
ACTION_TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 10_000
ARTIFACTS_DIR = Path(tempfile.gettempdir()) / "smartcoop-e2e"

expect.set_options(timeout=ACTION_TIMEOUT_MS)


# Function scope, and after the test database: while Playwright runs, the main thread has a running
# event loop, so Django's connections (context-local) are fresh objects there, without the saved
# copy of the migrations' data that a transactional test restores at its start. The database must
# be set up (and that data restored) before Playwright starts; starting it costs about a second.
@pytest.fixture
def playwright(transactional_db: None, live_server: object) -> Iterator[Playwright]:
    with pytest.MonkeyPatch.context() as patch:
        # Why DJANGO_ALLOW_ASYNC_UNSAFE: Playwright's sync API runs an asyncio event loop in the main
        # thread for as long as Playwright is started (asyncio.get_running_loop() returns it between
        # two Playwright calls too). Django's async-safety check sees that running loop and raises
        # SynchronousOnlyOperation on every ORM call made from this thread: the test's own queries
        # and pytest-django's database set-up and flush around each transactional test. None of them
        # runs inside a coroutine (the test is plain synchronous code, and the live server answers in
        # its own threads), so the check is a false positive while Playwright runs.
        # Set only for that time, not at import: a process-wide setting would reach the subprocesses
        # of later tests, where `manage.py check --deploy` rightly fails on it (async.E001).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver
            # Close the connections the test's own queries opened while the loop ran: they belong
            # to that context, and nothing else would close them before the test database is dropped.
            connections.close_all()


@pytest.fixture
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        # A browser test that cannot run is a failure, never a silent skip.
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's Chromium. "
            "Install it with `apt-get install chromium` (it is listed in system-packages.txt).",
            pytrace=False,
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Every page reports what the Content-Security-Policy blocked: the policy allows no inline script or
# style, so a template that slips one in fails its journey instead of silently losing behaviour.
REPORT_POLICY_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${blocked} in ${event.sourceFile}`);
});
"""


@contextmanager
def no_policy_violation(context: BrowserContext) -> Iterator[BrowserContext]:
    violations: list[str] = []
    context.add_init_script(REPORT_POLICY_VIOLATIONS)
    context.on(
        "console",
        lambda message: violations.append(message.text) if message.text.startswith("CSP violation") else None,
    )
    try:
        yield context
    finally:
        context.close()
    assert violations == [], "the Content-Security-Policy blocked: " + "; ".join(violations)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # English in the browser, so the test's starting language is known and differs from Dutch.
    context = browser.new_context(locale="en-US", timezone_id="Europe/Brussels")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    with no_policy_violation(context):
        yield context


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def advisor_context(browser: Browser) -> Iterator[BrowserContext]:
    """A second browser, as far as the server can tell: the advisor's own cookies and session."""
    context = browser.new_context(locale="en-US", timezone_id="Europe/Brussels")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    with no_policy_violation(context):
        yield context


@pytest.fixture
def media_root(settings: LazySettings, tmp_path: Path) -> Path:
    # Uploaded documents are written for real: into a temporary directory, not the project's.
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    report = yield
    # The page is still open here: fixtures are torn down after the call phase is reported.
    page = getattr(item, "funcargs", {}).get("page")
    if isinstance(report, pytest.TestReport) and report.when == "call" and report.failed and page is not None:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", item.nodeid)
        screenshot = ARTIFACTS_DIR / f"{stem}.png"
        html = ARTIFACTS_DIR / f"{stem}.html"
        try:
            page.screenshot(path=screenshot, full_page=True)
            html.write_text(page.content(), encoding="utf-8")
            saved = f"URL: {page.url}\nscreenshot: {screenshot}\nHTML: {html}"
        except Exception as error:  # noqa: BLE001  # the artefacts must never hide the real failure
            saved = f"could not save the page: {error}"
        report.sections.append(("e2e page at failure", saved))
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.e2e.axe import PAGES_CHECKED, TALLY

    if PAGES_CHECKED:
        counts = ", ".join(f"{impact} {TALLY[impact]}" for impact in ("critical", "serious", "moderate", "minor"))
        terminalreporter.write_line(f"axe-core: {len(PAGES_CHECKED)} pages checked; violations by impact: {counts}")
