"""Real-browser tests: Playwright (sync API) driving Debian's Chromium against live_server.

Chromium comes from the system package (`apt-get install -y chromium`), never from
`playwright install`. Without /usr/bin/chromium the tests are skipped locally and FAIL under
CI=true, so CI can never go green without running them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Collects CSP violations in the page (runs before any page script; CDP-injected, so the
# page's own CSP does not apply to it).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (
        f"{CHROMIUM} not found: install it with `apt-get update && apt-get install -y chromium`"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: a missing browser fails the run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module, closed afterwards.

    Playwright's sync API keeps an asyncio loop running in this thread while it is open, and
    Django then refuses ORM calls ("async unsafe"). The tests' own ORM calls are synchronous
    and safe (one thread, one connection), so the guard is lifted only while the browser is
    open; module scope ends both before any other test module runs.
    """
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield instance
            finally:
                instance.close()


class CspWatch:
    """Every CSP violation a page reported, from the console and from DOM events."""

    def __init__(self) -> None:
        self.console: list[str] = []

    def on_console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def violations(self, page: Any) -> list[str]:
        """Console reports plus the page's ``securitypolicyviolation`` events so far."""
        events = page.evaluate("window.__cspViolations || []")
        return [*self.console, *events]


@pytest.fixture
def page(browser, live_server) -> Iterator[Any]:
    """A fresh browser context on the live server, with CSP violations collected."""
    context = browser.new_context(base_url=live_server.url, locale="pt-BR")
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_LISTENER)
    new_page = context.new_page()
    watch = CspWatch()
    new_page.on("console", watch.on_console)
    new_page.csp_watch = watch
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture
def assert_no_csp_violations() -> Callable[[Any], None]:
    """Call after each page visit: fails with the violations the page reported, if any."""

    def _check(page: Any) -> None:
        violations = page.csp_watch.violations(page)
        assert violations == [], f"CSP violations on {page.url}: {violations}"

    return _check
