"""The group ledger: balanced postings, summaries, funds, idempotency, reversals, database rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from apps.finance.models import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.services import ledger
from apps.finance.services.ledger import credit, debit

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
K = AccountKind


def pay_installment(group, version, *, key, common="1000.00", fee="150.00", reserve="20.00"):
    """DOMAIN.md worked example 1: R$1,170.00 = 1,000.00 + 150.00 + 20.00 (1% + 0.15% + 0.02%)."""
    common, fee, reserve = Decimal(common), Decimal(fee), Decimal(reserve)
    return ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.INSTALLMENT_PAYMENT,
        memo="Parcela 1",
        idempotency_key=key,
        effective_date=DAY,
        lines=[
            debit(K.CASH_IN_TRANSIT, common + fee + reserve),
            credit(K.COMMON_FUND, common, quota_version_id=version.pk, fraction=Decimal("0.01")),
            credit(
                K.ADMINISTRATION_FEE, fee, quota_version_id=version.pk, fraction=Decimal("0.0015")
            ),
            credit(
                K.RESERVE_FUND, reserve, quota_version_id=version.pk, fraction=Decimal("0.0002")
            ),
        ],
    )


def fund_common(group, amount, key="seed"):
    return ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        idempotency_key=key,
        effective_date=DAY,
        lines=[debit(K.BANK, Decimal(amount)), credit(K.COMMON_FUND, Decimal(amount))],
    )


def test_installment_payment_fills_the_funds_and_the_quota_paid_fractions(
    ledger_group, quota_version
):
    result = pay_installment(ledger_group, quota_version, key="payment:1")

    assert result.created
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert balances[K.COMMON_FUND] == Decimal("1000.00")
    assert balances[K.ADMINISTRATION_FEE] == Decimal("150.00")
    assert balances[K.RESERVE_FUND] == Decimal("20.00")
    assert balances[K.CASH_IN_TRANSIT] == Decimal("1170.00")
    paid = ledger_selectors.quota_paid_components(quota_version_id=quota_version.pk)
    assert paid[K.COMMON_FUND].fraction == Decimal("0.0100000000")
    assert paid[K.ADMINISTRATION_FEE].fraction == Decimal("0.0015000000")
    assert paid[K.RESERVE_FUND].amount == Decimal("20.00")
    assert ledger_selectors.quota_paid_fraction(quota_version_id=quota_version.pk) == Decimal(
        "0.0117000000"
    )


def test_repeating_a_reference_with_the_same_lines_returns_the_first_transaction(
    ledger_group, quota_version
):
    first = pay_installment(ledger_group, quota_version, key="payment:1")
    again = pay_installment(ledger_group, quota_version, key="payment:1")

    assert again == ledger.PostingResult(first.transaction_id, created=False)
    assert LedgerTransaction.objects.filter(group=ledger_group).count() == 1
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert balances[K.COMMON_FUND] == Decimal("1000.00")


def test_repeating_a_reference_with_other_lines_is_refused_and_changes_nothing(
    ledger_group, quota_version
):
    pay_installment(ledger_group, quota_version, key="payment:1")

    with pytest.raises(ledger.IdempotencyConflict) as refusal:
        pay_installment(ledger_group, quota_version, key="payment:1", common="999.99")

    assert refusal.value.code == "ledger_idempotency_conflict"
    assert LedgerEntry.objects.count() == 4
    assert ledger_selectors.account_balances(group_id=ledger_group.pk)[K.COMMON_FUND] == Decimal(
        "1000.00"
    )


def test_unbalanced_lines_are_refused_before_anything_is_written(ledger_group):
    with pytest.raises(ledger.UnbalancedTransaction) as refusal:
        ledger.post_transaction(
            group_id=ledger_group.pk,
            kind=TransactionKind.MANUAL_ADJUSTMENT,
            idempotency_key="x",
            effective_date=DAY,
            lines=[debit(K.BANK, Decimal("10.00")), credit(K.COMMON_FUND, Decimal("9.99"))],
        )
    assert "R$ 0,01" in refusal.value.detail
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [(Decimal("10.001"), "casas decimais"), (Decimal("0"), "zero")],
)
def test_amounts_must_be_whole_nonzero_cents(ledger_group, amount, message):
    with pytest.raises(ledger.InvalidLedgerLine, match=message):
        ledger.post_transaction(
            group_id=ledger_group.pk,
            kind=TransactionKind.MANUAL_ADJUSTMENT,
            idempotency_key="x",
            effective_date=DAY,
            lines=[debit(K.BANK, amount), credit(K.COMMON_FUND, amount)],
        )
    assert not LedgerTransaction.objects.exists()


def test_the_common_fund_never_goes_negative(ledger_group):
    fund_common(ledger_group, "500.00")

    with pytest.raises(ledger.InsufficientFunds) as refusal:
        ledger.post_transaction(
            group_id=ledger_group.pk,
            kind=TransactionKind.CREDIT_AWARD,
            idempotency_key="award:1",
            effective_date=DAY,
            lines=[
                debit(K.COMMON_FUND, Decimal("500.01")),
                credit(K.CREDIT_PAYABLE, Decimal("500.01")),
            ],
        )

    assert refusal.value.code == "ledger_insufficient_funds"
    assert "R$ 500,00" in refusal.value.detail
    assert LedgerTransaction.objects.count() == 1
    assert ledger_selectors.account_balances(group_id=ledger_group.pk)[K.COMMON_FUND] == Decimal(
        "500.00"
    )


def test_the_whole_common_fund_can_be_used(ledger_group):
    fund_common(ledger_group, "500.00")
    ledger.post_transaction(
        group_id=ledger_group.pk,
        kind=TransactionKind.CREDIT_AWARD,
        idempotency_key="award:1",
        effective_date=DAY,
        lines=[
            debit(K.COMMON_FUND, Decimal("500.00")),
            credit(K.CREDIT_PAYABLE, Decimal("500.00")),
        ],
    )
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert balances[K.COMMON_FUND] == Decimal("0.00")
    assert balances[K.CREDIT_PAYABLE] == Decimal("500.00")


def test_reversal_restores_balances_and_quota_fractions(ledger_group, quota_version):
    posted = pay_installment(ledger_group, quota_version, key="payment:1")

    reversal = ledger.reverse_transaction(transaction_id=posted.transaction_id, memo="Estorno")

    assert reversal.created
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert set(balances.values()) == {Decimal("0.00")}
    assert ledger_selectors.quota_paid_fraction(quota_version_id=quota_version.pk) == 0
    txn = LedgerTransaction.objects.get(pk=reversal.transaction_id)
    assert txn.kind == TransactionKind.REVERSAL
    assert txn.reversal_of_id == posted.transaction_id
    # Reversing again returns the same reversal; a reversal is not itself reversible.
    assert ledger.reverse_transaction(transaction_id=posted.transaction_id) == (
        ledger.PostingResult(reversal.transaction_id, created=False)
    )
    with pytest.raises(ledger.TransactionNotReversible):
        ledger.reverse_transaction(transaction_id=reversal.transaction_id)


def test_reversal_that_would_empty_a_used_fund_is_refused(ledger_group):
    seed = fund_common(ledger_group, "100.00")
    ledger.post_transaction(
        group_id=ledger_group.pk,
        kind=TransactionKind.CREDIT_AWARD,
        idempotency_key="award:1",
        effective_date=DAY,
        lines=[debit(K.COMMON_FUND, Decimal("60.00")), credit(K.CREDIT_PAYABLE, Decimal("60.00"))],
    )
    with pytest.raises(ledger.InsufficientFunds):
        ledger.reverse_transaction(transaction_id=seed.transaction_id)
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


def test_batch_posting_updates_each_summary_once_and_reports_replays(ledger_group, quota_version):
    already = pay_installment(ledger_group, quota_version, key="payment:0")
    postings = [
        ledger.Posting(
            group_id=ledger_group.pk,
            kind=TransactionKind.INSTALLMENT_PAYMENT,
            idempotency_key=f"payment:{n}",
            effective_date=DAY,
            lines=(
                debit(K.CASH_IN_TRANSIT, Decimal("1170.00")),
                credit(
                    K.COMMON_FUND,
                    Decimal("1000.00"),
                    quota_version_id=quota_version.pk,
                    fraction=Decimal("0.01"),
                ),
                credit(
                    K.ADMINISTRATION_FEE,
                    Decimal("150.00"),
                    quota_version_id=quota_version.pk,
                    fraction=Decimal("0.0015"),
                ),
                credit(
                    K.RESERVE_FUND,
                    Decimal("20.00"),
                    quota_version_id=quota_version.pk,
                    fraction=Decimal("0.0002"),
                ),
            ),
        )
        for n in range(5)
    ]

    results = ledger.post_transactions(postings)

    assert results[0] == ledger.PostingResult(already.transaction_id, created=False)
    assert all(r.created for r in results[1:])
    assert len({r.transaction_id for r in results}) == 5
    balances = ledger_selectors.account_balances(group_id=ledger_group.pk)
    assert balances[K.COMMON_FUND] == Decimal("5000.00")
    assert balances[K.CASH_IN_TRANSIT] == Decimal("5850.00")
    assert ledger_selectors.quota_paid_fraction(quota_version_id=quota_version.pk) == Decimal(
        "0.0585"
    )
    assert ledger.post_transactions(postings) == [
        ledger.PostingResult(r.transaction_id, created=False) for r in results
    ]


def test_batch_that_would_take_the_fund_negative_is_refused_whole(ledger_group):
    fund_common(ledger_group, "100.00")
    postings = [
        ledger.Posting(
            group_id=ledger_group.pk,
            kind=TransactionKind.CREDIT_AWARD,
            idempotency_key=f"award:{n}",
            effective_date=DAY,
            lines=(
                debit(K.COMMON_FUND, Decimal("60.00")),
                credit(K.CREDIT_PAYABLE, Decimal("60.00")),
            ),
        )
        for n in range(2)
    ]
    with pytest.raises(ledger.InsufficientFunds):
        ledger.post_transactions(postings)
    assert LedgerTransaction.objects.count() == 1


# --- The database's own guarantees (whatever the caller) ------------------------------------


def _raw_header(group_id, key="raw"):
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO finance_ledgertransaction (group_id, kind, memo, effective_date,
                 idempotency_key, posted_at) VALUES (%s, 'manual_adjustment', '', %s, %s, now())
               RETURNING id""",
            [group_id, DAY, key],
        )
        return cursor.fetchone()[0]


def _raw_entry(transaction_id, account_id, amount):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO finance_ledgerentry (transaction_id, account_id, amount) "
            "VALUES (%s, %s, %s)",
            [transaction_id, account_id, amount],
        )


def _run_deferred_checks():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_refuses_an_unbalanced_transaction_at_commit(ledger_group):
    accounts = ledger.ensure_accounts(
        pairs=[(ledger_group.pk, K.BANK), (ledger_group.pk, K.COMMON_FUND)]
    )
    with transaction.atomic():
        txn = _raw_header(ledger_group.pk)
        _raw_entry(txn, accounts[(ledger_group.pk, K.BANK)], Decimal("10.00"))
        _raw_entry(txn, accounts[(ledger_group.pk, K.COMMON_FUND)], Decimal("-9.00"))
        # What COMMIT does with the deferred constraint trigger:
        with pytest.raises(IntegrityError, match="desbalanceado"):
            _run_deferred_checks()
        transaction.set_rollback(True)
    assert not LedgerTransaction.objects.exists()


def test_database_checks_again_an_entry_added_after_an_early_check(ledger_group):
    accounts = ledger.ensure_accounts(
        pairs=[(ledger_group.pk, K.BANK), (ledger_group.pk, K.COMMON_FUND)]
    )
    bank, fund = accounts[(ledger_group.pk, K.BANK)], accounts[(ledger_group.pk, K.COMMON_FUND)]
    with transaction.atomic():
        txn = _raw_header(ledger_group.pk)
        _raw_entry(txn, bank, Decimal("10.00"))
        _raw_entry(txn, fund, Decimal("-10.00"))
        _run_deferred_checks()  # balanced so far: passes
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # No new header will queue another commit-time check: refused at once.
        with pytest.raises(IntegrityError, match="desbalanceado"):
            _raw_entry(txn, bank, Decimal("0.01"))
        transaction.set_rollback(True)
    assert not LedgerTransaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_entries_added_to_an_earlier_transaction(ledger_group):
    # Committed first (transactional test): the transaction is closed for good.
    posted = fund_common(ledger_group, "10.00")
    bank = ledger.ensure_accounts(pairs=[(ledger_group.pk, K.BANK)])[(ledger_group.pk, K.BANK)]
    with pytest.raises(IntegrityError, match="mesma transação"), transaction.atomic():
        _raw_entry(posted.transaction_id, bank, Decimal("1.00"))


def test_database_refuses_update_and_delete_of_posted_entries(ledger_group):
    fund_common(ledger_group, "10.00")
    with pytest.raises(DatabaseError, match="estorno"), transaction.atomic():
        LedgerEntry.objects.update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError, match="estorno"), transaction.atomic():
        LedgerEntry.objects.all().delete()
    with (
        pytest.raises(DatabaseError, match="estorno"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM finance_ledgertransaction")
    assert ledger_selectors.account_balances(group_id=ledger_group.pk)[K.COMMON_FUND] == Decimal(
        "10.00"
    )


def test_database_check_refuses_a_negative_fund_summary(ledger_group):
    fund_common(ledger_group, "10.00")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE finance_accountbalance SET balance = -1 WHERE kind = 'common_fund'")
