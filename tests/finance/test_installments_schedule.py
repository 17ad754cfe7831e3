"""A quota's installment schedule (pure): DOMAIN.md worked examples, late joiners, adjustment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.schedules import (
    COMPONENTS,
    adjusted_credit_value,
    bill_reais,
    missed_installments,
    price_difference,
    quota_schedule,
    schedule_totals,
    sum_fractions,
)
from apps.groups.services.fractions import PlanTerms

D = Decimal
EXAMPLE_1 = PlanTerms(term_months=100, admin_fee_total=D("0.15"), reserve_fund=D("0.02"))


def _monthly(first: dt.date, count: int) -> list[dt.date]:
    dates = []
    year, month = first.year, first.month
    for _ in range(count):
        dates.append(dt.date(year, month, first.day))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates


def test_worked_example_1_every_installment_bills_1170_reais():
    rows = quota_schedule(EXAMPLE_1, _monthly(dt.date(2026, 1, 10), 100))

    first = rows[0]
    assert (first.number, first.total) == (1, D("0.0117000000"))
    reais = bill_reais(EXAMPLE_1, first.as_dict(), D("100000.00"))
    assert (reais.total, reais.common_fund, reais.admin_fee, reais.reserve_fund) == (
        D("1170.00"),
        D("1000.00"),
        D("150.00"),
        D("20.00"),
    )


def test_up_front_fee_variant_bills_1160_a_month_and_the_fee_apart():
    plan = PlanTerms(
        term_months=100,
        admin_fee_total=D("0.15"),
        upfront_fee=D("0.01"),
        reserve_fund=D("0.02"),
    )
    rows = quota_schedule(plan, _monthly(dt.date(2026, 1, 10), 100))

    assert bill_reais(plan, rows[0].as_dict(), D("100000.00")).total == D("1160.00")
    assert schedule_totals(plan, rows) == D("1.17")


def test_a1_rounding_example_components_add_up_to_925():
    plan = PlanTerms(term_months=60, admin_fee_total=D("0.10"), reserve_fund=D("0.01"))
    rows = quota_schedule(plan, _monthly(dt.date(2026, 1, 10), 60))

    reais = bill_reais(plan, rows[0].as_dict(), D("50000.00"))

    assert (reais.total, reais.common_fund, reais.admin_fee, reais.reserve_fund) == (
        D("925.00"),
        D("833.34"),
        D("83.33"),
        D("8.33"),
    )


def test_adjustment_example_new_installment_1228_50_and_balance_108108():
    rows = quota_schedule(EXAMPLE_1, _monthly(dt.date(2026, 1, 10), 100))
    credit = adjusted_credit_value(D("100000.00"), D("0.05"))

    unpaid = rows[12:]
    assert credit == D("105000.00")
    assert bill_reais(EXAMPLE_1, unpaid[0].as_dict(), credit).total == D("1228.50")
    balance = sum((r.total for r in unpaid), D(0))
    assert balance == D("1.0296")
    assert bill_reais(EXAMPLE_1, sum_fractions(unpaid), credit).total == D("108108.00")
    assert sum(r.common_fund for r in rows[:12]) == D("0.12")


def test_a_billed_installment_owes_the_difference_after_an_adjustment():
    assert price_difference(D("0.0117"), D("1170.00"), D("105000.00")) == D("58.50")


def test_a_negative_index_keeps_the_credit_unless_the_group_says_otherwise():
    assert adjusted_credit_value(D("100000.00"), D("-0.02")) == D("100000.00")
    assert adjusted_credit_value(D("100000.00"), D("-0.02"), negative_reduces_credit=True) == D(
        "98000.00"
    )


def test_a_late_joiner_spreads_the_missed_installments_over_the_months_left():
    due = _monthly(dt.date(2026, 1, 10), 100)
    missed = missed_installments(due, dt.date(2026, 11, 3))  # 10 due dates passed
    rows = quota_schedule(EXAMPLE_1, due, missed=missed)

    assert missed == 10
    assert [r.number for r in rows] == list(range(11, 101))
    assert rows[0].due_date == dt.date(2026, 11, 10)
    # 10 x 1.17% = 11.7% over 90 months = 0.13% more a month: 1.30% = R$ 1.300,00.
    assert rows[0].catch_up == D("0.0013000000")
    assert bill_reais(EXAMPLE_1, rows[0].as_dict(), D("100000.00")).total == D("1300.00")
    assert sum(r.common_fund for r in rows) == D("1")


def test_a_late_joiner_may_pay_the_back_amount_at_once_with_the_first_installment():
    due = _monthly(dt.date(2026, 1, 10), 100)
    rows = quota_schedule(EXAMPLE_1, due, missed=3, catch_up_installments=1)

    assert rows[0].total == D("0.0468")  # 4 installments of 1.17%
    assert rows[1].total == D("0.0117")
    assert all(r.catch_up == 0 for r in rows[1:])


def test_a_schedule_refuses_a_quota_that_missed_the_whole_term():
    with pytest.raises(ValueError, match=r"missed must be in 0\.\.99"):
        quota_schedule(EXAMPLE_1, _monthly(dt.date(2026, 1, 10), 100), missed=100)


plans = st.builds(
    PlanTerms,
    term_months=st.integers(1, 240),
    admin_fee_total=st.decimals("0", "0.3", places=4),
    reserve_fund=st.decimals("0", "0.05", places=4),
    insurance=st.decimals("0", "0.05", places=4),
)


@st.composite
def schedules(draw):
    plan = draw(plans)
    upfront = draw(st.decimals("0", str(plan.admin_fee_total), places=4))
    plan = PlanTerms(
        term_months=plan.term_months,
        admin_fee_total=plan.admin_fee_total,
        upfront_fee=upfront,
        reserve_fund=plan.reserve_fund,
        insurance=plan.insurance,
    )
    missed = draw(st.integers(0, plan.term_months - 1))
    spread = draw(st.none() | st.integers(1, plan.term_months - missed))
    return plan, missed, spread


@given(schedules())
def test_every_component_sums_exactly_to_its_plan_total_whenever_the_quota_joined(case):
    plan, missed, spread = case
    rows = quota_schedule(
        plan,
        _monthly(dt.date(2026, 1, 10), plan.term_months),
        missed=missed,
        catch_up_installments=spread,
    )

    totals = sum_fractions(rows)
    assert totals["common_fund"] == 1
    assert totals["admin_fee"] == plan.admin_fee_total - plan.upfront_fee
    assert totals["reserve_fund"] == plan.reserve_fund
    assert totals["insurance"] == plan.insurance
    assert schedule_totals(plan, rows) == (
        1 + plan.admin_fee_total + plan.reserve_fund + plan.insurance
    )
    assert all(r.total >= 0 and r.total == r.total.quantize(D("1E-10")) for r in rows)


@given(
    schedules(),
    st.decimals("1000", "2000000", places=2),
    st.integers(1, 6),
)
def test_a_bill_s_components_in_reais_always_sum_to_its_total(case, credit, covered):
    plan, missed, spread = case
    rows = quota_schedule(
        plan,
        _monthly(dt.date(2026, 1, 10), plan.term_months),
        missed=missed,
        catch_up_installments=spread,
    )

    fractions = sum_fractions(rows[:covered])
    reais = bill_reais(plan, fractions, credit)

    parts = [getattr(reais, name) for name in COMPONENTS]
    assert sum(parts) == reais.total
    assert reais.total == (sum(fractions.values()) * credit).quantize(D("0.01"), "ROUND_HALF_UP")
    assert all(part >= 0 for part in parts)
