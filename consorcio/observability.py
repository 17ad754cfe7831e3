"""Request id, structured logs and metrics shared by web and worker processes."""

from __future__ import annotations

import structlog


def current_request_id() -> str | None:
    """The id of the web request (or of the request that caused this task), if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None
