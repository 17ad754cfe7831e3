"""The project's default Celery beat schedules, editable afterwards in the admin.

Idempotent (update_or_create by name; an operator's later change of interval or enabled flag
is overwritten only when this migration runs again, i.e. on a fresh database or after a
rollback) and reversible (the reverse removes the three periodic tasks, not the shared
interval rows).
"""

from django.db import migrations
from django.utils import timezone

# name -> (task, every, period, description)
DEFAULT_SCHEDULES = {
    "consorcio.outbox.sweep": (
        "consorcio.tasks.sweep_outbox",
        1,
        "minutes",
        "Reenvia entregas de eventos pendentes cujo horário de nova tentativa já passou.",
    ),
    "consorcio.jobs.sweep_stalled_chunks": (
        "consorcio.tasks.sweep_stalled_chunks",
        1,
        "minutes",
        "Reenfileira partes de tarefas longas cujo processamento parou (worker caiu).",
    ),
    "consorcio.idempotency.purge_expired": (
        "consorcio.tasks.purge_expired_idempotency_keys",
        1,
        "hours",
        "Apaga os registros de Idempotency-Key vencidos.",
    ),
}


def _touch_beat(apps):
    # The database scheduler reloads its schedule when this timestamp changes.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def create_default_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, every, period, description) in DEFAULT_SCHEDULES.items():
        interval = IntervalSchedule.objects.filter(every=every, period=period).first()
        if interval is None:
            interval = IntervalSchedule.objects.create(every=every, period=period)
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "crontab": None,
                "solar": None,
                "clocked": None,
                "enabled": True,
                "one_off": False,
                "description": description,
                "args": "[]",
                "kwargs": "{}",
            },
        )
    _touch_beat(apps)


def remove_default_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=list(DEFAULT_SCHEDULES)).delete()
    _touch_beat(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("consorcio", "0002_job_chunk_enqueued_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_default_schedules, remove_default_schedules),
    ]
