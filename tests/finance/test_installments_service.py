"""Schedules created from sales, fee charges, cancellation and the annual adjustment (A1-A3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from apps.finance.models import Charge, Installment, InstallmentSchedule, PriceDifference
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services import installments
from apps.finance.services.installments import CreditAdjustmentInvalid
from apps.groups.services import calendar, transfers
from tests.finance.billing_support import (
    active_quota,
    billing_group,
    deliver_finance_events,
    sell,
)
from tests.members.factories import register

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_confirmed_sale_gets_its_100_installments_of_1_17_percent(finance_user):
    group = billing_group(finance_user)

    version = sell(group, finance_user, 1)

    schedule = InstallmentSchedule.objects.get(quota_version=version)
    rows = list(Installment.objects.filter(schedule=schedule).order_by("number"))
    assert [r.number for r in rows] == list(range(1, 101))
    assert {r.total for r in rows[:-1]} == {D("0.0117000000")}
    assert sum(r.common_fund for r in rows) == 1
    assert sum(r.admin_fee for r in rows) == D("0.15")
    assert sum(r.reserve_fund for r in rows) == D("0.02")
    # Due on the assembly day (10) of each month from the next one, moved to a business day.
    assert rows[0].due_date == calendar.assembly_dates(group, timezone.localdate(), 1)[0]
    assert all(calendar.is_business_day(r.due_date) for r in rows)
    assert (
        LogEntry.objects.filter(additional_data__action="finance.installments.scheduled").count()
        == 1
    )


def test_delivering_the_sale_again_creates_no_second_schedule(finance_user):
    group = billing_group(finance_user)
    version = active_quota(group, 1)

    again = installments.create_schedule(
        group_id=group.pk, quota_id=version.quota_id, version=version.version
    )

    assert InstallmentSchedule.objects.filter(quota_id=version.quota_id).count() == 1
    assert again.installments.count() == 100


def test_a_late_joiner_owes_the_missed_installments_spread_over_the_months_left(finance_user):
    group = billing_group(finance_user, constituted_months_ago=5)
    today = timezone.localdate()
    due = installments.group_due_dates(group, today)
    missed = sum(1 for d in due if d < today)

    version = active_quota(group, 3)

    schedule = InstallmentSchedule.objects.get(quota_version=version)
    rows = list(schedule.installments.order_by("number"))
    assert schedule.missed_installments == missed >= 4
    assert rows[0].number == missed + 1
    # The back amount (missed x 1.17%) is spread over the remaining months, to the 10th place.
    assert sum(r.catch_up for r in rows) == missed * D("0.0117")
    share = missed * D("0.0117") / (100 - missed)
    assert abs(rows[0].catch_up - share) < D("5E-10")
    assert sum(r.common_fund for r in rows) == 1
    assert sum(r.total for r in rows) == D("1.17")


def test_the_up_front_fee_becomes_a_charge_once(finance_user):
    group = billing_group(finance_user, rules={"admin_fee_upfront": D("0.01")})

    version = sell(group, finance_user, 1)

    (fee,) = Charge.objects.filter(quota_version=version)
    assert (fee.kind, fee.amount, fee.amount_fees, fee.status) == (
        "upfront_fee",
        D("1000.00"),
        D("1000.00"),
        "open",
    )
    assert fee.due_date == timezone.localdate()
    # The monthly fee falls to (15% - 1%) / 100 = 0.14%: 1.16% a month.
    first = InstallmentSchedule.objects.get(quota_version=version).installments.get(number=1)
    assert first.total == D("0.0116")
    assert deliver_finance_events() == 0


def test_a_transfer_fee_becomes_a_charge_of_the_new_holder(finance_user):
    group = billing_group(finance_user, rules={"transfer_fee": D("350.00")})
    sold = sell(group, finance_user, 1)
    buyer = register(actor=finance_user, name="Carlos")

    new = transfers.transfer_quota(actor=finance_user, version=sold, to_member=buyer)
    deliver_finance_events()

    (fee,) = Charge.objects.filter(quota_version=new)
    assert (fee.kind, fee.amount) == ("transfer_fee", D("350.00"))
    assert InstallmentSchedule.objects.filter(quota_id=sold.quota_id).count() == 1


def test_a_cancelled_sale_cancels_its_installments_and_open_charges(finance_user):
    group = billing_group(finance_user, rules={"admin_fee_upfront": D("0.01")})
    sold = sell(group, finance_user, 1)

    transfers.cancel_sale(actor=finance_user, version=sold, reason="Arrependimento")
    deliver_finance_events()

    schedule = InstallmentSchedule.objects.get(quota_version=sold)
    assert schedule.status == "cancelled"
    assert set(schedule.installments.values_list("status", flat=True)) == {"cancelled"}
    assert set(Charge.objects.filter(quota_version=sold).values_list("status", flat=True)) == {
        "cancelled"
    }


def test_an_adjustment_changes_the_credit_in_force_from_its_date(finance_user):
    group = billing_group(finance_user)
    day = dt.date(2027, 3, 10)

    adjustment = installments.record_credit_adjustment(
        group=group, variation=D("0.05"), effective_from=day, actor=finance_user
    )

    assert adjustment.value == D("105000.00")
    assert billing_selectors.credit_value_in_force(group, day) == D("105000.00")
    assert billing_selectors.credit_value_in_force(group, day - dt.timedelta(1)) == D("100000.00")
    with pytest.raises(CreditAdjustmentInvalid):
        installments.record_credit_adjustment(group=group, variation=D("0.01"), effective_from=day)
    assert PriceDifference.objects.count() == 0


def test_a_negative_index_does_not_reduce_the_credit_by_default(finance_user):
    group = billing_group(finance_user)

    adjustment = installments.record_credit_adjustment(
        group=group, variation=D("-0.03"), effective_from=dt.date(2027, 3, 10)
    )

    assert adjustment.value == D("100000.00")
