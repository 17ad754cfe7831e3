"""The batched settlement path of the bank-file import applies exactly what the per-record path
applies (ISSUE 11 §9): same payments, charge and installment statuses, ledger (transactions,
balances per account, quota paid fractions), report lines and audit entries.

The same generated CNAB 240 files (on time, late with fine and interest, divergent amounts, a
charge paid twice, a reversal, a registration, an unmatched nosso número, a bank fee
(occurrence 28), a refused payment date, then a second file repeating the first one's lines)
are imported on the same data twice, once per path, each in a savepoint rolled back afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.finance import tasks as finance_tasks  # noqa: F401 - registers the import job kind
from apps.finance.models import (
    AccountBalance,
    BankFile,
    BankFileLine,
    Charge,
    Installment,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PriceDifference,
    QuotaLedgerBalance,
)
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import bank_files, ledger, payment_batch, payments
from apps.finance.services.cnab import parse_return_file
from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return
from apps.finance.services.payment_allocation import allocate
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.finance.billing_support import billing_group
from tests.finance.test_bank_files import boleto
from tests.finance.test_payments import make_charge

pytestmark = pytest.mark.django_db
D = Decimal
DUE = dt.date(2026, 3, 10)
BANK = "341"


def _charges(group) -> list[Charge]:
    return [
        boleto(make_charge(group, number, due_date=DUE), BANK, f"{number:08d}")
        for number in range(1, 8)
    ]


def _settle(charge: Charge, amount: Decimal, on: dt.date, **extra: Any) -> ReturnEntry:
    return ReturnEntry(
        nosso_numero=charge.nosso_numero,
        title_value=charge.amount,
        occurrence_code="06",
        due_date=charge.due_date,
        occurrence_date=on,
        credit_date=on + dt.timedelta(days=1),
        amount_paid=amount,
        **extra,
    )


def _files(charges: list[Charge]) -> list[tuple[bytes, int]]:
    c1, c2, c3, c4, c5, c6, c7 = charges
    late_on = DUE + dt.timedelta(days=20)
    late = payments.late_charges_for(c2, late_on)
    assert late.total > 0
    first = [
        _settle(c1, c1.amount, DUE),  # on time
        _settle(c2, c2.amount + late.total, late_on, late_charges_paid=late.total),  # late
        _settle(c3, c3.amount - D("100.00"), DUE),  # under-paid
        _settle(c4, c4.amount + D("7.50"), DUE, bank_fee=D("1.70")),  # over-paid, bank fee
        ReturnEntry(
            nosso_numero="99999999", title_value=D("10.00"), occurrence_date=DUE
        ),  # unmatched
        ReturnEntry(
            nosso_numero=c1.nosso_numero,
            title_value=c1.amount,
            occurrence_code="28",
            occurrence_date=DUE,
            bank_fee=D("2.35"),
            net_credited=D("0.00"),
        ),  # bank fee debit
        _settle(c1, D("50.00"), DUE + dt.timedelta(days=2)),  # c1 paid again: a credit
        ReturnEntry(
            nosso_numero=c4.nosso_numero,
            title_value=c4.amount,
            occurrence_code="44",
            occurrence_date=DUE + dt.timedelta(days=5),
        ),  # reversal of c4's payment, same chunk
        ReturnEntry(
            nosso_numero=c5.nosso_numero,
            title_value=c5.amount,
            occurrence_code="02",
            occurrence_date=DUE,
        ),  # registration
        _settle(c6, c6.amount, timezone.localdate() + dt.timedelta(days=5)),  # future: refused
        _settle(c7, c7.amount - D("0.01"), DUE + dt.timedelta(days=1)),  # a cent short, late
    ]
    # The same header and lines again (same settlement keys: duplicates), then new ones.
    second = [
        *first,
        _settle(c4, c4.amount, DUE + dt.timedelta(days=30)),  # after the reversal
        _settle(c5, c5.amount, DUE),
        _settle(c3, D("100.00"), DUE + dt.timedelta(days=31)),  # c3 again: a credit
    ]
    on = dt.date(2026, 4, 20)
    return [
        (write_cnab240_return(bank_code=BANK, entries=first, generated_on=on), 500),
        (write_cnab240_return(bank_code=BANK, entries=second, generated_on=on), 3),
    ]


def _import(data: bytes, chunk_size: int, capture) -> BankFile:
    with capture(execute=False):
        received = bank_files.receive_bank_file(
            data=data, filename="retorno.ret", chunk_size=chunk_size
        )
    bank_file = received.bank_file
    assert received.created
    assert bank_file.job_id
    for index in JobChunk.objects.filter(job=bank_file.job).values_list("index", flat=True):
        assert run_job_chunk(str(bank_file.job_id), index) in ("done", "skipped")
    bank_file.refresh_from_db()
    assert bank_file.status == "applied"
    return bank_file


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)?")
_IDS = re.compile(r"(#|lançamento |Pagamento |reversal:)\d+\b")
_ID_FIELDS = {"id", "ledger_transaction", "price_difference", "reversal_of", "payment", "job"}


def _norm(value: Any) -> Any:
    """Row ids and timestamps differ between the two runs (sequences are not rolled back)."""
    if isinstance(value, str):
        return _IDS.sub(r"\1<id>", _TIMESTAMP.sub("<ts>", value))
    if isinstance(value, dict):
        return {
            key: ("<id>" if key in _ID_FIELDS and item not in (None, "None") else _norm(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_norm(item) for item in value]
    return value


def _snapshot(group, charges: list[Charge], files: list[BankFile], audit_from: int) -> dict:
    payment_rows = [
        {
            **{
                k: v
                for k, v in row.items()
                if k not in ("id", "created_at", "ledger_transaction_id", "price_difference_id")
            },
            "reversal_of_id": row["reversal_of_id"] is not None,
            "price_difference": PriceDifference.objects.filter(pk=row["price_difference_id"])
            .values_list("amount", flat=True)
            .first(),
        }
        for row in Payment.objects.filter(group=group).order_by("id").values()
    ]
    transactions = []
    for txn in LedgerTransaction.objects.filter(group_id=group.pk).order_by("id"):
        entries = list(
            LedgerEntry.objects.filter(transaction=txn)
            .order_by("id")
            .values_list("account__kind", "amount", "quota_version_id", "fraction")
        )
        transactions.append(
            (
                txn.kind,
                _norm(txn.memo),
                txn.effective_date,
                _norm(txn.idempotency_key),
                txn.reversal_of_id is not None,
                entries,
            )
        )
    lines = [
        [
            (*row[:-1], _norm(row[-1]))
            for row in BankFileLine.objects.filter(bank_file=bank_file)
            .order_by("line_number")
            .values_list(
                "line_number",
                "nosso_numero",
                "occurrence_code",
                "category",
                "amount_paid",
                "outcome",
                "charge_id",
                "payment__settlement_id",
                "message",
            )
        ]
        for bank_file in files
    ]
    counters = [
        BankFile.objects.filter(pk=f.pk)
        .values_list(
            "applied_count",
            "duplicate_count",
            "unmatched_count",
            "divergent_count",
            "rejected_count",
            "other_count",
        )
        .get()
        for f in files
    ]
    audit = [
        (
            entry.content_type.model,
            entry.action,
            _norm(entry.object_repr),
            _norm(entry.changes),
            entry.actor_id,
            entry.cid,
            entry.additional_data,
        )
        for entry in LogEntry.objects.filter(pk__gt=audit_from).order_by("pk")
    ]
    return {
        "payments": payment_rows,
        "charges": list(
            Charge.objects.filter(pk__in=[c.pk for c in charges])
            .order_by("pk")
            .values_list("pk", "status")
        ),
        "installments": list(
            Installment.objects.filter(schedule__quota__group=group)
            .order_by("schedule_id", "number")
            .values_list("schedule_id", "number", "status")
        ),
        "differences": list(
            PriceDifference.objects.filter(quota__group=group)
            .order_by("id")
            .values_list("quota_id", "schedule_id", "source_charge_id", "reason", "amount")
        ),
        "transactions": transactions,
        "balances": sorted(
            AccountBalance.objects.filter(account__group_id=group.pk).values_list(
                "account__kind", "balance"
            )
        ),
        "quota_balances": sorted(
            QuotaLedgerBalance.objects.filter(account__group_id=group.pk).values_list(
                "account__kind", "quota_version_id", "amount", "fraction"
            )
        ),
        "lines": lines,
        "counters": counters,
        "audit": audit,
    }


def _run(batched: bool, monkeypatch, group, charges, files, capture) -> dict:
    monkeypatch.setattr(bank_files, "BATCH_SETTLEMENTS", batched)
    savepoint = transaction.savepoint()
    try:
        audit_from = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        imported = [_import(data, chunk_size, capture) for data, chunk_size in files]
        assert find_ledger_violations() == []
        return _snapshot(group, charges, imported, audit_from)
    finally:
        transaction.savepoint_rollback(savepoint)


def test_the_batched_import_applies_exactly_what_the_per_record_import_applies(
    finance_user, monkeypatch, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    charges = _charges(group)
    files = _files(charges)

    batched = _run(True, monkeypatch, group, charges, files, django_capture_on_commit_callbacks)
    one_by_one = _run(False, monkeypatch, group, charges, files, django_capture_on_commit_callbacks)

    for part in batched:
        assert batched[part] == one_by_one[part], part
    # Every kind of line the files hold was met (the comparison covers them all).
    outcomes = [row[5] for row in batched["lines"][0]]
    assert outcomes == [
        "applied",
        "divergent",  # late: fine and interest on top of the charge
        "divergent",
        "divergent",
        "unmatched",
        "fee",
        "divergent",
        "reversed",
        "registered",
        "rejected",
        "divergent",
    ]
    assert {row[5] for row in batched["lines"][1]} >= {"duplicate", "applied", "divergent"}
    assert batched["audit"]
    assert batched["payments"]
    assert batched["transactions"]


def _count_queries(batched: bool, monkeypatch, data: bytes, capture) -> int:
    monkeypatch.setattr(bank_files, "BATCH_SETTLEMENTS", batched)
    savepoint = transaction.savepoint()
    try:
        with CaptureQueriesContext(connection) as queries:
            bank_file = _import(data, 500, capture)
        assert bank_file.applied_count == bank_file.records_total
        assert find_ledger_violations() == []
        return len(queries)
    finally:
        transaction.savepoint_rollback(savepoint)


def test_a_chunk_of_settlements_is_applied_in_a_few_statements(
    finance_user, monkeypatch, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    charges = _charges(group)
    data = write_cnab240_return(
        bank_code=BANK,
        entries=[_settle(c, c.amount, DUE) for c in charges],
        generated_on=dt.date(2026, 4, 20),
    )

    batched = _count_queries(True, monkeypatch, data, django_capture_on_commit_callbacks)
    one_by_one = _count_queries(False, monkeypatch, data, django_capture_on_commit_callbacks)

    # About twenty statements per record one at a time; the batch's do not grow with them.
    assert one_by_one >= 15 * len(charges)
    assert batched * 2 < one_by_one, (batched, one_by_one)


def test_a_batch_the_database_refuses_is_applied_one_record_at_a_time_with_the_same_result(
    finance_user, monkeypatch, django_capture_on_commit_callbacks
):
    """A payment's ledger reference already posted (without its payment row): the batch's
    COPY meets it, its writes are undone to the savepoint and each settlement of the chunk goes
    through ``apply_payment``, which replays that posting, exactly as the per-record path."""
    group = billing_group(finance_user)
    charges = _charges(group)[:3]
    data = write_cnab240_return(
        bank_code=BANK,
        entries=[_settle(c, c.amount, DUE) for c in charges],
        generated_on=dt.date(2026, 4, 21),
    )
    first = parse_return_file(data).records[0]
    ledger.post_transaction(
        **payments.payment_posting(
            charges[0],
            allocate(charges[0], DUE),
            settlement_id=first.settlement_key,
            amount=charges[0].amount,
            bank_fee=D("0.00"),
            credited_on=DUE + dt.timedelta(days=1),
            source="bank_file",
            actor_id=None,
        )
    )
    files = [(data, 500)]

    batched = _run(True, monkeypatch, group, charges, files, django_capture_on_commit_callbacks)
    one_by_one = _run(False, monkeypatch, group, charges, files, django_capture_on_commit_callbacks)

    for part in batched:
        assert batched[part] == one_by_one[part], part
    assert [row[5] for row in batched["lines"][0]] == ["applied"] * 3
    assert len(batched["payments"]) == 3


def test_apply_settlements_applies_a_batch_and_leaves_what_it_cannot_to_the_caller(
    finance_user,
):
    group = billing_group(finance_user)
    charges = _charges(group)[:3]
    Charge.objects.filter(pk=charges[2].pk).update(status="cancelled")
    with transaction.atomic():
        locked = list(
            Charge.objects.select_for_update().filter(pk__in=[c.pk for c in charges]).order_by("pk")
        )
        settlements = [
            {
                "charge": charge,
                "settlement_id": f"batch:{charge.pk}",
                "amount": charge.amount,
                "paid_on": DUE,
                "credited_on": DUE,
            }
            for charge in locked
        ]
        settlements.append({**settlements[0], "amount": D("1.00")})  # same id, other data
        results = payment_batch.apply_settlements(settlements, source="bank_file", charges=locked)

    first, second, cancelled, conflict = results
    assert isinstance(first, payments.PaymentResult)
    assert first.created
    assert first.payment.pk is not None
    assert isinstance(second, payments.PaymentResult)
    assert cancelled is None  # a cancelled charge: the caller's apply_payment refuses it
    assert getattr(conflict, "code", None) == "settlement_id_conflict"
    assert set(Payment.objects.values_list("settlement_id", flat=True)) == {
        f"batch:{charges[0].pk}",
        f"batch:{charges[1].pk}",
    }
    assert set(
        Charge.objects.filter(pk__in=[charges[0].pk, charges[1].pk]).values_list(
            "status", flat=True
        )
    ) == {"paid"}
    assert find_ledger_violations() == []
