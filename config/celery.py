"""The Celery app. Tasks are discovered in each app's ``tasks`` module and in the kernel."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("consorcio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
