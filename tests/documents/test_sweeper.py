"""Files left behind by a rolled-back transaction are swept; referenced files never are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.documents.models import Document
from apps.documents.services import storage
from tests.documents.conftest import PDF, stored_files

pytestmark = pytest.mark.django_db


class SaleFailed(Exception):
    """Something after the contract was stored failed, so the whole sale rolls back."""


def _sale_that_fails_after_storing_its_contract(user):
    with transaction.atomic():
        storage.store_version(
            actor=user, kind="contract", title="Contrato", filename="c.pdf", content=PDF
        )
        raise SaleFailed


def _store_inside_a_failing_transaction(user):
    with pytest.raises(SaleFailed):
        _sale_that_fails_after_storing_its_contract(user)


def test_a_file_of_a_rolled_back_transaction_is_swept_after_the_grace_period(
    staff_user, files_before
):
    kept = storage.store_version(
        actor=staff_user(), kind="contract", title="Guardado", filename="g.pdf", content=PDF
    )
    _store_inside_a_failing_transaction(staff_user())
    leftovers = sorted(set(stored_files()) - set(files_before) - {kept.file.name})
    assert len(leftovers) == 1
    assert Document.objects.count() == 1

    assert storage.sweep_orphan_files() == 0  # still within the grace period
    later = timezone.now() + storage.ORPHAN_GRACE + timedelta(minutes=1)
    removed = storage.sweep_orphan_files(now=later)

    assert removed >= 1
    assert leftovers[0] not in stored_files()
    assert kept.file.name in stored_files()
    assert storage.read_verified(kept) == PDF


def test_the_command_sweeps_and_beat_runs_it_every_hour(staff_user, capsys):
    _store_inside_a_failing_transaction(staff_user())

    call_command("sweep_document_files", "--older-than-minutes", "0")

    assert "Arquivos órfãos removidos:" in capsys.readouterr().out
    task = PeriodicTask.objects.get(name="documents.sweep_orphan_files")
    assert task.task == "apps.documents.tasks.sweep_orphan_files"
    assert (task.interval.every, task.interval.period) == (1, "hours")
