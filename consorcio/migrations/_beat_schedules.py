"""What the beat-schedule data migrations share: install or remove one periodic task.

Not a migration (Django's loader skips modules whose name starts with ``_``): the data
migrations of each context that schedules a task call these with their historical ``apps``
registry, so each migration states only its own schedule. Frozen like a migration: a change
here changes what old migrations do on a fresh database, so extend, never alter, behaviour.

Each install is idempotent (the schedule row by ``get_or_create``, the task by
``update_or_create`` on its name) and tells the database scheduler to reload (``PeriodicTasks``
timestamp). ``tests/support/migration_data.py`` re-runs the migrations' own functions after a
test flush.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

TIMEZONE = "America/Sao_Paulo"


def _install(apps: Any, *, name: str, task: str, description: str, schedule: dict[str, Any]):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": task,
            "interval": None,
            "crontab": None,
            "solar": None,
            "clocked": None,
            **schedule,
            "enabled": True,
            "one_off": False,
            "description": description,
            "args": "[]",
            "kwargs": "{}",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def install_crontab_task(
    apps: Any,
    *,
    name: str,
    task: str,
    description: str,
    minute: str = "*",
    hour: str = "*",
    day_of_month: str = "*",
    month_of_year: str = "*",
    day_of_week: str = "*",
) -> None:
    """Schedule ``task`` as periodic task ``name`` on a crontab (São Paulo time)."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_week=day_of_week,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        timezone=TIMEZONE,
    )
    _install(apps, name=name, task=task, description=description, schedule={"crontab": crontab})


def install_interval_task(
    apps: Any, *, name: str, task: str, description: str, every: int, period: str
) -> None:
    """Schedule ``task`` as periodic task ``name`` every ``every`` ``period`` (e.g. 1, "hours")."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    _install(apps, name=name, task=task, description=description, schedule={"interval": interval})


def remove_task(apps: Any, name: str) -> None:
    """Delete periodic task ``name`` (the reverse of an install; its schedule row stays)."""
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()
