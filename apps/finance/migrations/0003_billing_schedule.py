"""Beat schedule: the monthly billing run, on day 1 at 02:00 (editable in the admin)."""

from django.db import migrations
from django.utils import timezone

NAME = "finance.monthly_billing"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="2",
        day_of_week="*",
        day_of_month="1",
        month_of_year="*",
        timezone="America/Sao_Paulo",
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "apps.finance.tasks.start_monthly_billing",
            "crontab": crontab,
            "interval": None,
            "solar": None,
            "clocked": None,
            "enabled": True,
            "one_off": False,
            "description": "Fatura o mês corrente de todos os grupos (cria as cobranças das parcelas).",
            "args": "[]",
            "kwargs": "{}",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0002_billing"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
