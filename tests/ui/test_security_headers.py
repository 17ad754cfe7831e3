"""Security headers of every page: an enforced CSP without inline code, a Permissions-Policy;
and templates that keep to that CSP (no inline scripts, handlers or styles)."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings

from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def _directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.embedded
def test_pages_carry_an_enforced_csp_that_allows_no_inline_script_or_style(make_staff, signed_in):
    client = signed_in(make_staff(Role.SALES))

    for url in ("/", "/tarefas/", "/pagina-que-nao-existe/"):
        response = client.get(url)
        assert "Content-Security-Policy-Report-Only" not in response
        policy = _directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert not any("unsafe" in value for values in policy.values() for value in values)


def test_the_login_page_carries_the_csp_too(client):
    response = client.get("/contas/entrar/")

    assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_every_response_has_a_permissions_policy_switching_off_unused_features(client):
    response = client.get("/contas/entrar/")

    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    assert "fullscreen=(self)" in policy


def test_production_adds_hsts_and_upgrades_insecure_requests(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "a-production-like-secret-key-" + "x" * 40)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "consorcio.example")
    sys.modules.pop("config.settings.production", None)
    production = importlib.import_module("config.settings.production")
    sys.modules.pop("config.settings.production", None)

    assert production.SECURE_HSTS_SECONDS >= 365 * 24 * 3600
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    directives = production.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["upgrade-insecure-requests"] is True
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "camera" in production.PERMISSIONS_POLICY
    assert "consorcio.middleware.PermissionsPolicyMiddleware" in production.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" in production.MIDDLEWARE


# Inline code the CSP would block: <script> without src, on*= handlers, style="" attributes,
# <style> blocks, htmx's eval-based attributes, javascript: URLs.
_FORBIDDEN = {
    "inline <script>": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
    ),
    "on*= handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "<style> block": re.compile(r"<style[\s>]", re.I),
    "hx-on": re.compile(r"\bhx-on[:-]", re.I),
    "js: in hx attribute": re.compile(r"\bhx-[a-z-]+\s*=\s*['\"]\s*(js|javascript):", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def _project_templates() -> list[Path]:
    roots = [BASE_DIR / "templates", *sorted((BASE_DIR / "apps").glob("*/templates"))]
    roots.append(BASE_DIR / "consorcio" / "templates")
    return [path for root in roots if root.is_dir() for path in root.rglob("*.html")]


_COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def _without_comments(text: str) -> str:
    """Template comments never reach the browser; blank them, keeping line numbers."""
    return _COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def test_no_project_template_contains_code_the_csp_would_block():
    offences = []
    for path in _project_templates():
        text = _without_comments(path.read_text(encoding="utf-8"))
        for label, pattern in _FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offences.append(f"{path.relative_to(BASE_DIR)}:{line}: {label}")

    assert offences == []
    assert len(_project_templates()) >= 10  # the scan really looked at the templates


def test_templates_load_nothing_from_other_origins():
    external = [
        str(path.relative_to(BASE_DIR))
        for path in _project_templates()
        if re.search(r"(src|href)=[\"'](https?:)?//", path.read_text(encoding="utf-8"))
    ]

    assert external == []
