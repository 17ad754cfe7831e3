"""Beat schedule: remove stored files no version points to, every hour (editable in the admin)."""

from django.db import migrations

from consorcio.migrations._beat_schedules import install_interval_task, remove_task

NAME = "documents.sweep_orphan_files"


def create_schedule(apps, schema_editor):
    install_interval_task(
        apps,
        name=NAME,
        task="apps.documents.tasks.sweep_orphan_files",
        description="Remove arquivos de documentos que nenhuma versão referencia.",
        every=1,
        period="hours",
    )


def remove_schedule(apps, schema_editor):
    remove_task(apps, NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_document_access_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
