"""Content negotiation that answers JSON rather than 406 when the Accept header matches nothing.

The API speaks JSON only (problem+json for errors). A client that asks for something else
(``Accept: text/html``) still gets the JSON answer, as RFC 9110 allows a server to disregard
``Accept``; a 406 would hide the real answer (or the real error) behind a negotiation failure.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JSONFallbackNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, falling back to the view's first renderer instead of 406."""

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> tuple[Any, str]:
        """The renderer the client asked for, or the view's first one."""
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            if not renderers:
                raise
            return renderers[0], renderers[0].media_type
