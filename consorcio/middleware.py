"""Kernel middleware: the ``Permissions-Policy`` response header; NUL refused in query strings.

django-csp writes the Content-Security-Policy; this writes ``Permissions-Policy`` from the
``PERMISSIONS_POLICY`` setting (feature -> allow-list: ``[]`` disables the feature,
``["self"]`` allows our own origin). A response that already carries the header keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase

from consorcio.errors import problem_response

HEADER = "Permissions-Policy"


def build_permissions_policy(policy: Mapping[str, Sequence[str]]) -> str:
    """Serialize ``{"camera": [], "fullscreen": ["self"]}`` as ``camera=(), fullscreen=(self)``.

    ``self`` and ``*`` are written bare; any other entry is an origin and is quoted.
    """
    parts = []
    for feature, allow in policy.items():
        tokens = [item if item in ("self", "*") else f'"{item}"' for item in allow]
        parts.append(f"{feature}=*" if tokens == ["*"] else f"{feature}=({' '.join(tokens)})")
    return ", ".join(parts)


class PermissionsPolicyMiddleware:
    """Add ``Permissions-Policy`` (built once, at start-up) to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.header = build_permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header and HEADER not in response:
            response[HEADER] = self.header
        return response


class RefuseNulInQueryMiddleware:
    """Answer 400 to a query string carrying a NUL character (``%00``), before any view runs.

    PostgreSQL text cannot hold NUL, so a search or filter value with one would fail deep in
    the database as a server error. Form and API bodies are covered by the fields' own
    validators (Django and DRF refuse NUL in text fields); query strings go to filters and
    searches directly, so they are checked here once. API paths answer problem+json
    (``invalid_characters``); pages answer a short Portuguese message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return _refuse_nul(request)
        return self.get_response(request)


def _refuse_nul(request: HttpRequest) -> HttpResponseBase:
    if request.path.startswith("/api/"):
        return problem_response(
            status=400,
            code="invalid_characters",
            title="Caracteres inválidos",
            detail="Os parâmetros da consulta contêm um caractere nulo (NUL), que não é aceito.",
            request=request,
        )
    return HttpResponseBadRequest(
        "Os parâmetros da consulta contêm um caractere nulo (NUL), que não é aceito.",
        content_type="text/plain; charset=utf-8",
    )
