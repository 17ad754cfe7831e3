"""Rendering Django templates to PDF with WeasyPrint, fully offline.

Templates extend ``documents/pdf/base.html`` (A4, Portuguese, header and footer with page
numbers). ``{% static %}`` references (``/static/…``) resolve to the project's static files on
disk through the staticfiles finders; ``data:`` URLs are read inline; any other URL (http,
https, arbitrary files) is refused, so rendering never touches the network or the filesystem
beyond static files.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Mapping
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders

from apps.documents.rendering import render_html

__all__ = ["render_pdf"]

_BASE_URL = "file:///"
_STATIC_PREFIX = "file:///static/"

# fontTools logs every subsetting step and WeasyPrint every rendering step at INFO; keep the
# application log readable.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _static_file(url: str) -> tuple[bytes, str]:
    """The bytes and content type of a ``file:///static/…`` URL, or ``ValueError``."""
    relative = url[len(_STATIC_PREFIX) :].split("?", 1)[0].split("#", 1)[0]
    found = finders.find(relative) if relative and ".." not in relative.split("/") else None
    if not isinstance(found, str):
        raise ValueError(f"render_pdf: static file not found: {relative}")
    with open(found, "rb") as handle:
        content = handle.read()
    return content, mimetypes.guess_type(found)[0] or "application/octet-stream"


def _fetch(url: str) -> tuple[bytes, str] | None:
    """Static files answer their bytes; ``data:`` is left to WeasyPrint; the rest is refused."""
    if url.startswith("data:"):
        return None
    if url.startswith(_STATIC_PREFIX):
        return _static_file(url)
    raise ValueError(f"render_pdf: resource not available offline: {url}")


@cache
def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OfflineURLFetcher(URLFetcher):  # type: ignore[misc]
        """Only static files and ``data:`` URLs; everything else fails (never the network)."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"))

        def fetch(self, url: str, headers: Any = None) -> Any:
            found = _fetch(url)
            if found is None:
                return super().fetch(url, headers)
            content, content_type = found
            return URLFetcherResponse(url, content, {"Content-Type": content_type})

    return OfflineURLFetcher


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """The PDF (bytes) of a Django template rendered with ``context``.

    ``{% static %}`` URLs in the template resolve against the project's static files; nothing
    is fetched from the network (a missing or remote resource is left out, with a warning).
    """
    from weasyprint import HTML

    html = render_html(template_name, context)
    document = HTML(string=html, base_url=_BASE_URL, url_fetcher=_fetcher_class()())
    pdf = document.write_pdf()
    if not isinstance(pdf, bytes):  # write_pdf() without a target always answers bytes
        raise TypeError("render_pdf: WeasyPrint returned no bytes")
    return pdf
