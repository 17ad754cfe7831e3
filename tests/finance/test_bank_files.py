"""Importing bank return files: real fixtures applied once, rejected whole, resumed after a stop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.finance import tasks as finance_tasks  # noqa: F401 - registers the import job kind
from apps.finance.models import (
    BankAgreement,
    BankFile,
    BankFileLine,
    Charge,
    LedgerTransaction,
    Payment,
)
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import bank_files
from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.finance.billing_support import billing_group
from tests.finance.payment_code_fixtures import fixture_path, require_fixtures
from tests.finance.test_payments import make_charge

pytestmark = pytest.mark.django_db
D = Decimal
RETORNO = fixture_path("cnab", "retorno", "brcobranca")  # ../shared beside the project
AILOS = RETORNO / "CNAB240AILOS.RET"  # 085: three settlements of R$ 2,00 (nn 83, 116, 123)
SANTANDER = RETORNO / "CNAB240SANTANDER.RET"  # 033: nn 1406 registered (02) then settled (06)


@pytest.fixture(autouse=True)
def _real_return_files() -> None:
    """Skip where ../shared is absent (a user's clone); fail instead under CI=true."""
    require_fixtures("cnab", "retorno", "brcobranca", AILOS.name)
    require_fixtures("cnab", "retorno", "brcobranca", SANTANDER.name)


def boleto(charge: Charge, bank_code: str, nosso_numero: str) -> Charge:
    agreement = BankAgreement.objects.filter(
        group=charge.group
    ).first() or BankAgreement.objects.create(
        group=charge.group,
        bank_code=bank_code,
        agency="0001",
        account="12345",
        wallet="1",
        agreement_code=f"C{charge.pk}",
        beneficiary_name="Administradora Exemplo",
        beneficiary_document="12345678000195",
        first_nosso_numero=1,
        last_nosso_numero=999999,
        next_nosso_numero=1000,
    )
    Charge.objects.filter(pk=charge.pk).update(bank_agreement=agreement, nosso_numero=nosso_numero)
    charge.refresh_from_db()
    return charge


@pytest.fixture
def ailos_charges(finance_user):
    group = billing_group(finance_user)
    return [
        boleto(make_charge(group, 1), "085", "000000000000083"),
        boleto(make_charge(group, 2), "085", "116"),  # stored without the leading zeros
    ]


def _run_all(bank_file: BankFile) -> None:
    for index in JobChunk.objects.filter(job=bank_file.job).values_list("index", flat=True):
        assert run_job_chunk(str(bank_file.job_id), index) in ("done", "skipped")
    bank_file.refresh_from_db()


def _import(path: Path, capture, *, chunk_size: int = 500) -> bank_files.ReceivedFile:
    with capture(execute=False):
        received = bank_files.receive_bank_file(
            data=path.read_bytes(), filename=path.name, chunk_size=chunk_size
        )
    if received.bank_file.job_id:
        _run_all(received.bank_file)
    return received


def _outcomes(bank_file: BankFile) -> list[tuple[int, str, str]]:
    return list(
        BankFileLine.objects.filter(bank_file=bank_file)
        .order_by("line_number")
        .values_list("line_number", "nosso_numero", "outcome")
    )


def test_a_real_return_file_applies_its_settlements_and_reports_each_line(
    ailos_charges, django_capture_on_commit_callbacks
):
    received = _import(AILOS, django_capture_on_commit_callbacks)

    bank_file = received.bank_file
    assert received.created
    assert (bank_file.status, bank_file.bank_code, bank_file.records_total) == ("applied", "085", 3)
    assert _outcomes(bank_file) == [
        (3, "000000000000083", "divergent"),
        (5, "000000000000116", "divergent"),
        (7, "000000000000123", "unmatched"),
    ]
    assert (bank_file.divergent_count, bank_file.unmatched_count) == (2, 1)
    paid = Payment.objects.order_by("charge_id")
    assert [(p.charge_id, p.amount, p.bank_fee, str(p.paid_on)) for p in paid] == [
        (ailos_charges[0].pk, D("2.00"), D("1.70"), "2015-08-10"),
        (ailos_charges[1].pk, D("2.00"), D("1.70"), "2015-08-10"),
    ]
    line = BankFileLine.objects.get(bank_file=bank_file, line_number=3)
    assert line.payment_id == paid[0].pk
    assert "R$ 2,00" in line.message
    assert "R$ 1.170,00" in line.message
    assert find_ledger_violations() == []
    bank_file.job.refresh_from_db()
    assert bank_file.job.state == "succeeded"


def test_the_same_file_twice_applies_nothing_new_and_says_so(
    ailos_charges, django_capture_on_commit_callbacks
):
    first = _import(AILOS, django_capture_on_commit_callbacks)
    again = _import(AILOS, django_capture_on_commit_callbacks)

    assert not again.created
    assert again.bank_file.pk == first.bank_file.pk
    assert Payment.objects.count() == 2
    assert BankFile.objects.count() == 1


def test_registration_is_recorded_and_settlement_applied_by_occurrence_code(
    finance_user, django_capture_on_commit_callbacks
):
    charge = boleto(make_charge(billing_group(finance_user), 1), "033", "0000000001406")

    bank_file = _import(SANTANDER, django_capture_on_commit_callbacks).bank_file

    # Line 3 (occurrence 02) carries an amount paid but is a registration, not a payment.
    assert _outcomes(bank_file) == [
        (3, "0000000001406", "registered"),
        (5, "0000000001406", "divergent"),
    ]
    assert list(Payment.objects.values_list("charge_id", "amount")) == [(charge.pk, D("10.00"))]


def _broken(data: bytes) -> bytes:
    lines = data.split(b"\n")
    segment_u = bytearray(lines[3])  # line 4: segment U of the first title
    segment_u[77:92] = b"12345678901234X"  # amount paid is not a number
    lines[3] = bytes(segment_u)
    return b"\n".join(lines)


def test_a_file_with_a_broken_line_is_rejected_whole_with_the_line_listed(
    ailos_charges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        received = bank_files.receive_bank_file(
            data=_broken(AILOS.read_bytes()), filename="quebrado.ret"
        )

    bank_file = received.bank_file
    assert (bank_file.status, bank_file.job_id) == ("rejected", None)
    lines = list(BankFileLine.objects.filter(bank_file=bank_file))
    assert [(line.line_number, line.outcome) for line in lines] == [(4, "rejected")]
    assert lines[0].message
    assert Payment.objects.count() == 0


def test_an_interrupted_import_resumes_where_it_stopped_without_duplicates_or_gaps(
    ailos_charges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        received = bank_files.receive_bank_file(
            data=AILOS.read_bytes(), filename=AILOS.name, chunk_size=2
        )
    bank_file = received.bank_file
    assert JobChunk.objects.filter(job=bank_file.job).count() == 2

    # The worker applies the first chunk, then stops (the second chunk is never run).
    assert run_job_chunk(str(bank_file.job_id), 0) == "done"
    bank_file.refresh_from_db()
    assert (bank_file.status, bank_file.lines.count(), Payment.objects.count()) == (
        "applying",
        2,
        2,
    )
    # A stale run of the same chunk (its worker died after committing) changes nothing.
    bank_files.apply_chunk(bank_file_id=bank_file.pk, first=0, last=2)
    assert (bank_file.lines.count(), Payment.objects.count()) == (2, 2)

    _run_all(bank_file)  # resumed: chunk 0 is skipped, chunk 1 applied

    assert bank_file.status == "applied"
    assert [n for n, _, _ in _outcomes(bank_file)] == [3, 5, 7]
    assert Payment.objects.count() == 2
    assert find_ledger_violations() == []


def test_command_reports_counts_and_exits_non_zero_on_a_rejected_file(
    ailos_charges, tmp_path, capsys
):
    call_command("import_bank_file", str(AILOS), "--dry-run", verbosity=0)
    assert Payment.objects.count() == 0
    assert "Simulação" in capsys.readouterr().out

    call_command("import_bank_file", str(AILOS), verbosity=0)
    out = capsys.readouterr().out
    assert "Aplicado" in out
    assert "divergentes: 2" in out
    assert "sem cobrança: 1" in out
    assert Payment.objects.count() == 2

    call_command("import_bank_file", str(AILOS), verbosity=0)
    assert "nada foi aplicado de novo" in capsys.readouterr().out
    assert Payment.objects.count() == 2

    broken = tmp_path / "quebrado.ret"
    broken.write_bytes(_broken(AILOS.read_bytes()))
    with pytest.raises(CommandError, match="rejeitado"):
        call_command("import_bank_file", str(broken), verbosity=0)
    assert "Linha 4:" in capsys.readouterr().err


def _written(bank_code: str, *entries: ReturnEntry, sequence: int = 1) -> bytes:
    return write_cnab240_return(
        bank_code=bank_code,
        entries=entries,
        file_sequence=sequence,
        generated_on=dt.date(2026, 3, 12),
    )


def test_an_exact_payment_is_applied_and_a_later_reversal_reopens_the_charge(
    finance_user, django_capture_on_commit_callbacks, tmp_path
):
    charge = boleto(make_charge(billing_group(finance_user), 1), "341", "555")
    paid = ReturnEntry(
        nosso_numero="555",
        title_value=charge.amount,
        occurrence_code="06",
        due_date=charge.due_date,
        occurrence_date=dt.date(2026, 3, 10),
        credit_date=dt.date(2026, 3, 11),
        amount_paid=charge.amount,
    )
    settled = tmp_path / "pago.ret"
    settled.write_bytes(_written("341", paid))
    first = _import(settled, django_capture_on_commit_callbacks).bank_file
    assert [o for _, _, o in _outcomes(first)] == ["applied"]
    charge.refresh_from_db()
    assert charge.status == "paid"

    reversal = ReturnEntry(
        nosso_numero="555",
        title_value=charge.amount,
        occurrence_code="44",
        occurrence_date=dt.date(2026, 3, 12),
    )
    reversed_file = tmp_path / "estorno.ret"
    reversed_file.write_bytes(_written("341", reversal, sequence=2))
    second = _import(reversed_file, django_capture_on_commit_callbacks).bank_file

    assert [o for _, _, o in _outcomes(second)] == ["reversed"]
    charge.refresh_from_db()
    assert charge.status == "open"
    assert Payment.objects.filter(reversal_of__isnull=False).count() == 1
    assert find_ledger_violations() == []


def test_a_settlement_the_payments_service_refuses_is_reported_and_the_rest_applied(
    ailos_charges, django_capture_on_commit_callbacks
):
    Charge.objects.filter(pk=ailos_charges[0].pk).update(status="cancelled")

    bank_file = _import(AILOS, django_capture_on_commit_callbacks).bank_file

    assert [o for _, _, o in _outcomes(bank_file)] == ["rejected", "divergent", "unmatched"]
    refused = BankFileLine.objects.get(bank_file=bank_file, line_number=3)
    assert "cancelada" in refused.message
    assert list(Payment.objects.values_list("charge_id", flat=True)) == [ailos_charges[1].pk]


def test_a_bank_fee_debit_is_posted_once_to_the_ledger_matched_to_its_charge(
    finance_user, django_capture_on_commit_callbacks, tmp_path
):
    charge = boleto(make_charge(billing_group(finance_user), 1), "341", "777")
    fee = ReturnEntry(
        nosso_numero="777",
        title_value=charge.amount,
        occurrence_code="28",  # débito de tarifas/custas
        occurrence_date=dt.date(2026, 3, 10),
        credit_date=dt.date(2026, 3, 11),
        bank_fee=D("3.45"),
        net_credited=D("0.00"),
    )
    unknown = ReturnEntry(
        nosso_numero="778",
        title_value=D("10.00"),
        occurrence_code="28",
        bank_fee=D("1.00"),
        net_credited=D("0.00"),
    )
    path = tmp_path / "tarifas.ret"
    path.write_bytes(_written("341", fee, unknown))

    bank_file = _import(path, django_capture_on_commit_callbacks, chunk_size=1).bank_file

    assert [o for _, _, o in _outcomes(bank_file)] == ["fee", "unmatched"]
    line = BankFileLine.objects.get(bank_file=bank_file, outcome="fee")
    assert "R$ 3,45" in line.message
    assert line.charge_id == charge.pk
    posted = LedgerTransaction.objects.get(kind="bank_fee")
    assert (posted.group_id, posted.effective_date) == (charge.group_id, dt.date(2026, 3, 11))
    assert sorted(posted.entries.values_list("account__kind", "amount")) == [
        ("bank", D("-3.45")),
        ("bank_fees", D("3.45")),
    ]
    assert Payment.objects.count() == 0
    assert (bank_file.status, bank_file.other_count, bank_file.unmatched_count) == (
        "applied",
        1,
        1,
    )

    # A chunk applied again without its recorded lines (say, restored from before): the
    # ledger reference of the line finds the first posting, nothing is debited twice.
    BankFileLine.objects.filter(bank_file=bank_file).delete()
    BankFile.objects.filter(pk=bank_file.pk).update(status="applying")
    chunk = JobChunk.objects.get(job=bank_file.job, index=0)
    bank_files.apply_chunk(
        bank_file_id=bank_file.pk,
        **{k: int(v) for k, v in chunk.payload.items() if k != "bank_file"},
    )
    assert [o for _, _, o in _outcomes(bank_file)] == ["duplicate"]
    assert LedgerTransaction.objects.filter(kind="bank_fee").count() == 1
    assert find_ledger_violations() == []


def test_a_file_cut_into_one_record_chunks_applies_each_record_once_in_file_order(
    finance_user, django_capture_on_commit_callbacks, tmp_path
):
    group = billing_group(finance_user)
    charges = [boleto(make_charge(group, n), "341", str(900 + n)) for n in (1, 2, 3)]
    entries = [
        ReturnEntry(
            nosso_numero=str(900 + n),
            title_value=charge.amount,
            occurrence_code="06",
            due_date=charge.due_date,
            occurrence_date=dt.date(2026, 3, 10),
            credit_date=dt.date(2026, 3, 11),
            amount_paid=charge.amount,
        )
        for n, charge in zip((1, 2, 3), charges, strict=True)
    ]
    path = tmp_path / "tres.ret"
    path.write_bytes(_written("341", *entries, ReturnEntry(nosso_numero="999", title_value=D(1))))

    bank_file = _import(path, django_capture_on_commit_callbacks, chunk_size=1).bank_file

    assert JobChunk.objects.filter(job=bank_file.job).count() == 4
    assert _outcomes(bank_file) == [
        (3, "901", "applied"),
        (5, "902", "applied"),
        (7, "903", "applied"),
        (9, "999", "unmatched"),
    ]
    assert (bank_file.status, bank_file.applied_count, bank_file.unmatched_count) == (
        "applied",
        3,
        1,
    )
    assert sorted(Payment.objects.values_list("charge_id", flat=True)) == [c.pk for c in charges]
    assert find_ledger_violations() == []
