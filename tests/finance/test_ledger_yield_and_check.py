"""Yield split between the funds, ``check_ledger`` naming each broken invariant, the admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from apps.finance.models import AccountKind, LedgerTransaction, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.services import ledger, yields
from apps.finance.services.ledger import credit, debit
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 31)
K = AccountKind


def seed(group, *, common, reserve, key="seed"):
    lines = [
        debit(K.BANK, Decimal(common) + Decimal(reserve)),
        credit(K.COMMON_FUND, Decimal(common)),
    ]
    if Decimal(reserve):
        lines.append(credit(K.RESERVE_FUND, Decimal(reserve)))
    return ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        idempotency_key=key,
        effective_date=DAY,
        lines=lines,
    )


def test_yield_is_split_between_the_funds_in_proportion_to_their_balances(ledger_group):
    seed(ledger_group, common="10000.00", reserve="200.00")

    result = yields.post_yield(
        group_id=ledger_group.pk, amount=Decimal("102.00"), effective_date=DAY, reference="2026-03"
    )

    assert result.created
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert balances[K.COMMON_FUND] == Decimal("10100.00")
    assert balances[K.RESERVE_FUND] == Decimal("202.00")
    assert balances[K.BANK] == Decimal("10302.00")
    assert LedgerTransaction.objects.get(pk=result.transaction_id).kind == TransactionKind.YIELD


def test_yield_split_is_exact_to_the_cent_with_the_odd_cent_to_the_larger_remainder(ledger_group):
    seed(ledger_group, common="2.00", reserve="1.00")

    yields.post_yield(
        group_id=ledger_group.pk, amount=Decimal("0.10"), effective_date=DAY, reference="r1"
    )

    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    # 0.10 * 2/3 = 0.0666.. -> 0.07; 0.10 * 1/3 = 0.0333.. -> 0.03: parts sum to the yield.
    assert balances[K.COMMON_FUND] == Decimal("2.07")
    assert balances[K.RESERVE_FUND] == Decimal("1.03")


def test_yield_tie_goes_to_the_common_fund(ledger_group):
    seed(ledger_group, common="1.00", reserve="1.00")
    yields.post_yield(
        group_id=ledger_group.pk, amount=Decimal("0.01"), effective_date=DAY, reference="r1"
    )
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert (balances[K.COMMON_FUND], balances[K.RESERVE_FUND]) == (Decimal("1.01"), Decimal("1.00"))


def test_yield_reference_posts_once_and_refuses_another_amount(ledger_group):
    seed(ledger_group, common="1000.00", reserve="0")
    first = yields.post_yield(
        group_id=ledger_group.pk, amount=Decimal("5.00"), effective_date=DAY, reference="2026-03"
    )
    seed(ledger_group, common="1000.00", reserve="10.00", key="seed-2")  # balances change

    again = yields.post_yield(
        group_id=ledger_group.pk, amount=Decimal("5.00"), effective_date=DAY, reference="2026-03"
    )
    with pytest.raises(ledger.IdempotencyConflict, match="R\\$ 5,00"):
        yields.post_yield(
            group_id=ledger_group.pk,
            amount=Decimal("6.00"),
            effective_date=DAY,
            reference="2026-03",
        )

    assert again == ledger.PostingResult(first.transaction_id, created=False)
    assert LedgerTransaction.objects.filter(kind=TransactionKind.YIELD).count() == 1
    assert ledger_selectors.account_balances(group_id=ledger_group.pk)[K.COMMON_FUND] == Decimal(
        "2005.00"
    )


def test_yield_without_fund_balances_is_refused(ledger_group):
    with pytest.raises(yields.YieldNotPostable):
        yields.post_yield(
            group_id=ledger_group.pk, amount=Decimal("1.00"), effective_date=DAY, reference="r"
        )
    assert not LedgerTransaction.objects.exists()


def test_post_yield_command_posts_and_is_idempotent(ledger_group):
    seed(ledger_group, common="300.00", reserve="100.00")
    out = StringIO()
    args = ["--group", ledger_group.code, "--amount", "4,00", "--date", "2026-03-31"]

    call_command("post_yield", *args, "--reference", "bb-2026-03", stdout=out)
    call_command("post_yield", *args, "--reference", "bb-2026-03", stdout=out)

    assert "Rendimento de R$ 4,00 lançado" in out.getvalue()
    assert "já havia sido lançado" in out.getvalue()
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert (balances[K.COMMON_FUND], balances[K.RESERVE_FUND]) == (
        Decimal("303.00"),
        Decimal("101.00"),
    )


def test_post_yield_command_reports_a_refusal_in_portuguese(ledger_group):
    with pytest.raises(CommandError, match="zerados"):
        call_command(
            "post_yield",
            "--group",
            ledger_group.code,
            "--amount",
            "1,00",
            "--date",
            "2026-03-31",
            "--reference",
            "x",
        )


# --- check_ledger -----------------------------------------------------------------------------


def test_check_ledger_is_clean_after_postings_and_reversals(ledger_group, quota_version):
    posted = seed(ledger_group, common="100.00", reserve="10.00")
    ledger.post_transaction(
        group_id=ledger_group.pk,
        kind=TransactionKind.INSTALLMENT_PAYMENT,
        idempotency_key="p1",
        effective_date=DAY,
        lines=[
            debit(K.CASH_IN_TRANSIT, Decimal("11.70")),
            credit(
                K.COMMON_FUND,
                Decimal("10.00"),
                quota_version_id=quota_version.pk,
                fraction=Decimal("0.0001"),
            ),
            credit(
                K.ADMINISTRATION_FEE,
                Decimal("1.50"),
                quota_version_id=quota_version.pk,
                fraction=Decimal("0.000015"),
            ),
            credit(
                K.RESERVE_FUND,
                Decimal("0.20"),
                quota_version_id=quota_version.pk,
                fraction=Decimal("0.000002"),
            ),
        ],
    )
    ledger.reverse_transaction(transaction_id=posted.transaction_id)
    out = StringIO()

    call_command("check_ledger", stdout=out)

    assert "Razão consistente" in out.getvalue()


def _corrupt(sql, params=()):
    """Change ledger rows behind the triggers' back (what a bad restore or manual fix does)."""
    with connection.cursor() as cursor:
        # Run the pending commit-time checks now, on the sound rows, as a COMMIT would.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, list(params))
        cursor.execute("SET LOCAL session_replication_role = origin")


def _violations():
    err = StringIO()
    with pytest.raises(CommandError, match="violação"):
        call_command("check_ledger", stderr=err, stdout=StringIO())
    return err.getvalue()


def test_check_ledger_names_an_unbalanced_transaction_its_summary_and_a_negative_fund(
    ledger_group,
):
    posted = seed(ledger_group, common="10.00", reserve="0")
    _corrupt(
        "UPDATE finance_ledgerentry SET amount = 5 WHERE transaction_id = %s AND amount < 0",
        [posted.transaction_id],
    )

    report = _violations()

    assert f"[unbalanced_transaction] Lançamento #{posted.transaction_id}" in report
    assert "[balance_mismatch]" in report
    assert "common_fund" in report
    assert "[negative_fund]" in report
    assert "-5.00" in report


def test_check_ledger_names_a_quota_summary_that_differs_from_its_entries(
    ledger_group, quota_version
):
    ledger.post_transaction(
        group_id=ledger_group.pk,
        kind=TransactionKind.INSTALLMENT_PAYMENT,
        idempotency_key="p1",
        effective_date=DAY,
        lines=[
            debit(K.CASH_IN_TRANSIT, Decimal("10.00")),
            credit(
                K.COMMON_FUND,
                Decimal("10.00"),
                quota_version_id=quota_version.pk,
                fraction=Decimal("0.0001"),
            ),
        ],
    )
    _corrupt("UPDATE finance_quotaledgerbalance SET fraction = fraction + 0.0000000001")

    report = _violations()

    assert f"[quota_balance_mismatch] Cota (versão #{quota_version.pk})" in report
    assert "[balance_mismatch]" not in report


def test_check_ledger_names_a_reversal_that_does_not_mirror_its_original(ledger_group):
    posted = seed(ledger_group, common="10.00", reserve="0")
    reversal = ledger.reverse_transaction(transaction_id=posted.transaction_id)
    # Move the reversal's bank line onto the common fund: balanced, but not the mirror image.
    _corrupt(
        "UPDATE finance_ledgerentry SET account_id = (SELECT id FROM finance_ledgeraccount "
        "WHERE kind = 'common_fund' AND group_id = %s) WHERE transaction_id = %s AND amount < 0",
        [ledger_group.pk, reversal.transaction_id],
    )

    report = _violations()

    assert f"[reversal_mismatch] O estorno #{reversal.transaction_id}" in report
    assert "[unbalanced_transaction]" not in report


def test_check_ledger_for_one_group_ignores_the_others(ledger_group):
    from tests.groups.conftest import make_group

    other = make_group()
    posted = seed(other, common="10.00", reserve="0")
    _corrupt(
        "UPDATE finance_ledgerentry SET amount = 5 WHERE transaction_id = %s AND amount < 0",
        [posted.transaction_id],
    )
    out = StringIO()
    call_command("check_ledger", "--group", ledger_group.code, stdout=out)
    assert "Razão consistente" in out.getvalue()


# --- Admin --------------------------------------------------------------------------------


def test_admin_shows_ledger_read_only(client, ledger_group):
    posted = seed(ledger_group, common="10.00", reserve="0")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:finance_ledgertransaction_changelist"))
    detail = client.get(
        reverse("admin:finance_ledgertransaction_change", args=[posted.transaction_id])
    )
    add = client.get(reverse("admin:finance_ledgerentry_add"))

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert "Fundo comum" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert add.status_code == 403
    for name in ("ledgerentry", "ledgeraccount", "accountbalance", "quotaledgerbalance"):
        assert client.get(reverse(f"admin:finance_{name}_changelist")).status_code == 200
