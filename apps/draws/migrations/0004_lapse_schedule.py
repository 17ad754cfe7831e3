"""Beat schedule: lapse unpaid winning bids every day (editable in the admin).

Daily at 06:15 (São Paulo): a winning bid still unpaid after its deadline (the group's
business days after the assembly, A8) lapses and its award passes to the next ranked bid, as
the money stood before the lapsed award (``apps.draws.tasks.lapse_unpaid_bids``).
"""

from django.db import migrations

from consorcio.migrations._beat_schedules import install_crontab_task, remove_task

NAME = "draws.lapse_unpaid_bids"


def create_schedule(apps, schema_editor):
    install_crontab_task(
        apps,
        name=NAME,
        task="apps.draws.tasks.lapse_unpaid_bids",
        description=(
            "Declara caducos os lances vencedores não pagos no prazo e passa a contemplação "
            "ao próximo lance classificado."
        ),
        minute="15",
        hour="6",
    )


def remove_schedule(apps, schema_editor):
    remove_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("draws", "0003_assembly_minutes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
