"""The Celery app. Tasks are discovered in each app's ``tasks`` module and in the kernel.

The request id of the web request travels into the tasks it causes through django-structlog:
its ``CeleryReceiver`` (connected by the ``django_structlog`` app in every process when
``DJANGO_STRUCTLOG_CELERY_ENABLED``) copies the structlog context into each message's headers,
and the worker step below binds it again before every task, so
``consorcio.observability.current_request_id()`` and every log line of the task carry it.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import after_task_publish, before_task_publish
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


class RequestIdWorkerStep(DjangoStructLogInitStep):
    """django-structlog's worker step, minus a second copy of the publish receivers.

    The library's step connects the publish signals again although the ``django_structlog``
    app already did in this process, so every enqueued task was logged twice.
    """

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        before_task_publish.disconnect(self.receiver.receiver_before_task_publish)
        after_task_publish.disconnect(self.receiver.receiver_after_task_publish)


app = Celery("consorcio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.steps["worker"].add(RequestIdWorkerStep)
app.autodiscover_tasks()
