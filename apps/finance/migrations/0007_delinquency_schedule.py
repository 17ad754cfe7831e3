"""Beat schedule: the daily delinquency marking at 21:00 (editable in the admin).

In the evening, after the day's bank return files were imported: a member who paid on the due
date (reported the next morning) is not marked delinquent by a run that ran before the file.
"""

from django.db import migrations

from consorcio.migrations._beat_schedules import install_crontab_task, remove_task

NAME = "finance.daily_delinquency"


def create_schedule(apps, schema_editor):
    install_crontab_task(
        apps,
        name=NAME,
        task="apps.finance.tasks.mark_daily_delinquency",
        description=(
            "Marca as cobranças vencidas, atualiza a inadimplência das cotas e propõe a "
            "exclusão das que atingiram o limite do grupo."
        ),
        minute="0",
        hour="21",
    )


def remove_schedule(apps, schema_editor):
    remove_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0006_delinquency"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
