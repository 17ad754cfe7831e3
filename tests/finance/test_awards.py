"""Award, embedded-bid and refund postings (issue 12; DOMAIN.md A7, A8, A10, Part B §4.2, §7).

Worked example 1's group (C = R$ 100.000,00, 100 months, 15% fee, 2% reserve), running since
12/01/2026; its assembly of 10/11/2026 awards.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from apps.finance.models import AccountKind, InstallmentSchedule, LedgerTransaction, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.selectors.refunds import refund_quote
from apps.finance.services import awards, installments, ledger
from apps.groups.models import Quota
from apps.groups.services import quotas
from consorcio.errors import DomainError
from consorcio.locks import LockError
from tests.accounts.factories import UserFactory
from tests.finance.award_support import component_totals, pay_first_installments
from tests.finance.delinquency_support import holder, running_group

pytestmark = pytest.mark.django_db
D = Decimal
K = AccountKind
C = D("100000.00")
ASSEMBLY = dt.date(2026, 11, 10)


def fund(group, amount: str, key: str = "opening") -> None:
    """Money in the group's common fund (an opening balance)."""
    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        lines=[ledger.debit(K.BANK, D(amount)), ledger.credit(K.COMMON_FUND, D(amount))],
        idempotency_key=key,
        effective_date=dt.date(2026, 10, 1),
    )


def balances(group) -> dict[str, Decimal]:
    return {k: v for k, v in ledger_selectors.account_balances(group_id=group.pk).items() if v}


def award(version, ref="award:1", embedded="0", **kwargs) -> int:
    return awards.post_award(
        award_ref=ref,
        quota_version_id=version.pk,
        credit_value=C,
        embedded_fraction=D(embedded),
        assembly_date=ASSEMBLY,
        **kwargs,
    )


@pytest.fixture
def group(finance_user):
    return running_group(finance_user)


def test_an_award_moves_the_credit_from_the_common_fund_to_credit_payable(group):
    fund(group, "150000.00")
    winner = holder(group, 1)

    transaction_id = award(winner)

    assert balances(group) == {
        K.BANK: D("150000.00"),
        K.COMMON_FUND: D("50000.00"),
        K.CREDIT_PAYABLE: D("100000.00"),
    }
    txn = LedgerTransaction.objects.get(pk=transaction_id)
    assert (txn.kind, txn.effective_date) == (TransactionKind.CREDIT_AWARD, ASSEMBLY)
    assert find_ledger_violations() == []


def test_posting_an_award_twice_posts_it_once(group):
    fund(group, "150000.00")
    winner = holder(group, 1)

    first = award(winner)
    second = award(winner)

    assert first == second
    assert LedgerTransaction.objects.filter(kind=TransactionKind.CREDIT_AWARD).count() == 1
    assert balances(group)[K.COMMON_FUND] == D("50000.00")


def test_an_award_the_fund_cannot_pay_is_refused_and_changes_nothing(group):
    fund(group, "99999.99")
    winner = holder(group, 1)
    before = (balances(group), LedgerTransaction.objects.count())

    with pytest.raises(awards.AssemblyFundsInsufficient) as refused:
        award(winner)

    assert refused.value.code == "assembly_funds_insufficient"
    assert (balances(group), LedgerTransaction.objects.count()) == before
    assert find_ledger_violations() == []


def test_the_reserve_covers_a_planned_draw_only_when_allowed(group):
    fund(group, "99000.00")
    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        lines=[ledger.debit(K.BANK, D("5000.00")), ledger.credit(K.RESERVE_FUND, D("5000.00"))],
        idempotency_key="reserve",
        effective_date=dt.date(2026, 10, 1),
    )
    winner = holder(group, 1)

    with pytest.raises(awards.AssemblyFundsInsufficient):
        award(winner, ref="award:bid")  # a bid award never uses the reserve
    award(winner, ref="award:draw", allow_reserve=True)

    assert balances(group)[K.RESERVE_FUND] == D("4000.00")
    assert K.COMMON_FUND not in balances(group)
    assert find_ledger_violations() == []


def test_a_version_holds_one_posted_award_until_it_is_reversed(group):
    fund(group, "250000.00")
    winner = holder(group, 1)
    award(winner, ref="award:1")

    with pytest.raises(awards.AwardAlreadyPosted):
        award(winner, ref="award:2")

    reversal = awards.reverse_award(award_ref="award:1", reason="assembleia anulada")
    assert awards.reverse_award(award_ref="award:1", reason="de novo") == reversal
    assert awards.reverse_award(award_ref="award:never", reason="nada") is None
    assert balances(group)[K.COMMON_FUND] == D("250000.00")
    award(winner, ref="award:2")
    assert balances(group)[K.COMMON_FUND] == D("150000.00")
    assert find_ledger_violations() == []


def test_an_embedded_bid_releases_the_credit_less_the_bid_and_amortizes_the_quota(group):
    fund(group, "100000.00")
    winner = holder(group, 1)
    schedule = InstallmentSchedule.objects.get(quota_version=winner)

    for _ in range(2):  # idempotent, both
        awards.apply_embedded_bid(
            bid_ref="bid:7",
            quota_version_id=winner.pk,
            fraction=D("0.30"),
            credit_value=C,
            assembly_date=ASSEMBLY,
        )
        award(winner, embedded="0.30")

    kinds = list(LedgerTransaction.objects.values_list("kind", flat=True))
    assert sorted(kinds) == ["bid_application", "credit_award", "opening_balance"]
    # §4.2: an embedded 30% bid releases R$ 70.000,00 and cuts the balance by 30% of C; the
    # fund spends C - fcpart(30%) = 100.000,00 - 25.641,03 (A7).
    money = balances(group)
    assert money[K.CREDIT_PAYABLE] == D("70000.00")
    assert money[K.COMMON_FUND] == D("100000.00") - (C - D("25641.03"))
    assert (money[K.ADMINISTRATION_FEE], money[K.RESERVE_FUND]) == (D("3846.15"), D("512.82"))
    totals = component_totals(schedule)
    assert totals["common_fund"] == D(1) - D("0.2564102564")
    assert schedule.installments.filter(status="paid").count() == 25  # 30% / 1.17% = 25.6
    assert find_ledger_violations() == []


def test_an_embedded_bid_and_its_award_fit_in_either_order(group):
    fund(group, "74358.97")  # exactly C - fcpart(30%)
    winner = holder(group, 1)

    award(winner, embedded="0.30")
    awards.apply_embedded_bid(
        bid_ref="bid:7",
        quota_version_id=winner.pk,
        fraction=D("0.30"),
        credit_value=C,
        assembly_date=ASSEMBLY,
    )

    assert K.COMMON_FUND not in balances(group)
    assert find_ledger_violations() == []


def _excluded_with_twenty_percent(group):
    version = holder(group, 1)
    pay_first_installments(version, 20, dt.date(2026, 9, 2))  # 20% of the common fund
    quotas.exclude_quota(quota=Quota.objects.get(group=group, number=1), reason="inadimplência")
    installments.record_credit_adjustment(
        group=group, variation=D("0.05"), effective_from=dt.date(2026, 11, 1)
    )
    return version


def test_refund_example_of_domain_7_at_the_default_penalty(group):
    version = _excluded_with_twenty_percent(group)

    quote = refund_quote(version.pk, ASSEMBLY)

    # §7: 20% x R$ 105.000,00 = R$ 21.000,00 (penalty 0%, A10's default).
    assert (quote.common_fund_fraction, quote.credit_value) == (D("0.2"), D("105000.00"))
    assert (quote.gross, quote.penalty, quote.amount) == (
        D("21000.00"),
        D("0.00"),
        D("21000.00"),
    )
    assert quote.total_payable == D("21000.00")  # no up-front fee in this plan


def test_refund_example_with_magalu_penalty_and_its_posting(finance_user):
    group = running_group(finance_user, rules={"refund_penalty": D("0.15")})
    version = _excluded_with_twenty_percent(group)
    fund(group, "5000.00")  # 20.000,00 from its installments + 5.000,00

    quote = refund_quote(version.pk, ASSEMBLY)
    first = awards.post_refund(
        refund_ref="refund:1", quota_version_id=version.pk, assembly_date=ASSEMBLY
    )
    second = awards.post_refund(
        refund_ref="refund:1", quota_version_id=version.pk, assembly_date=ASSEMBLY
    )

    assert (quote.penalty, quote.amount) == (D("3150.00"), D("17850.00"))  # §7: R$ 17.850,00
    assert first == second
    money = balances(group)
    assert money[K.REFUNDS_PAYABLE] == D("17850.00")
    assert money[K.COMMON_FUND] == D("25000.00") - D("17850.00")
    paid = ledger_selectors.quota_paid_components(quota_version_id=version.pk)
    assert paid[K.COMMON_FUND].fraction == 0  # its right left the fund with the refund
    with pytest.raises(awards.RefundNotApplicable):
        awards.post_refund(
            refund_ref="refund:2", quota_version_id=version.pk, assembly_date=ASSEMBLY
        )
    assert find_ledger_violations() == []


def test_an_active_quota_is_not_refunded(group):
    fund(group, "50000.00")
    version = holder(group, 1)

    with pytest.raises(awards.RefundNotApplicable):
        awards.post_refund(
            refund_ref="refund:1", quota_version_id=version.pk, assembly_date=ASSEMBLY
        )

    assert not LedgerTransaction.objects.filter(kind=TransactionKind.REFUND).exists()


def test_the_up_front_fee_above_pro_rata_is_refunded_from_the_fee_account(group):
    version = _excluded_with_twenty_percent(group)
    fund(group, "5000.00")
    # The up-front fee the holder paid at joining (what its fee charge posts).
    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.UP_FRONT_FEE,
        lines=[
            ledger.debit(K.BANK, D("1000.00")),
            ledger.credit(K.UP_FRONT_FEE, D("1000.00"), quota_version_id=version.pk),
        ],
        idempotency_key="upfront",
        effective_date=dt.date(2026, 1, 5),
    )
    version.refresh_from_db()
    schedule = InstallmentSchedule.objects.get(quota_version=version)
    excluded_on = timezone.localdate(version.ended_at)
    months = schedule.installments.filter(due_date__lte=excluded_on).count()

    quote = refund_quote(version.pk, ASSEMBLY)
    awards.post_refund(refund_ref="refund:1", quota_version_id=version.pk, assembly_date=ASSEMBLY)

    # Res. 285: what was paid above the months spent in the group (of 100) comes back.
    assert quote.fee_excess == D("1000.00") * (100 - months) / 100
    assert quote.total_payable == D("21000.00") + quote.fee_excess
    money = balances(group)
    assert money[K.UP_FRONT_FEE] == D("1000.00") - quote.fee_excess
    assert money[K.REFUNDS_PAYABLE] == quote.total_payable
    assert find_ledger_violations() == []


# --------------------------------------------------------------------------------------------
# Real processes racing for the same fund


def _award_in_process(version_pk: int, ref: str, go: Any, results: Any) -> None:
    """Forked worker: wait for ``go``, post the award, report what happened."""
    go.wait(timeout=60)
    try:
        try:
            posted = awards.post_award(
                award_ref=ref,
                quota_version_id=version_pk,
                credit_value=C,
                embedded_fraction=D(0),
                assembly_date=ASSEMBLY,
            )
            results.put({"event": "posted", "ref": ref, "id": posted})
        except (DomainError, LockError) as refusal:
            code = getattr(refusal, "code", type(refusal).__name__)
            results.put({"event": "refused", "ref": ref, "code": code})
    finally:
        connections.close_all()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_processes_racing_for_one_credit_post_one_award_and_never_overdraw_the_fund():
    group = running_group(UserFactory())
    fund(group, "150000.00")  # one credit of R$ 100.000,00 fits, two do not
    versions = [holder(group, number) for number in (1, 2, 3)]
    # Two processes per award reference: the same award twice, three quotas competing.
    jobs = [(v.pk, f"award:{v.pk}") for v in versions for _ in range(2)]
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    connections.close_all()  # each worker opens its own connection
    workers = [
        context.Process(target=_award_in_process, args=(pk, ref, go, results)) for pk, ref in jobs
    ]
    for worker in workers:
        worker.start()
    go.set()
    try:
        outcomes = [results.get(timeout=120) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()

    posted = [o for o in outcomes if o["event"] == "posted"]
    assert len({o["ref"] for o in posted}) == 1  # one quota got the credit
    assert len({o["id"] for o in posted}) == 1  # its second process found the same posting
    refused = {o["code"] for o in outcomes if o["event"] == "refused"}
    assert refused <= {"assembly_funds_insufficient", "lock_not_acquired"}
    assert LedgerTransaction.objects.filter(kind=TransactionKind.CREDIT_AWARD).count() == 1
    assert balances(group)[K.COMMON_FUND] == D("50000.00")
    assert find_ledger_violations(group_id=group.pk) == []
