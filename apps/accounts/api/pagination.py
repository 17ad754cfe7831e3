"""The API's default pagination: cursors, so large lists page in constant time."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Cursor pages of ``PAGE_SIZE`` rows (``?page_size=`` up to ``API_MAX_PAGE_SIZE``).

    Orders by the view's ``ordering`` (or ``?ordering=`` among its ``ordering_fields``),
    newest first by primary key otherwise. Cursor pages need a stable, nearly unique order:
    a view ordering by a repeated column should add ``pk`` as the last key.
    """

    ordering = "-pk"
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        """The largest ``?page_size=`` honoured (settings ``API_MAX_PAGE_SIZE``)."""
        return int(getattr(settings, "API_MAX_PAGE_SIZE", 500))
