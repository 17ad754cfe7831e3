"""Beat schedule: remove stored files no version points to, every hour (editable in the admin)."""

from django.db import migrations
from django.utils import timezone

NAME = "documents.sweep_orphan_files"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "apps.documents.tasks.sweep_orphan_files",
            "interval": interval,
            "crontab": None,
            "solar": None,
            "clocked": None,
            "enabled": True,
            "one_off": False,
            "description": "Remove arquivos de documentos que nenhuma versão referencia.",
            "args": "[]",
            "kwargs": "{}",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_document_access_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
