"""Staff pages of the finance read side: a quota's statement (extrato) and the payments list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.accounts.services import roles
from tests.accounts.factories import UserFactory
from tests.finance.delinquency_support import DUE, bill, holder, pay, running_group

pytestmark = pytest.mark.django_db


def staff(client, role: Role):
    user = roles.assign_roles(user=UserFactory(), roles=[role])
    client.force_login(user)
    return user


@pytest.fixture
def paid_quota(finance_user, django_capture_on_commit_callbacks):
    """Quota 1 of worked example 1's group: January billed (R$ 1.170,00) and paid on time;
    quota 2 billed and unpaid."""
    group = running_group(finance_user)
    first = holder(group, 1, actor=finance_user)
    holder(group, 2, actor=finance_user)
    charges = bill(group, 1, django_capture_on_commit_callbacks)
    pay(charges[1], DUE[1])
    return group, first, charges


def test_the_statement_shows_installments_charges_payments_and_the_balance(client, paid_quota):
    group, version, charges = paid_quota
    staff(client, Role.FINANCE)

    page = client.get(reverse("finance:statement", args=[version.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert f"Extrato da cota 1 · grupo {group.code}" in html
    assert "12/01/2026" in html  # installment 1's due date
    assert "R$ 1.170,00" in html  # the charge, and the payment
    assert "Paga" in html
    summary = page.context["statement"]
    assert str(summary.paid_amount) == "1170.00"
    # Paid 1% fund + 0.02% reserve + 0.15% fee = 1.17% of R$ 100.000,00; owed 117% - 1.17%.
    assert 'data-testid="paid-percent">1,1700%' in html
    assert 'data-testid="owed-percent">115,8300%' in html
    assert 'data-testid="balance">R$ 115.830,00' in html
    assert 'data-testid="payments-total">R$ 1.170,00' in html
    assert f"S{charges[1].pk}-20260112" in html


def test_operations_sees_the_statement_without_payments_and_sales_is_refused(client, paid_quota):
    _group, version, _charges = paid_quota
    url = reverse("finance:statement", args=[version.pk])

    staff(client, Role.OPERATIONS)
    page = client.get(url)
    assert page.status_code == 200
    assert "Cobranças" in page.content.decode()
    assert "Total recebido" not in page.content.decode()

    staff(client, Role.SALES)
    assert client.get(url).status_code == 403


def test_payments_list_filters_by_source_date_and_searches_the_settlement(client, paid_quota):
    _group, _version, charges = paid_quota
    staff(client, Role.FINANCE)
    url = reverse("finance:payment_list")
    settlement = f"S{charges[1].pk}-20260112"

    page = client.get(url).content.decode()
    assert settlement in page
    assert "R$ 1.170,00" in page
    assert "12/01/2026" in page

    assert settlement not in client.get(url, {"origem": "manual"}).content.decode()
    assert settlement in client.get(url, {"origem": "bank_file"}).content.decode()
    assert settlement in client.get(url, {"q": settlement[-8:]}).content.decode()
    assert settlement not in client.get(url, {"q": "nada-disso"}).content.decode()
    after = (DUE[1] + dt.timedelta(days=1)).isoformat()
    assert settlement not in client.get(url, {"de": after}).content.decode()
    assert settlement in client.get(url, {"ate": "12/01/2026"}).content.decode()


def test_payments_list_is_refused_to_operations(client):
    staff(client, Role.OPERATIONS)
    assert client.get(reverse("finance:payment_list")).status_code == 403


def test_fund_balances_chart_and_table_show_each_groups_funds(client, paid_quota):
    group, _version, _charges = paid_quota
    staff(client, Role.AUDITOR)

    page = client.get(reverse("finance:fund_balances")).content.decode()

    assert 'data-testid="chart-fundos-por-grupo"' in page
    assert "R$ 1.020,00" in page  # the bar's label: R$ 1.000,00 common + R$ 20,00 reserve
    row = page[page.index(f'data-testid="fund-group-{group.pk}"') :].split("</tr>")[0]
    assert "R$ 1.000,00" in row
    assert "R$ 20,00" in row
    assert "R$ 150,00" in row  # administration fee earned


def test_fund_balances_are_refused_to_operations(client):
    staff(client, Role.OPERATIONS)
    assert client.get(reverse("finance:fund_balances")).status_code == 403


def test_a_members_quota_list_links_to_the_statement_for_who_may_read_it(client, paid_quota):
    _group, version, _charges = paid_quota
    url = reverse("groups:member_quotas", args=[version.member_id])
    statement = reverse("finance:statement", args=[version.pk])

    staff(client, Role.OPERATIONS)
    assert statement in client.get(url).content.decode()
    staff(client, Role.SALES)
    assert statement not in client.get(url).content.decode()
