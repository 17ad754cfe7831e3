"""Reads of jobs: which ones a user may watch (pages, the progress API, the home page)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from consorcio.models import Job


def jobs_started_by(user: Any) -> QuerySet[Job]:
    """The jobs the user started, newest first."""
    return Job.objects.filter(started_by_id=user.pk).order_by("-created_at")


def visible_jobs(user: Any) -> QuerySet[Job]:
    """The jobs this user may watch: their own, or all of them for ``is_staff`` users."""
    if user.is_staff:
        return Job.objects.all()
    return jobs_started_by(user)
