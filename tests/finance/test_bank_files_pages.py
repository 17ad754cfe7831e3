"""The bank return-file pages: upload, follow the import, read and filter its lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.roles import Role
from apps.finance import tasks as finance_tasks  # noqa: F401 - registers the import job kind
from apps.finance.models import BankFile, Payment
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.accounts.factories import UserFactory
from tests.finance.billing_support import billing_group
from tests.finance.test_bank_files import AILOS, _real_return_files, boleto  # noqa: F401
from tests.finance.test_payments import make_charge

pytestmark = pytest.mark.django_db


def _upload(client, path: Path, name: str | None = None, data: bytes | None = None):
    upload = SimpleUploadedFile(name or path.name, data if data is not None else path.read_bytes())
    return client.post(reverse("finance:bank_file_upload"), {"file": upload})


def test_finance_uploads_a_file_follows_it_and_filters_its_lines(
    client, finance_user, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    boleto(make_charge(group, 1), "085", "000000000000083")
    user = UserFactory(roles=[Role.FINANCE])
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=False):
        response = _upload(client, AILOS)
    bank_file = BankFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("finance:bank_file_detail", args=[bank_file.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Em aplicação" in page
    assert "progress" in page.lower()

    for index in JobChunk.objects.filter(job=bank_file.job).values_list("index", flat=True):
        run_job_chunk(str(bank_file.job_id), index)
    page = client.get(response["Location"]).content.decode()
    assert "Aplicado" in page
    assert "000000000000123" in page
    assert "Sem cobrança" in page
    filtered = client.get(response["Location"], {"resultado": "unmatched"}).content.decode()
    assert "000000000000123" in filtered
    assert "000000000000083" not in filtered
    assert Payment.objects.count() == 1

    again = _upload(client, AILOS)
    assert "nada foi aplicado de novo" in client.get(again["Location"]).content.decode()
    listing = client.get(reverse("finance:bank_file_list")).content.decode()
    assert AILOS.name in listing
    assert BankFile.objects.count() == 1
    assert bank_file.uploaded_by_id == user.pk


def test_a_rejected_upload_lists_its_broken_lines(client):
    client.force_login(UserFactory(roles=[Role.FINANCE]))
    response = _upload(client, AILOS, name="ruim.ret", data=b"isto nao e um retorno\n")
    page = client.get(response["Location"]).content.decode()
    assert "Rejeitado" in page
    assert "Linha" in page
    assert Payment.objects.count() == 0


def test_an_operations_user_cannot_upload(client):
    client.force_login(UserFactory(roles=[Role.OPERATIONS]))
    assert _upload(client, AILOS).status_code == 403
    assert BankFile.objects.count() == 0
