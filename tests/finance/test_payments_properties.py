"""Hypothesis over payments: any amount, date and fee keeps the books exact, and a reversal
takes everything back (DOMAIN.md A1, A4)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.finance.models import ALLOCATION_FIELDS, Charge, PriceDifference
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import payments
from tests.finance.billing_support import billing_group
from tests.finance.test_payments import DUE, make_charge, pay

D = Decimal
_ids = itertools.count()


@pytest.fixture
def charge(finance_user):
    """One charge every example pays and reverses (the examples share the test's transaction)."""
    return make_charge(billing_group(finance_user))


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cents=st.integers(min_value=1, max_value=500_000),
    fee_cents=st.integers(min_value=0, max_value=500),
    days=st.integers(min_value=-5, max_value=200),
)
def test_any_payment_posts_exact_parts_and_its_reversal_nets_to_zero(
    charge, cents, fee_cents, days
):
    amount = D(cents) / 100
    bank_fee = min(D(fee_cents) / 100, amount)
    paid_on = DUE + dt.timedelta(days=days)

    result = pay(
        charge, str(amount), settlement=f"H{next(_ids)}", paid_on=paid_on, bank_fee=bank_fee
    )

    payment = result.payment
    owed = sum((getattr(payment, name) for name in ALLOCATION_FIELDS), D(0))
    late = payments.late_charges_for(charge, paid_on)
    assert owed - payment.difference == amount
    assert owed == charge.amount + late.total
    assert payment.alloc_late_group + payment.alloc_late_admin == late.total
    assert payment.alloc_late_group >= payment.alloc_late_admin
    assert find_ledger_violations(group_id=charge.group_id) == []

    payments.reverse_payment(payment=payment, justification="Teste de estorno.")

    balances = ledger_selectors.account_balances(group_id=charge.group_id)
    assert set(balances.values()) <= {D("0.00")}
    assert sum(PriceDifference.objects.values_list("amount", flat=True), D(0)) == 0
    assert Charge.objects.get(pk=charge.pk).status == "open"
    assert find_ledger_violations(group_id=charge.group_id) == []
