"""Celery tasks of the groups context: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from apps.groups.services import quotas


@shared_task(name="apps.groups.tasks.expire_reservations")
def expire_reservations() -> dict[str, int]:
    """Every minute: free the quotas whose reservation ran out."""
    return {"freed": quotas.expire_reservations()}
