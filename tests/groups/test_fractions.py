"""The plan's installment fractions and their Reais, with DOMAIN.md's worked examples."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.groups.services.fractions import (
    COMPONENTS,
    PlanTerms,
    exact_monthly_terms,
    installment_fractions,
    installment_reais,
    paid_fraction,
    plan_total_fraction,
    remaining_fraction,
    schedule,
    upfront_fee_reais,
)
from consorcio.money import fraction_to_reais

D = Decimal


@pytest.mark.embedded
def test_a1_example_bills_925_split_so_the_components_add_up():
    plan = PlanTerms(term_months=60, admin_fee_total=D("0.10"), reserve_fund=D("0.01"))
    reais = installment_reais(plan, 1, D("50000.00"))
    assert reais["total"] == D("925.00")
    assert reais["common_fund"] == D("833.34")
    assert reais["admin_fee"] == D("83.33")
    assert reais["reserve_fund"] == D("8.33")
    assert reais["insurance"] == D("0.00")


def test_a1_example_stores_each_component_with_ten_places():
    plan = PlanTerms(term_months=60, admin_fee_total=D("0.10"), reserve_fund=D("0.01"))
    first = installment_fractions(plan, 1)
    assert first.common_fund == D("0.0166666667")
    assert first.admin_fee == D("0.0016666667")
    assert first.reserve_fund == D("0.0001666667")


def test_a1_last_installment_absorbs_the_residual_so_totals_are_exact():
    plan = PlanTerms(term_months=60, admin_fee_total=D("0.10"), reserve_fund=D("0.01"))
    last = installment_fractions(plan, 60)
    assert last.common_fund == D("1") - 59 * D("0.0166666667") == D("0.0166666647")
    rows = schedule(plan)
    assert sum(r.common_fund for r in rows) == D("1")
    assert sum(r.admin_fee for r in rows) == D("0.10")
    assert sum(r.reserve_fund for r in rows) == D("0.01")


def test_a2_worked_example_1_installment_is_1170_reais():
    plan = PlanTerms(term_months=100, admin_fee_total=D("0.15"), reserve_fund=D("0.02"))
    first = installment_fractions(plan, 1)
    assert (first.common_fund, first.admin_fee, first.reserve_fund) == (
        D("0.01"),
        D("0.0015"),
        D("0.0002"),
    )
    assert first.total == D("0.0117")
    reais = installment_reais(plan, 1, D("100000.00"))
    assert reais == {
        "common_fund": D("1000.00"),
        "reserve_fund": D("20.00"),
        "admin_fee": D("150.00"),
        "insurance": D("0.00"),
        "total": D("1170.00"),
    }
    assert plan_total_fraction(plan) == D("1.17")


def test_a2_up_front_fee_lowers_the_monthly_fee_and_is_charged_at_joining():
    plan = PlanTerms(
        term_months=100,
        admin_fee_total=D("0.15"),
        upfront_fee=D("0.01"),
        reserve_fund=D("0.02"),
    )
    assert installment_fractions(plan, 1).admin_fee == D("0.0014")
    first = installment_reais(plan, 1, D("100000.00"))
    assert first["total"] == D("1160.00")
    upfront = upfront_fee_reais(plan, D("100000.00"))
    assert upfront == D("1000.00")
    assert upfront + first["total"] == D("2160.00")


def test_a3_adjustment_keeps_percentages_and_revalues_reais():
    plan = PlanTerms(term_months=100, admin_fee_total=D("0.15"), reserve_fund=D("0.02"))
    assert paid_fraction(plan, 12) == D("0.1404")
    assert remaining_fraction(plan, 12) == D("1.0296")
    assert remaining_fraction(plan, 12) / 88 == D("0.0117")
    adjusted = D("100000.00") * D("1.05")
    assert installment_reais(plan, 13, adjusted)["total"] == D("1228.50")
    assert fraction_to_reais(remaining_fraction(plan, 12), adjusted) == D("108108.00")
    assert paid_fraction(plan, 12, "common_fund") == D("0.12")


def test_plans_with_an_up_front_fee_above_the_total_fee_are_refused():
    with pytest.raises(ValueError):
        PlanTerms(term_months=10, admin_fee_total=D("0.01"), upfront_fee=D("0.02"))


def test_installment_numbers_outside_the_term_are_refused():
    plan = PlanTerms(term_months=10, admin_fee_total=D("0.1"))
    for number in (0, 11):
        with pytest.raises(ValueError):
            installment_fractions(plan, number)


fraction_values = st.decimals(
    min_value=D("0"), max_value=D("0.5"), places=10, allow_nan=False, allow_infinity=False
)


@st.composite
def plans(draw):
    fee = draw(fraction_values)
    upfront = draw(st.decimals(min_value=D("0"), max_value=fee, places=10))
    return PlanTerms(
        term_months=draw(st.integers(min_value=1, max_value=240)),
        admin_fee_total=fee,
        upfront_fee=upfront,
        reserve_fund=draw(fraction_values),
        insurance=draw(fraction_values),
    )


@given(plans())
def test_each_component_sums_exactly_to_its_total_over_the_term(plan):
    rows = schedule(plan)
    assert sum(r.common_fund for r in rows) == 1
    assert sum(r.admin_fee for r in rows) == plan.admin_fee_total - plan.upfront_fee
    assert sum(r.reserve_fund for r in rows) == plan.reserve_fund
    assert sum(r.insurance for r in rows) == plan.insurance


@given(plans())
def test_every_installment_is_within_1e_10_of_its_exact_share_except_the_last(plan):
    exact = exact_monthly_terms(plan)
    for row in schedule(plan)[:-1]:
        for name in COMPONENTS:
            assert abs(Fraction(getattr(row, name)) - exact[name]) <= Fraction(1, 2 * 10**10)
    last = installment_fractions(plan, plan.term_months)
    for name in COMPONENTS:
        # The residual stays close: at most N half-units of the 10th place away.
        assert abs(Fraction(getattr(last, name)) - exact[name]) <= Fraction(
            plan.term_months, 2 * 10**10
        )


@given(plans(), st.decimals(min_value=D("1000"), max_value=D("5000000"), places=2))
def test_components_in_reais_always_add_up_to_the_bill_total(plan, credit):
    for number in {1, plan.term_months}:
        reais = installment_reais(plan, number, credit)
        assert sum(reais[name] for name in COMPONENTS) == reais["total"]
        p = installment_fractions(plan, number).total
        assert reais["total"] == fraction_to_reais(p, credit)
