"""Celery tasks of the accounts context: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from apps.accounts.services import tokens


@shared_task(name="apps.accounts.tasks.flush_expired_tokens")
def flush_expired_tokens() -> dict[str, int]:
    """Daily: delete expired refresh tokens and long-revoked token families."""
    flushed = tokens.flush_expired_tokens()
    return {"deleted_rows": flushed.deleted_rows, "deleted_families": flushed.deleted_families}
