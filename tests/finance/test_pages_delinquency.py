"""Staff pages of delinquency: the list with filters, its CSV/XLSX export, and deciding the
exclusion proposals (confirm; dismiss with a mandatory justification)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.finance.models import ExclusionProposal
from apps.finance.services import delinquency
from tests.accounts.factories import UserFactory
from tests.finance.delinquency_support import holder, running_group

pytestmark = pytest.mark.django_db
THIRD_PASSED = dt.date(2026, 3, 11)


def staff(client, role: Role):
    user = roles.assign_roles(user=UserFactory(), roles=[role])
    client.force_login(user)
    return user


@pytest.fixture
def group(finance_user):
    """Quota 1 owes 3 due dates (R$ 3.510,00, proposed for exclusion); quota 2, sold late,
    owes 2 (R$ 2.363,64 with its catch-up)."""
    group = running_group(finance_user)
    holder(group, 1, actor=finance_user)
    holder(group, 2, actor=finance_user, sold_on=dt.date(2026, 2, 1))
    delinquency.mark_delinquency(as_of=THIRD_PASSED)
    return group


def test_the_list_shows_the_quotas_in_default_and_filters_by_consecutive_due_dates(client, group):
    staff(client, Role.FINANCE)
    url = reverse("finance:delinquency_list")

    page = client.get(url).content.decode()
    assert "R$ 3.510,00" in page
    assert "R$ 2.363,64" in page
    assert "12/01/2026" in page

    only_three = client.get(url, {"minimo": "3", "grupo": str(group.pk)}).content.decode()
    assert "R$ 3.510,00" in only_three
    assert "R$ 2.363,64" not in only_three


def test_the_csv_export_has_the_filtered_rows_in_brazilian_formats(client, group):
    staff(client, Role.OPERATIONS)

    response = client.get(reverse("finance:delinquency_export"), {"minimo": "3"})

    assert response["Content-Disposition"] == 'attachment; filename="inadimplencia.csv"'
    text = response.content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:2] == ["Grupo", "Cota"]
    assert rows == [
        [
            group.code,
            "1",
            "Consorciado 1",
            "3",
            "3",
            "12/01/2026",
            "58",
            "3,5100%",
            "R$ 3.510,00",
            "11/03/2026",
        ]
    ]


def test_the_xlsx_export_has_every_row_as_numbers_and_dates(client, group):
    staff(client, Role.AUDITOR)

    response = client.get(reverse("finance:delinquency_export"), {"formato": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Grupo"
    assert [(row[1], row[4], float(row[8])) for row in values[1:]] == [
        (1, 3, 3510.0),
        (2, 2, 2363.64),
    ]
    assert values[1][5] == dt.datetime(2026, 1, 12)


def test_a_dismissal_needs_a_justification_and_a_confirmation_excludes_the_quota(client, group):
    staff(client, Role.FINANCE)
    proposal = ExclusionProposal.objects.get(group=group, state="proposed")
    dismiss = reverse("finance:exclusion_dismiss", args=[proposal.pk])

    refused = client.post(dismiss, {"justificativa": " "}, follow=True)
    assert "Informe por que a proposta de exclusão foi descartada." in refused.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == "proposed"

    client.post(reverse("finance:exclusion_confirm", args=[proposal.pk]), {"nota": "Notificado"})
    proposal.refresh_from_db()
    proposal.quota_version.refresh_from_db()
    assert (proposal.state, proposal.quota_version.status) == ("confirmed", "excluded")


def test_dismissing_with_a_reason_and_the_auditor_cannot_decide(client, group):
    proposal = ExclusionProposal.objects.get(group=group, state="proposed")
    staff(client, Role.AUDITOR)
    page = client.get(reverse("finance:delinquency_list")).content.decode()
    assert f'data-testid="proposal-{proposal.pk}"' in page
    assert f"proposal-dismiss-{proposal.pk}" not in page
    dismiss = reverse("finance:exclusion_dismiss", args=[proposal.pk])
    assert client.post(dismiss, {"justificativa": "Acordo"}).status_code == 403

    staff(client, Role.FINANCE)
    done = client.post(dismiss, {"justificativa": "Acordo de pagamento"}, follow=True)
    assert "descartada" in done.content.decode()
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decision_note) == ("dismissed", "Acordo de pagamento")


def test_sales_cannot_read_the_delinquency_list_nor_export_it(client, group):
    staff(client, Role.SALES)
    assert client.get(reverse("finance:delinquency_list")).status_code == 403
    assert client.get(reverse("finance:delinquency_export")).status_code == 403
