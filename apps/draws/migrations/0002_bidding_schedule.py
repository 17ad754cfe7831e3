"""Beat schedule: open and close the bidding of assemblies on schedule (editable in the admin).

Every five minutes: a scheduled assembly opens its bidding once the group's previous assembly
has passed, and an assembly whose closing time (23:59 of the cut-off date by default, A8) has
passed closes it (``apps.draws.tasks.open_and_close_due_bidding``).
"""

from django.db import migrations

from consorcio.migrations._beat_schedules import install_crontab_task, remove_task

NAME = "draws.open_and_close_bidding"


def create_schedule(apps, schema_editor):
    install_crontab_task(
        apps,
        name=NAME,
        task="apps.draws.tasks.open_and_close_due_bidding",
        description=(
            "Abre os lances das assembleias agendadas e encerra os das que passaram do "
            "horário de encerramento (regra de corte do grupo)."
        ),
        minute="*/5",
    )


def remove_schedule(apps, schema_editor):
    remove_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("draws", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
