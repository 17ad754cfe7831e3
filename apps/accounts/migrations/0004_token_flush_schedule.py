"""Beat schedule: delete expired refresh tokens every night (editable in the admin)."""

from django.db import migrations

from consorcio.migrations._beat_schedules import install_crontab_task, remove_task

NAME = "accounts.flush_expired_tokens"


def create_schedule(apps, schema_editor):
    install_crontab_task(
        apps,
        name=NAME,
        task="apps.accounts.tasks.flush_expired_tokens",
        description="Apaga tokens de atualização vencidos e famílias revogadas antigas.",
        minute="30",
        hour="3",
    )


def remove_schedule(apps, schema_editor):
    remove_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
