"""Kernel middleware: the ``Permissions-Policy`` response header.

django-csp writes the Content-Security-Policy; this writes ``Permissions-Policy`` from the
``PERMISSIONS_POLICY`` setting (feature -> allow-list: ``[]`` disables the feature,
``["self"]`` allows our own origin). A response that already carries the header keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

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
