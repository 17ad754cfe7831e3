"""Beat schedule: free expired quota reservations every minute (editable in the admin)."""

from django.db import migrations

from consorcio.migrations._beat_schedules import install_interval_task, remove_task

NAME = "groups.expire_reservations"


def create_schedule(apps, schema_editor):
    install_interval_task(
        apps,
        name=NAME,
        task="apps.groups.tasks.expire_reservations",
        description="Libera as cotas cuja reserva de 15 minutos expirou.",
        every=1,
        period="minutes",
    )


def remove_schedule(apps, schema_editor):
    remove_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0002_quotas"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
