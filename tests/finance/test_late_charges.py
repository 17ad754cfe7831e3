"""DOMAIN.md A4 late charges: worked example 2, the moved due date, rounding and the split."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.late_charges import (
    LateChargeRules,
    compute_late_charges,
    days_late,
    effective_due_date,
)

D = Decimal
DUE = dt.date(2026, 3, 10)  # a Tuesday


def test_worked_example_2_fifteen_days_late_costs_23_40_fine_and_5_85_interest():
    late = compute_late_charges(base=D("1170.00"), due_date=DUE, paid_on=dt.date(2026, 3, 25))

    assert (late.days, late.fine, late.interest) == (15, D("23.40"), D("5.85"))
    assert D("1170.00") + late.total == D("1199.25")
    assert (late.group, late.administradora) == (D("14.63"), D("14.62"))


def test_after_an_adjustment_the_charges_apply_to_the_updated_installment():
    late = compute_late_charges(base=D("1228.50"), due_date=DUE, paid_on=dt.date(2026, 3, 25))

    assert (late.fine, late.interest) == (D("24.57"), D("6.14"))


def test_paying_on_the_due_date_costs_nothing_and_one_day_late_costs_the_whole_fine():
    on_time = compute_late_charges(base=D("1170.00"), due_date=DUE, paid_on=DUE)
    one_day = compute_late_charges(base=D("1170.00"), due_date=DUE, paid_on=DUE.replace(day=11))

    assert (on_time.days, on_time.total) == (0, D("0.00"))
    assert (one_day.days, one_day.fine, one_day.interest) == (1, D("23.40"), D("0.39"))


def test_a_due_date_on_a_weekend_or_holiday_moves_to_the_next_business_day():
    saturday = dt.date(2026, 3, 14)
    tiradentes = dt.date(2026, 4, 21)  # national holiday, a Tuesday

    assert effective_due_date(saturday) == dt.date(2026, 3, 16)
    assert days_late(saturday, dt.date(2026, 3, 16)) == 0
    assert days_late(saturday, dt.date(2026, 3, 17)) == 1
    assert effective_due_date(tiradentes) == dt.date(2026, 4, 22)
    assert (
        compute_late_charges(base=D("100.00"), due_date=tiradentes, paid_on=tiradentes).total == 0
    )


def test_the_groups_share_follows_its_rules_and_may_not_fall_below_half():
    rules = LateChargeRules(group_share=D("0.7"))
    late = compute_late_charges(
        base=D("1170.00"), due_date=DUE, paid_on=dt.date(2026, 3, 25), rules=rules
    )
    assert (late.group, late.administradora) == (D("20.48"), D("8.77"))

    with pytest.raises(ValueError, match="50%"):
        LateChargeRules(group_share=D("0.49"))
    with pytest.raises(ValueError, match="2%"):
        LateChargeRules(fine=D("0.03"))


@given(
    cents=st.integers(min_value=0, max_value=10**11),
    days=st.integers(min_value=-40, max_value=4000),
    fine=st.sampled_from([D("0"), D("0.01"), D("0.02")]),
    interest=st.sampled_from([D("0"), D("0.01"), D("0.0125"), D("0.1")]),
    share=st.sampled_from([D("0.5"), D("0.5555555555"), D("0.7"), D("1")]),
)
def test_parts_sum_exactly_and_the_group_never_gets_less_than_its_share(
    cents, days, fine, interest, share
):
    base = D(cents) / 100
    paid_on = DUE + dt.timedelta(days=days)
    rules = LateChargeRules(fine=fine, monthly_interest=interest, group_share=share)
    late = compute_late_charges(base=base, due_date=DUE, paid_on=paid_on, rules=rules)

    assert late.group + late.administradora == late.fine + late.interest == late.total
    assert late.group >= late.total * share
    assert late.group - late.total * share < D("0.01")
    for value in (late.fine, late.interest, late.group, late.administradora):
        assert value == value.quantize(D("0.01"))
        assert value >= 0
    assert late.days == max(0, days)
    if late.days:
        assert abs(late.fine - base * fine) <= D("0.005")
        assert abs(late.interest - base * interest * late.days / 30) <= D("0.005")
    else:
        assert late.total == 0
