"""Swagger UI and Redoc in a real Chromium: they render our schema from local files only,
with no Content-Security-Policy violation (scripts are ``'self'`` only)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _requests_of(page) -> list[str]:
    """URLs the page actually fetched (a request the CSP blocked never leaves the browser)."""
    seen: list[str] = []
    page.on("requestfinished", lambda request: seen.append(request.url))
    return seen


def _foreign(urls: list[str], base: str) -> list[str]:
    return [url for url in urls if not url.startswith((base, "data:", "blob:"))]


def test_swagger_ui_renders_the_api_offline_without_csp_violations(
    page, live_server, assert_no_csp_violations
):
    requests = _requests_of(page)

    page.goto("/api/docs/")
    page.locator(".opblock-summary-path", has_text="/api/v1/auth/token/").first.wait_for()

    assert page.locator(".opblock").count() >= 15
    assert_no_csp_violations(page)
    assert _foreign(requests, live_server.url) == []


def test_redoc_renders_the_api_offline_without_script_violations(page, live_server):
    requests = _requests_of(page)

    page.goto("/api/redoc/")
    page.locator("h1", has_text="Consórcio API").first.wait_for()
    page.get_by_text("Obter tokens (cliente de API)").first.wait_for(state="attached")

    # Redoc always shows Redocly's logo from its CDN; our img-src policy blocks it, which is
    # the point (nothing from the internet). Anything else would be a real violation.
    violations = [
        v for v in page.csp_watch.violations(page) if "cdn.redoc.ly/redoc/logo-mini.svg" not in v
    ]
    assert violations == []
    assert _foreign(requests, live_server.url) == []
