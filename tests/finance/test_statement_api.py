"""The read API of a quota version: installments, charges (boleto/PIX codes) and statement."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.accounts.services import roles
from tests.accounts.factories import UserFactory
from tests.finance.delinquency_support import DUE, bill, holder, pay, running_group

pytestmark = pytest.mark.django_db


def api_as(role: Role) -> APIClient:
    client = APIClient()
    client.force_authenticate(roles.assign_roles(user=UserFactory(), roles=[role]))
    return client


@pytest.fixture
def paid(finance_user, django_capture_on_commit_callbacks):
    """Worked example 1: January billed (R$ 1.170,00) and paid on time."""
    group = running_group(finance_user)
    version = holder(group, 1, actor=finance_user)
    charges = bill(group, 1, django_capture_on_commit_callbacks)
    pay(charges[1], DUE[1])
    return version, charges[1]


def test_installments_list_the_schedule_with_fractions_and_status(paid):
    version, _charge = paid

    rows = api_as(Role.OPERATIONS).get(f"/api/v1/quota-versions/{version.pk}/installments/").json()

    assert len(rows) == 100
    assert rows[0]["number"] == 1
    assert rows[0]["due_date"] == "2026-01-12"
    assert rows[0]["common_fund"] == "0.0100000000"
    assert rows[0]["status"] == "paid"
    assert rows[1]["status"] == "open"


def test_charges_carry_amounts_status_and_the_boleto_and_pix_fields(paid):
    version, charge = paid

    (row,) = api_as(Role.CREDIT).get(f"/api/v1/quota-versions/{version.pk}/charges/").json()

    assert (row["id"], row["amount"], row["status"]) == (charge.pk, "1170.00", "paid")
    assert row["amount_common_fund"] == "1000.00"
    charge.refresh_from_db()
    assert row["digitable_line"] == charge.digitable_line
    assert row["pix_payload"] == charge.pix_payload
    assert row["nosso_numero"] == charge.nosso_numero


def test_the_statement_gives_paid_and_owed_per_component(paid):
    version, _charge = paid

    body = api_as(Role.FINANCE).get(f"/api/v1/quota-versions/{version.pk}/statement/").json()

    assert (body["paid_amount"], body["owed_amount"]) == ("1170.00", "115830.00")
    assert body["payments_amount"] == "1170.00"
    common = next(c for c in body["components"] if c["kind"] == "common_fund")
    assert (common["paid_amount"], common["owed_amount"]) == ("1000.00", "99000.00")
    assert len(body["charges"]) == 1


def test_sales_is_refused_and_an_unknown_quota_is_not_found(paid):
    version, _charge = paid

    refused = api_as(Role.SALES).get(f"/api/v1/quota-versions/{version.pk}/statement/")
    missing = api_as(Role.FINANCE).get("/api/v1/quota-versions/999999/charges/")
    anonymous = APIClient().get(f"/api/v1/quota-versions/{version.pk}/installments/")

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert (missing.status_code, missing.json()["code"]) == (404, "quota_not_found")
    assert anonymous.status_code == 401
