"""Celery tasks of the documents context (thin: the work is in `services.storage`)."""

from __future__ import annotations

from celery import shared_task

from apps.documents.services import storage


@shared_task(name="apps.documents.tasks.sweep_orphan_files")
def sweep_orphan_files() -> dict[str, int]:
    """Remove stored files left behind by rolled-back uploads (beat: every hour)."""
    return {"removed": storage.sweep_orphan_files()}
