"""Paying a winning bid's charge applies the bid (DOMAIN.md A8, Part B §4.2; issue 12).

The group is worked example 1's (R$ 100.000,00, 100 months, 15% fee, 2% reserve: 1.17% a
month), running since 12/01/2026; the bidder paid installments 1..10 (11.70%), so the balance
owed is 90 installments = 105.30% when it wins with 45% at the assembly of 10/11/2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.finance.models import (
    AccountKind,
    BankAgreement,
    Charge,
    InstallmentSchedule,
    LedgerTransaction,
    Payment,
    TransactionKind,
)
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.bids import remaining_balance, split_bid_fraction
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import awards, payments
from apps.finance.services.bid_amortization import (
    LAST_INSTALLMENTS,
    SPREAD,
    BidExceedsBalance,
    InstallmentShare,
    amortize,
)
from apps.finance.services.schedules import bill_reais, quota_schedule
from apps.groups.services.fractions import COMPONENTS, PlanTerms
from consorcio.models import OutboxEvent
from tests.finance.award_support import (
    component_totals,
    pay_charge,
    pay_first_installments,
    plan_of,
)
from tests.finance.delinquency_support import holder, running_group

pytestmark = pytest.mark.django_db
D = Decimal
K = AccountKind
C = D("100000.00")
ASSEMBLY = dt.date(2026, 11, 10)
PAID_ON = dt.date(2026, 11, 12)
DUE = dt.date(2026, 11, 13)
PLAN_TOTALS = {"common_fund": D(1), "reserve_fund": D("0.02"), "admin_fee": D("0.15")}


def bidder(finance_user, **rules):
    """A running group (rules overridden) and quota 1, which paid installments 1..10."""
    group = running_group(finance_user, rules=rules) if rules else running_group(finance_user)
    version = holder(group, 1)
    pay_first_installments(version, 10, dt.date(2026, 10, 13))
    return group, version


def win(version, fraction="0.45", ref="bid:1") -> Charge:
    charge_id = awards.issue_bid_charge(
        bid_ref=ref,
        quota_version_id=version.pk,
        fraction=D(fraction),
        credit_value=C,
        assembly_date=ASSEMBLY,
        due_date=DUE,
    )
    return Charge.objects.get(pk=charge_id)


def installment_reais(schedule: InstallmentSchedule) -> dict[int, Decimal]:
    """Each installment's bill at R$ 100.000,00 (A1), by number."""
    plan = plan_of(schedule)
    return {
        row.number: bill_reais(plan, {n: getattr(row, n) for n in COMPONENTS}, C).total
        for row in schedule.installments.all()
    }


def test_the_bid_charge_bills_the_cash_part_split_like_the_bid(finance_user):
    _, version = bidder(finance_user)

    charge = win(version)

    # §3.2: 45% = R$ 45.000,00 splits 1.00 : 0.15 : 0.02.
    assert (charge.kind, charge.amount, charge.status) == ("bid", D("45000.00"), "open")
    assert (charge.amount_common_fund, charge.amount_admin_fee, charge.amount_reserve_fund) == (
        D("38461.54"),
        D("5769.23"),
        D("769.23"),
    )
    assert charge.fraction_common_fund == D("0.3846153846")
    assert charge.reference == "bid:1"


def test_worked_example_reverse_order_pays_the_last_38_installments(finance_user):
    group, version = bidder(finance_user)
    charge = win(version)
    fund_before = ledger_selectors.account_balance(group_id=group.pk, kind=K.COMMON_FUND)

    result = pay_charge(charge, PAID_ON)

    assert result.created
    schedule = InstallmentSchedule.objects.get(quota_version=version)
    bills = installment_reais(schedule)
    status = dict(schedule.installments.values_list("number", "status"))
    # §4.2 (a): the last 38 are paid, the new last one (month 62) is 0.63% = R$ 630,00.
    assert all(status[n] == "paid" for n in range(63, 101))
    assert status[62] == "open"
    assert bills[62] == D("630.00")
    assert schedule.installments.get(number=62).total == D("0.0063")
    assert {bills[n] for n in range(11, 62)} == {D("1170.00")}
    # Each component of the schedule plus the bid still sums to the plan's total.
    totals = component_totals(schedule)
    for name, plan_total in PLAN_TOTALS.items():
        assert totals[name] + getattr(charge, f"fraction_{name}") == plan_total
    # The money: the fund got the common-fund part; nothing waits in bids received.
    balances = ledger_selectors.account_balances(group_id=group.pk)
    assert balances[K.COMMON_FUND] - fund_before == D("38461.54")
    assert balances[K.BIDS_RECEIVED] == 0
    paid = ledger_selectors.quota_paid_components(quota_version_id=version.pk)
    assert paid[K.COMMON_FUND].fraction == D("0.10") + D("0.3846153846")
    assert find_ledger_violations() == []


def test_paying_the_bid_publishes_bid_paid_in_the_same_transaction(finance_user):
    group, version = bidder(finance_user)
    charge = win(version)

    pay_charge(charge, PAID_ON)

    (event,) = OutboxEvent.objects.filter(type="finance.bid.paid")
    assert event.payload == {
        "bid_ref": "bid:1",
        "charge_id": charge.pk,
        "quota_id": version.quota_id,
        "quota_version_id": version.pk,
        "group_id": group.pk,
        "amount": "45000.00",
        "paid_on": "2026-11-12",
    }
    kinds = LedgerTransaction.objects.filter(group=group).values_list("kind", flat=True)
    assert sorted(kinds) == sorted(
        [TransactionKind.INSTALLMENT_PAYMENT, TransactionKind.BID_PAYMENT, "bid_application"]
    )


def test_worked_example_spread_makes_every_remaining_installment_670(finance_user):
    _, version = bidder(finance_user, bid_application="spread")
    charge = win(version)

    pay_charge(charge, PAID_ON)

    schedule = InstallmentSchedule.objects.get(quota_version=version)
    bills = installment_reais(schedule)
    # §4.2 (b): (105.30% - 45%) / 90 = 0.67%: R$ 670,00 a month, term kept.
    assert {bills[n] for n in range(11, 101)} == {D("670.00")}
    assert not schedule.installments.filter(number__gt=10, status="paid").exists()
    totals = component_totals(schedule)
    for name, plan_total in PLAN_TOTALS.items():
        assert totals[name] + getattr(charge, f"fraction_{name}") == plan_total
    assert find_ledger_violations() == []


def test_a_second_settlement_of_the_paid_bid_is_a_credit_and_applies_nothing(finance_user):
    group, version = bidder(finance_user)
    charge = win(version)
    pay_charge(charge, PAID_ON, settlement="BOLETO-1")
    schedule = InstallmentSchedule.objects.get(quota_version=version)
    before = component_totals(schedule)

    again = pay_charge(charge, PAID_ON, settlement="BOLETO-1")
    pix = pay_charge(charge, PAID_ON, settlement="PIX-1")

    assert not again.created
    assert pix.difference == D("-45000.00")  # a credit on the next bill
    applications = LedgerTransaction.objects.filter(group=group, kind="bid_application")
    assert applications.count() == 1
    assert component_totals(schedule) == before
    assert OutboxEvent.objects.filter(type="finance.bid.paid").count() == 1
    assert find_ledger_violations() == []


def test_the_bid_charge_gets_boleto_and_pix_codes_like_any_charge(finance_user):
    group, version = bidder(finance_user)
    BankAgreement.objects.create(
        group=group,
        bank_code="341",
        agency="0057",
        account="12345",
        account_digit="7",
        wallet="109",
        agreement_code="",
        beneficiary_name="Administradora Exemplo",
        beneficiary_document="12345678000195",
        pix_key="financeiro@administradora.example.com",
        first_nosso_numero=1000,
        last_nosso_numero=1999,
        next_nosso_numero=1000,
    )

    charge = win(version)

    assert charge.nosso_numero == "00001000"
    assert (len(charge.barcode), len(charge.digitable_line)) == (44, 47)
    assert charge.barcode[9:19] == "0004500000"  # R$ 45.000,00
    assert charge.pix_txid
    assert charge.pix_payload


def test_a_bid_paid_by_manual_entry_is_applied_the_same_way(finance_user):
    _, version = bidder(finance_user)
    charge = win(version)

    result = payments.record_manual_payment(
        charge=charge,
        amount=D("45000.00"),
        paid_on=PAID_ON,
        justification="comprovante de TED apresentado",
        actor=finance_user,
        reference="form-1",
    )

    assert result.created
    schedule = InstallmentSchedule.objects.get(quota_version=version)
    assert schedule.installments.filter(status="paid", number__gt=10).count() == 38
    assert OutboxEvent.objects.filter(type="finance.bid.paid").count() == 1
    assert find_ledger_violations() == []


def test_issuing_the_bid_charge_twice_returns_the_first_and_other_figures_are_refused(
    finance_user,
):
    _, version = bidder(finance_user)
    first = win(version)

    assert win(version).pk == first.pk
    with pytest.raises(awards.BidChargeConflict):
        win(version, fraction="0.40")
    assert Charge.objects.filter(kind="bid").count() == 1


def test_a_bid_above_the_balance_owed_is_refused_and_nothing_is_charged(finance_user):
    _, version = bidder(finance_user)
    assert remaining_balance(version.pk) == D("1.0530")  # 90 installments of 1.17%

    with pytest.raises(awards.BidExceedsBalance):
        win(version, fraction="1.0531")  # 105.30% is all that is left

    assert not Charge.objects.filter(kind="bid").exists()


def test_a_lapsed_bid_charge_is_cancelled_and_can_no_longer_be_paid(finance_user):
    _, version = bidder(finance_user)
    charge = win(version)

    awards.cancel_bid_charge(bid_ref="bid:1", reason="não pago em 3 dias úteis")
    awards.cancel_bid_charge(bid_ref="bid:1", reason="de novo")
    awards.cancel_bid_charge(bid_ref="bid:unknown", reason="nada")

    charge.refresh_from_db()
    assert charge.status == "cancelled"
    with pytest.raises(payments.ChargeCancelled):
        pay_charge(charge, PAID_ON)
    assert not Payment.objects.filter(charge=charge).exists()


def test_a_paid_bid_charge_is_not_cancelled_nor_its_payment_reversed(finance_user):
    _, version = bidder(finance_user)
    charge = win(version)
    result = pay_charge(charge, PAID_ON)

    with pytest.raises(awards.BidChargePaid):
        awards.cancel_bid_charge(bid_ref="bid:1", reason="tarde demais")
    with pytest.raises(payments.PaymentNotReversible):
        payments.reverse_payment(payment=result.payment, justification="teste")

    charge.refresh_from_db()
    assert charge.status == "paid"
    assert Payment.objects.filter(charge=charge).count() == 1


# --------------------------------------------------------------------------------------------
# Property: a bid never breaks a schedule's component totals (pure functions, no database)

plans = st.builds(
    PlanTerms,
    term_months=st.integers(min_value=2, max_value=120),
    admin_fee_total=st.decimals(min_value=D("0"), max_value=D("0.3"), places=4),
    reserve_fund=st.decimals(min_value=D("0"), max_value=D("0.05"), places=4),
    insurance=st.decimals(min_value=D("0"), max_value=D("0.03"), places=4),
)


@settings(max_examples=150, deadline=None)
@given(
    plan=plans,
    data=st.data(),
    method=st.sampled_from([LAST_INSTALLMENTS, SPREAD]),
)
def test_applying_a_random_bid_keeps_each_component_total_and_never_goes_negative(
    plan, data, method
):
    term = plan.term_months
    missed = data.draw(st.integers(min_value=0, max_value=term - 1), label="missed")
    rows = quota_schedule(plan, [dt.date(2026, 1, 1)] * term, missed=missed)
    billed = data.draw(st.integers(min_value=0, max_value=len(rows) - 1), label="billed")
    paid, remaining = rows[:billed], rows[billed:]
    shares = [InstallmentShare(r.number, r.as_dict()) for r in remaining]
    left = sum((r.total for r in remaining), D(0))
    units = data.draw(st.integers(min_value=1, max_value=int(left * 10**10)), label="bid")
    split = split_bid_fraction(plan, D(units).scaleb(-10))

    try:
        after = amortize(shares, split.fractions, method=method)
    except BidExceedsBalance:
        # Only a bid near the whole balance can exceed one component by rounding noise.
        assert left - split.fraction < D("1e-8")
        return

    expected = {
        "common_fund": D(1),
        "reserve_fund": plan.reserve_fund,
        "admin_fee": plan.admin_fee_total - plan.upfront_fee,
        "insurance": plan.insurance,
    }
    for name in COMPONENTS:
        before_paid = sum((getattr(r, name) for r in paid), D(0))
        now = sum((share.fractions[name] for share in after), D(0))
        assert before_paid + now + split.fractions[name] == expected[name]
        assert all(share.fractions[name] >= 0 for share in after)
    assert [share.number for share in after] == [r.number for r in remaining]
    if method == LAST_INSTALLMENTS:
        # Reverse order: untouched installments come first, paid-off ones last.
        touched = [i for i, (a, b) in enumerate(zip(after, shares, strict=True)) if a != b]
        assert touched == list(range(len(shares) - len(touched), len(shares)))
