"""The billing-run staff page: finance starts a month's billing and follows it; others read or
are refused; a malformed period is refused in Portuguese and starts nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.finance import tasks  # noqa: F401  (registers the job kinds, as the worker does)
from apps.finance.models import BillingRun, Installment
from apps.finance.services import billing
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.finance.billing_support import active_quota, billing_group

pytestmark = pytest.mark.django_db


def _signed_in(role: Role, username: str) -> Client:
    from django.contrib.auth.models import Group

    user = User.objects.create_user(username=username, password="senha-de-teste")
    user.groups.add(Group.objects.get(name=role.value))
    client = Client()
    client.force_login(user)
    return client


def test_finance_starts_a_billing_run_and_sees_what_it_billed(
    finance_user, django_capture_on_commit_callbacks
) -> None:
    group = billing_group(finance_user)
    active_quota(group, 1)
    first_due = Installment.objects.filter(schedule__group=group).order_by("due_date")[0]
    period = first_due.due_date.replace(day=1)
    client = _signed_in(Role.FINANCE, "financeira")

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("finance:billing_run_list"),
            {"period": f"{period:%Y-%m}", "group": group.pk},
        )

    run = BillingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("finance:billing_run_detail", kwargs={"pk": run.pk})
    assert (run.period, run.group_id) == (period, group.pk)
    # the worker runs the chunks through the Celery task; run them here the same way
    for index in JobChunk.objects.filter(job=run.job).values_list("index", flat=True):
        run_job_chunk(str(run.job_id), index)
    page = client.get(response["Location"]).content.decode()
    assert f"Faturamento de {period:%m/%Y}" in page
    assert "<dt>Cobranças geradas</dt><dd>1</dd>" in page
    assert "R$ 1.170,00" in page


def test_a_malformed_period_is_refused_and_starts_nothing() -> None:
    client = _signed_in(Role.FINANCE, "financeira")

    response = client.post(reverse("finance:billing_run_list"), {"period": "12/2026"})

    assert response.status_code == 200
    assert "Competência inválida" in response.content.decode()
    assert not BillingRun.objects.exists()


def test_an_auditor_reads_the_runs_but_cannot_start_one() -> None:
    billing.start_billing_run(period=billing.parse_period("2026-11"))
    client = _signed_in(Role.AUDITOR, "auditora")

    page = client.get(reverse("finance:billing_run_list")).content.decode()
    refused = client.post(reverse("finance:billing_run_list"), {"period": "2026-12"})

    assert "11/2026" in page
    assert "Faturar" not in page
    assert refused.status_code == 403
    assert BillingRun.objects.count() == 1
