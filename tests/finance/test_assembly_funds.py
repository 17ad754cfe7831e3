"""The money an assembly may award, read from the ledger (DOMAIN.md A7, Part B §3.2).

DOMAIN.md §3.2's worked example, on worked example 1's group (C = R$ 100.000,00, common fund
1% = R$ 1.000,00 a quota a month) at its assembly of Tuesday 10/11/2026 (cut-off 09/11; the
previous assembly was Tuesday 13/10, cut-off 12/10): R$ 12.000,00 carried over, 190 members
paid on time (R$ 190.000,00), yield R$ 800,00: R$ 202.800,00. The draw takes R$ 100.000,00,
the excluded quota's refund (15% amortized) R$ 15.000,00, the 45% bid brings its common-fund
part R$ 38.461,54 and takes the credit: R$ 26.261,54 carries over.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.finance.models import AccountKind, Charge, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.assembly_funds import assembly_funds
from apps.finance.selectors.bids import (
    bid_common_fund_share,
    bid_split,
    installment_fraction,
)
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.selectors.refunds import refund_quote
from apps.finance.services import awards, ledger, yields
from apps.groups.models import Quota
from apps.groups.services import quotas
from tests.finance.award_support import pay_charge, pay_first_installments
from tests.finance.delinquency_support import holder, running_group

pytestmark = pytest.mark.django_db
D = Decimal
K = AccountKind
C = D("100000.00")
ASSEMBLY = dt.date(2026, 11, 10)
NEXT_ASSEMBLY = dt.date(2026, 12, 10)


def _installments_received(group, count: int, on: dt.date) -> None:
    """``count`` members' installments of R$ 1.170,00 credited on ``on`` (a bank file)."""
    ledger.post_transactions(
        [
            ledger.Posting(
                group_id=group.pk,
                kind=TransactionKind.INSTALLMENT_PAYMENT,
                lines=[
                    ledger.debit(K.BANK, D("1170.00")),
                    ledger.credit(K.COMMON_FUND, D("1000.00")),
                    ledger.credit(K.ADMINISTRATION_FEE, D("150.00")),
                    ledger.credit(K.RESERVE_FUND, D("20.00")),
                ],
                idempotency_key=f"payment:file-{on}-{n}",
                effective_date=on,
            )
            for n in range(count)
        ]
    )


@pytest.fixture
def worked_example(finance_user):
    """The group at its assembly of 10/11/2026 as §3.2 tells it (see the module doc)."""
    group = running_group(finance_user)
    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        lines=[ledger.debit(K.BANK, D("97000.00")), ledger.credit(K.COMMON_FUND, D("97000.00"))],
        idempotency_key="opening",
        effective_date=dt.date(2026, 9, 1),
    )
    # The yield of the period, all to the common fund (the reserve was empty then).
    yields.post_yield(
        group_id=group.pk, amount=D("800.00"), effective_date=dt.date(2026, 10, 30), reference="10"
    )
    excluded = holder(group, 2)
    pay_first_installments(excluded, 15, dt.date(2026, 9, 2))  # 15% of the common fund
    earlier = holder(group, 3)
    awards.post_award(
        award_ref="award:september",
        quota_version_id=earlier.pk,
        credit_value=C,
        embedded_fraction=D(0),
        assembly_date=dt.date(2026, 9, 10),
    )
    _installments_received(group, 190, dt.date(2026, 11, 5))
    quotas.exclude_quota(quota=Quota.objects.get(group=group, number=2), reason="inadimplência")
    return group, excluded


def test_worked_example_money_available_for_the_assembly(worked_example):
    group, _ = worked_example

    funds = assembly_funds(group, ASSEMBLY)

    assert (funds.cutoff, funds.credit_value) == (dt.date(2026, 11, 9), C)
    assert funds.common_fund == D("202800.00")
    assert (funds.reserve_usable, funds.available) == (D("0.00"), D("202800.00"))
    assert funds.lines == (
        ("Saldo do fundo comum transportado (até 12/10/2026)", D("12000.00")),
        ("Parcelas recebidas (fundo comum)", D("190000.00")),
        ("Rendimentos de aplicação", D("800.00")),
    )
    assert sum(amount for _, amount in funds.lines) == funds.available


def test_worked_example_awards_leave_26261_54_to_carry_over(worked_example, finance_user):
    group, excluded = worked_example
    draw_winner, bidder = holder(group, 4), holder(group, 5)

    awards.post_award(
        award_ref="award:draw",
        quota_version_id=draw_winner.pk,
        credit_value=C,
        embedded_fraction=D(0),
        assembly_date=ASSEMBLY,
    )
    assert refund_quote(excluded.pk, ASSEMBLY).amount == D("15000.00")
    awards.post_refund(refund_ref="refund:1", quota_version_id=excluded.pk, assembly_date=ASSEMBLY)
    charge_id = awards.issue_bid_charge(
        bid_ref="bid:45",
        quota_version_id=bidder.pk,
        fraction=D("0.45"),
        credit_value=C,
        assembly_date=ASSEMBLY,
        due_date=dt.date(2026, 11, 13),
    )
    pay_charge(Charge.objects.get(pk=charge_id), dt.date(2026, 11, 12))
    awards.post_award(
        award_ref="award:bid",
        quota_version_id=bidder.pk,
        credit_value=C,
        embedded_fraction=D(0),
        assembly_date=ASSEMBLY,
    )

    balance = ledger_selectors.account_balance(group_id=group.pk, kind=K.COMMON_FUND)
    assert balance == D("26261.54")
    # This assembly's own figure does not move; the next one starts from the carry-over.
    assert assembly_funds(group, ASSEMBLY).available == D("202800.00")
    assert assembly_funds(group, NEXT_ASSEMBLY).lines[0] == (
        "Saldo do fundo comum transportado (até 09/11/2026)",
        D("202800.00"),
    )
    assert assembly_funds(group, NEXT_ASSEMBLY).common_fund == D("26261.54")
    assert find_ledger_violations() == []


def test_installments_credited_after_the_cutoff_count_for_the_next_assembly(finance_user):
    group = running_group(finance_user)
    _installments_received(group, 2, dt.date(2026, 11, 9))  # the cut-off itself
    _installments_received(group, 3, dt.date(2026, 11, 10))  # the assembly day

    assert assembly_funds(group, ASSEMBLY).common_fund == D("2000.00")
    assert assembly_funds(group, NEXT_ASSEMBLY).common_fund == D("5000.00")


def test_late_charges_of_the_group_count_and_the_reserve_only_covers_the_planned_draw(
    finance_user,
):
    group = running_group(finance_user)
    _installments_received(group, 90, dt.date(2026, 11, 2))  # fund 90.000, reserve 1.800
    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.LATE_CHARGES,
        lines=[
            ledger.debit(K.BANK, D("500.00")),
            ledger.credit(K.LATE_CHARGES_GROUP, D("250.00")),
            ledger.credit(K.LATE_CHARGES_ADMINISTRADORA, D("250.00")),
        ],
        idempotency_key="late",
        effective_date=dt.date(2026, 11, 3),
    )

    funds = assembly_funds(group, ASSEMBLY)

    # 90.000 + 250 leaves 9.750 short of the planned draw: the reserve's 1.800 cover part.
    assert (funds.common_fund, funds.late_charges) == (D("90000.00"), D("250.00"))
    assert (funds.reserve_balance, funds.reserve_usable) == (D("1800.00"), D("1800.00"))
    assert funds.available == D("92050.00")
    assert funds.lines[-2:] == (
        ("Encargos de atraso (parte do grupo)", D("250.00")),
        ("Fundo de reserva para os sorteios previstos", D("1800.00")),
    )


def test_bids_convert_with_the_plan_installment_fraction(finance_user):
    group = running_group(finance_user)

    p = installment_fraction(group, ASSEMBLY)
    split = bid_split(group, D("0.45"), ASSEMBLY, C)

    assert p == D("0.0117")
    assert 38 * p == D("0.4446")  # §4.1: 38 installments of 1.17% = 44.46%
    assert bid_common_fund_share(group, D("0.45"), ASSEMBLY) == D("0.3846153846")
    assert split.reais == {
        "common_fund": D("38461.54"),
        "reserve_fund": D("769.23"),
        "admin_fee": D("5769.23"),
        "insurance": D("0.00"),
    }
    assert split.amount == D("45000.00")
