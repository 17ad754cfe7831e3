"""Beat schedule: the monthly billing run, on day 1 at 02:00 (editable in the admin)."""

from django.db import migrations

from consorcio.migrations._beat_schedules import install_crontab_task, remove_task

NAME = "finance.monthly_billing"


def create_schedule(apps, schema_editor):
    install_crontab_task(
        apps,
        name=NAME,
        task="apps.finance.tasks.start_monthly_billing",
        description="Fatura o mês corrente de todos os grupos (cria as cobranças das parcelas).",
        minute="0",
        hour="2",
        day_of_month="1",
    )


def remove_schedule(apps, schema_editor):
    remove_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0002_billing"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
