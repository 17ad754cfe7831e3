"""Beat schedule: the daily delinquency marking at 21:00 (editable in the admin).

In the evening, after the day's bank return files were imported: a member who paid on the due
date (reported the next morning) is not marked delinquent by a run that ran before the file.
"""

from django.db import migrations
from django.utils import timezone

NAME = "finance.daily_delinquency"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="21",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="America/Sao_Paulo",
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "apps.finance.tasks.mark_daily_delinquency",
            "crontab": crontab,
            "interval": None,
            "solar": None,
            "clocked": None,
            "enabled": True,
            "one_off": False,
            "description": (
                "Marca as cobranças vencidas, atualiza a inadimplência das cotas e propõe a "
                "exclusão das que atingiram o limite do grupo."
            ),
            "args": "[]",
            "kwargs": "{}",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0006_delinquency"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
