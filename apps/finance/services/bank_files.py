"""Importing bank return files (retorno): validate whole, then apply in chunks (ISSUE 11 §5a).

``receive_bank_file`` stores the file once per SHA-256 (the same file again applies nothing and
says so), validates every line (a file with any broken line is ``rejected`` with the list of
errors and nothing is applied) and plans a chunked job (``consorcio.jobs``) of
``chunk_size`` records per chunk. ``apply_chunk`` applies a range of records under the file's
lock (``critical_section("bank_file:<id>")``), the matched charges locked in primary-key order:

- settlement (by occurrence code, never by an amount being present): ``apply_payment`` with the
  record's ``settlement_key`` as settlement id (unique in the database: applied at most once);
  ``divergent`` when the amount paid differs from the charge (still applied, DOMAIN.md A4);
  a chunk's settlements are applied together by ``services.payment_batch`` (same outcome,
  a few statements per chunk; ``BATCH_SETTLEMENTS = False`` applies them one by one);
- reversal: ``reverse_payment`` of the charge's standing payment;
- bank fee debit (tarifa/custas, CNAB 240 occurrence 28, by category): a ``BANK_FEE`` ledger
  posting (debit bank fees, credit the group's bank account) of the record's fee, matched to
  its charge's group, once per record (ledger reference from the settlement key);
- registration / write-off: recorded as outcomes; anything else: ``ignored``;
- no charge with that nosso número at that bank: ``unmatched``; a payment the payments service
  refuses: ``rejected`` with its message.

Every record gets one ``BankFileLine``; a chunk that runs again (an interrupted import resumed)
skips the lines it already recorded, so nothing is applied twice and nothing is missed.

Linear in the file's size: the file is scanned once when received (validation, record count and
the byte range of each chunk), and a chunk reads only its own bytes of the stored file (kept
uncompressed so the database slices it), looks up only its own lines and adds its outcomes to
the file's counters in its own transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import psycopg
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.finance.models import (
    AccountKind,
    BankFile,
    BankFileLine,
    BankFileStatus,
    Charge,
    LineOutcome,
    Payment,
    PaymentSource,
    TransactionKind,
)
from apps.finance.services import ledger, payment_batch, payments
from apps.finance.services.cnab import (
    OccurrenceCategory,
    ReturnRecord,
    parse_return_file,
    validate_return_file,
)
from apps.finance.services.cnab.return_file import ChunkPlan, iter_chunk_records, scan_chunks
from consorcio.errors import DomainError
from consorcio.jobs import plan_chunks, start_job
from consorcio.locks import LockError, critical_section
from consorcio.money import format_brl

BANK_FILE_JOB_KIND = "finance.bank_file_import"
DEFAULT_CHUNK_SIZE = 500
# Settlements of a chunk applied together (``services.payment_batch``); False: one
# ``apply_payment`` per record (same outcome, slower; tests compare the two).
BATCH_SETTLEMENTS = True
FILE_LOCK_WAIT_SECONDS = 30.0
_HEADER_BYTES = 1024  # the header line (240 or 400 positions) and its terminator fit


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """The file stored for this content; ``created=False`` when it had been received before."""

    bank_file: BankFile
    created: bool


@dataclass(frozen=True, slots=True)
class LineDecision:
    """What applying one record did (or, in a preview, would do)."""

    line_number: int
    nosso_numero: str
    occurrence_code: str
    category: str
    amount_paid: Decimal | None
    outcome: str
    message: str
    charge_id: int | None = None
    payment_id: int | None = None


# --------------------------------------------------------------------------------------------
# Receiving


def receive_bank_file(
    *,
    data: bytes,
    filename: str,
    actor: AbstractBaseUser | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> ReceivedFile:
    """Store, validate and plan the application of a return file (see the module doc)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    digest = hashlib.sha256(data).hexdigest()
    existing = BankFile.objects.filter(sha256=digest).first()
    if existing is not None:
        return ReceivedFile(existing, created=False)
    name = (filename or "retorno")[-255:]
    scan = scan_chunks(data, chunk_size=chunk_size, filename=name)
    report = scan.report
    try:
        with transaction.atomic():
            bank_file = BankFile.objects.create(
                sha256=digest,
                filename=name,
                content=b"",
                line_count=report.line_count,
                uploaded_by_id=actor.pk if actor is not None else None,
            )
            _store_content(bank_file.pk, data)
            if report.errors or scan.header is None:
                _reject(bank_file, [(e.line_number, e.message) for e in report.errors])
            else:
                _plan(bank_file, scan, actor)
    except IntegrityError:
        # The same file received concurrently: the unique SHA-256 kept one.
        existing = BankFile.objects.filter(sha256=digest).first()
        if existing is None:
            raise
        return ReceivedFile(existing, created=False)
    return ReceivedFile(bank_file, created=True)


def _store_content(bank_file_id: int, data: bytes) -> None:
    """The file's bytes as one binary parameter (a 240 MB file is not quoted into the SQL)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            "UPDATE finance_bankfile SET content = %b WHERE id = %s", [data, bank_file_id]
        )


def _reject(bank_file: BankFile, errors: Sequence[tuple[int, str]]) -> None:
    BankFileLine.objects.bulk_create(
        BankFileLine(
            bank_file=bank_file,
            line_number=line_number,
            outcome=LineOutcome.REJECTED,
            message=message[:300],
        )
        # A line may carry several errors: one report row per line, messages joined.
        for line_number, message in _join_by_line(errors)
    )
    bank_file.status = BankFileStatus.REJECTED
    bank_file.rejected_count = len(errors)
    bank_file.finished_at = timezone.now()
    bank_file.save(update_fields=["status", "rejected_count", "finished_at"])


def _join_by_line(errors: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    joined: dict[int, list[str]] = {}
    for line_number, message in errors:
        joined.setdefault(line_number, []).append(message)
    return [(number, "; ".join(messages)) for number, messages in sorted(joined.items())]


def _plan(bank_file: BankFile, scan: ChunkPlan, actor: AbstractBaseUser | None) -> None:
    header = scan.header
    assert header is not None
    bank_file.bank_code = header.bank_code[:3]
    bank_file.bank_name = header.bank_name[:80]
    bank_file.format = header.format.value
    bank_file.layout = header.layout[:40]
    bank_file.records_total = scan.records
    bank_file.status = BankFileStatus.APPLYING
    job = start_job(
        kind=BANK_FILE_JOB_KIND,
        description=f"Retorno {bank_file.filename}",
        started_by=actor,
        params={"bank_file": bank_file.pk},
    )
    bank_file.job = job
    bank_file.save(
        update_fields=[
            "bank_code",
            "bank_name",
            "format",
            "layout",
            "records_total",
            "status",
            "job",
        ]
    )
    # Each chunk names its records and where they are in the file (bytes and first line), so
    # it reads and parses only its own lines.
    plan_chunks(
        job,
        [
            {
                "bank_file": bank_file.pk,
                "first": span.first,
                "last": span.last,
                "start": span.start,
                "end": span.end,
                "line": span.line,
            }
            for span in scan.chunks
        ],
        sizes=[span.last - span.first for span in scan.chunks],
    )
    if not scan.chunks:
        _finish(bank_file)


# --------------------------------------------------------------------------------------------
# Applying one chunk


def apply_chunk(
    *,
    bank_file_id: int,
    first: int,
    last: int,
    start: int | None = None,
    end: int | None = None,
    line: int | None = None,
) -> int:
    """Apply records ``first..last-1`` (file order) of a received file; returns how many.

    ``start``/``end``/``line`` (planned by ``receive_bank_file``) locate those records in the
    file: bytes ``start..end-1``, first physical line ``line``; only that part of the stored
    file is read and parsed. Without them (a chunk planned before they existed) the whole file
    is parsed. Idempotent: a record whose line was already recorded is skipped. Runs in one
    transaction (the job runner's, or its own), under the file's lock.
    """
    with (
        critical_section(f"bank_file:{bank_file_id}", wait=FILE_LOCK_WAIT_SECONDS),
        transaction.atomic(),
    ):
        bank_file = BankFile.objects.select_for_update().defer("content").get(pk=bank_file_id)
        if bank_file.status != BankFileStatus.APPLYING:
            return 0
        records = _chunk_records(bank_file, first, last, start, end, line)
        if records:
            done = set(
                BankFileLine.objects.filter(
                    bank_file=bank_file,
                    line_number__gte=records[0].line_number,
                    line_number__lte=records[-1].line_number,
                ).values_list("line_number", flat=True)
            )
            records = [r for r in records if r.line_number not in done]
        charges = _lock_charges(bank_file.bank_code, records)
        if BATCH_SETTLEMENTS:
            decisions = _apply_batched(bank_file, records, charges)
        else:
            decisions = [_apply_record(bank_file, record, charges) for record in records]
        BankFileLine.objects.bulk_create(_line(bank_file, decision) for decision in decisions)
        _add_counts(bank_file, decisions)
    return last - first


def _chunk_records(
    bank_file: BankFile,
    first: int,
    last: int,
    start: int | None,
    end: int | None,
    line: int | None,
) -> list[ReturnRecord]:
    """The records ``first..last-1`` of the file, reading only their bytes when located."""
    if start is None or end is None or line is None:
        content = BankFile.objects.values_list("content", flat=True).get(pk=bank_file.pk)
        parsed = parse_return_file(bytes(content), filename=bank_file.filename)
        return list(parsed.records[first:last])
    # substring() of bytea is 1-based; the column is stored uncompressed (0011), so the
    # database reads only the TOAST pages of the part asked for.
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT substring(content FROM 1 FOR %s), substring(content FROM %s FOR %s)
                 FROM finance_bankfile WHERE id = %s""",
            [_HEADER_BYTES, start + 1, end - start, bank_file.pk],
        )
        head, segment = cursor.fetchone()
    header_line = bytes(head).split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
    records = list(iter_chunk_records(header_line, bytes(segment), line=line))
    if len(records) != last - first:  # pragma: no cover - a plan that does not fit its file
        raise ValueError(
            f"bank file {bank_file.pk}: bytes {start}..{end} hold {len(records)} records, "
            f"planned {last - first}"
        )
    return records


def _line(bank_file: BankFile, decision: LineDecision) -> BankFileLine:
    return BankFileLine(
        bank_file=bank_file,
        line_number=decision.line_number,
        nosso_numero=decision.nosso_numero[:20],
        occurrence_code=decision.occurrence_code[:4],
        category=decision.category,
        amount_paid=decision.amount_paid,
        outcome=decision.outcome,
        message=decision.message[:300],
        charge_id=decision.charge_id,
        payment_id=decision.payment_id,
    )


def _variants(nosso_numero: str) -> set[str]:
    return {nosso_numero, nosso_numero.lstrip("0") or "0"}


def _lock_charges(bank_code: str, records: Sequence[ReturnRecord]) -> dict[str, Charge]:
    """The charges the records name at this bank, row-locked in primary-key order."""
    wanted: set[str] = set()
    for record in records:
        if record.nosso_numero:
            wanted |= _variants(record.nosso_numero)
    if not wanted:
        return {}
    rows = (
        Charge.objects.select_for_update(of=("self",))
        .filter(bank_agreement__bank_code=bank_code, nosso_numero__in=wanted)
        .order_by("pk")
    )
    return {charge.nosso_numero: charge for charge in rows}


def _match(record: ReturnRecord, charges: dict[str, Charge]) -> Charge | None:
    for variant in (record.nosso_numero, record.nosso_numero.lstrip("0") or "0"):
        if record.nosso_numero and variant in charges:
            return charges[variant]
    return None


def _decision(record: ReturnRecord, outcome: str, message: str, **ids: int | None) -> LineDecision:
    return LineDecision(
        line_number=record.line_number,
        nosso_numero=record.nosso_numero,
        occurrence_code=record.occurrence_code,
        category=record.category.value,
        amount_paid=record.amount_paid if record.is_settlement else None,
        outcome=outcome,
        message=message,
        charge_id=ids.get("charge_id"),
        payment_id=ids.get("payment_id"),
    )


def _apply_record(
    bank_file: BankFile, record: ReturnRecord, charges: dict[str, Charge]
) -> LineDecision:
    category = record.category
    charge = _match(record, charges)
    if category is OccurrenceCategory.FEE and record.bank_fee:
        if charge is None:
            return _decision(
                record,
                LineOutcome.UNMATCHED,
                f"Tarifa de {format_brl(record.bank_fee)} sem cobrança com nosso número "
                f"{record.nosso_numero or '(vazio)'} no banco {bank_file.bank_code}.",
            )
        try:
            with transaction.atomic():
                return _charge_fee(bank_file, record, charge)
        except DomainError as refused:
            return _decision(record, LineOutcome.REJECTED, refused.detail, charge_id=charge.pk)
    if category not in (
        OccurrenceCategory.SETTLEMENT,
        OccurrenceCategory.REVERSAL,
        OccurrenceCategory.REGISTRATION,
        OccurrenceCategory.WRITE_OFF,
    ):
        text = f"{category.label}: {record.occurrence_description or 'sem ação no sistema'}."
        return _decision(record, LineOutcome.IGNORED, text, charge_id=_pk(charge))
    if charge is None:
        return _decision(
            record,
            LineOutcome.UNMATCHED,
            f"Nenhuma cobrança com nosso número {record.nosso_numero or '(vazio)'} "
            f"no banco {bank_file.bank_code}.",
        )
    if category is OccurrenceCategory.REGISTRATION:
        return _decision(
            record, LineOutcome.REGISTERED, "Entrada do boleto confirmada.", charge_id=charge.pk
        )
    if category is OccurrenceCategory.WRITE_OFF:
        return _decision(
            record, LineOutcome.WRITTEN_OFF, "Boleto baixado pelo banco.", charge_id=charge.pk
        )
    try:
        with transaction.atomic():
            if category is OccurrenceCategory.REVERSAL:
                return _reverse(bank_file, record, charge)
            return _settle(record, charge)
    except LockError:
        raise  # busy or lost, not refused: the chunk fails and runs again
    except DomainError as refused:
        return _decision(record, LineOutcome.REJECTED, refused.detail, charge_id=charge.pk)


def _pk(charge: Charge | None) -> int | None:
    return charge.pk if charge is not None else None


def _settle(record: ReturnRecord, charge: Charge) -> LineDecision:
    paid_on = record.payment_date or record.occurrence_date
    if paid_on is None:
        return _decision(
            record, LineOutcome.REJECTED, "Liquidação sem data de pagamento.", charge_id=charge.pk
        )
    credited_on = max(record.credit_date or paid_on, paid_on)
    result = payments.apply_payment(
        charge=charge,
        settlement_id=record.settlement_key,
        amount=record.amount_paid,
        paid_on=paid_on,
        credited_on=credited_on,
        source=PaymentSource.BANK_FILE,
        fine_interest=record.late_charges_paid,
        discount=record.discount,
        bank_fee=record.bank_fee,
    )
    return _settled(record, charge, result)


def _settled(
    record: ReturnRecord, charge: Charge, result: payments.PaymentResult | DomainError
) -> LineDecision:
    if isinstance(result, DomainError):
        return _decision(record, LineOutcome.REJECTED, result.detail, charge_id=charge.pk)
    ids = {"charge_id": charge.pk, "payment_id": result.payment.pk}
    if not result.created:
        return _decision(record, LineOutcome.DUPLICATE, "Liquidação já aplicada antes.", **ids)
    if record.amount_paid != charge.amount:
        return _decision(
            record,
            LineOutcome.DIVERGENT,
            f"Valor pago {format_brl(record.amount_paid)} difere do valor da cobrança "
            f"{format_brl(charge.amount)}; aplicado, a diferença vai para a próxima cobrança.",
            **ids,
        )
    return _decision(
        record, LineOutcome.APPLIED, f"Pagamento de {format_brl(record.amount_paid)}.", **ids
    )


_WRITING = (OccurrenceCategory.SETTLEMENT, OccurrenceCategory.REVERSAL, OccurrenceCategory.FEE)


def _apply_batched(
    bank_file: BankFile, records: Sequence[ReturnRecord], charges: dict[str, Charge]
) -> list[LineDecision]:
    """The chunk's records as ``_apply_record`` decides them, the settlements it can take
    applied together by ``payment_batch`` and the rest one at a time, in file order (the
    batch is written before each record applied alone)."""
    batch = payment_batch.SettlementBatch(
        charges=charges.values(),
        settlement_ids=[r.settlement_key for r in records if r.is_settlement],
        source=PaymentSource.BANK_FILE,
    )
    queued: list[LineDecision | tuple[ReturnRecord, Charge, payment_batch.Pending]] = []
    for record in records:
        charge = _match(record, charges)
        paid_on = record.payment_date or record.occurrence_date
        if record.is_settlement and charge is not None and paid_on is not None:
            pending = batch.add(
                charge=charge,
                settlement_id=record.settlement_key,
                amount=record.amount_paid,
                paid_on=paid_on,
                credited_on=max(record.credit_date or paid_on, paid_on),
                fine_interest=record.late_charges_paid,
                discount=record.discount,
                bank_fee=record.bank_fee,
            )
            if pending is not None:
                queued.append((record, charge, pending))
                continue
        if charge is not None and record.category in _WRITING:
            batch.flush()
            batch.applied_elsewhere(charge)
        queued.append(_apply_record(bank_file, record, charges))
    batch.flush()
    decisions: list[LineDecision] = []
    for item in queued:
        if isinstance(item, LineDecision):
            decisions.append(item)
        else:
            record, charge, pending = item
            assert pending.result is not None
            decisions.append(_settled(record, charge, pending.result))
    return decisions


def _charge_fee(bank_file: BankFile, record: ReturnRecord, charge: Charge) -> LineDecision:
    """A bank fee debit (tarifa/custas, e.g. CNAB 240 occurrence 28) on the group's account.

    Posted once per record: the ledger reference is the record's settlement key, so the same
    line again (a file imported twice, a chunk run again) finds the first posting.
    """
    fee = record.bank_fee
    posting = ledger.post_transaction(
        group_id=charge.group_id,
        kind=TransactionKind.BANK_FEE,
        lines=(ledger.debit(AccountKind.BANK_FEES, fee), ledger.credit(AccountKind.BANK, fee)),
        idempotency_key=f"bank_fee:{record.settlement_key}",
        effective_date=record.credit_date or record.occurrence_date or timezone.localdate(),
        memo=(
            f"Tarifa bancária da cobrança {charge.pk} ({record.occurrence_description or 'tarifa'}"
            f"; arquivo {bank_file.filename}, linha {record.line_number})"
        )[:300],
    )
    if not posting.created:
        return _decision(
            record,
            LineOutcome.DUPLICATE,
            f"Tarifa já lançada antes (lançamento #{posting.transaction_id}).",
            charge_id=charge.pk,
        )
    return _decision(
        record,
        LineOutcome.FEE,
        f"Tarifa bancária de {format_brl(fee)} debitada (lançamento #{posting.transaction_id}).",
        charge_id=charge.pk,
    )


def _reverse(bank_file: BankFile, record: ReturnRecord, charge: Charge) -> LineDecision:
    standing = (
        Payment.objects.filter(charge=charge, reversal_of__isnull=True, reversed_by__isnull=True)
        .order_by("-pk")
        .first()
    )
    if standing is None:
        return _decision(
            record,
            LineOutcome.IGNORED,
            "Estorno informado, mas a cobrança não tem pagamento a estornar.",
            charge_id=charge.pk,
        )
    result = payments.reverse_payment(
        payment=standing,
        justification=(
            f"Estorno informado pelo banco no arquivo {bank_file.filename}, "
            f"linha {record.line_number}."
        ),
        settlement_id=record.settlement_key,
        reversed_on=record.occurrence_date or timezone.localdate(),
    )
    outcome = LineOutcome.REVERSED if result.created else LineOutcome.DUPLICATE
    return _decision(
        record,
        outcome,
        f"Pagamento {standing.pk} estornado.",
        charge_id=charge.pk,
        payment_id=result.payment.pk,
    )


_COUNTERS = {
    LineOutcome.APPLIED: "applied_count",
    LineOutcome.DUPLICATE: "duplicate_count",
    LineOutcome.UNMATCHED: "unmatched_count",
    LineOutcome.DIVERGENT: "divergent_count",
    LineOutcome.REJECTED: "rejected_count",
}


def _add_counts(bank_file: BankFile, decisions: Sequence[LineDecision]) -> None:
    """Add a chunk's outcomes to the file's counters (same transaction as its lines); the file
    is applied when every record has its line."""
    if not decisions:
        return
    added: dict[str, int] = {}
    for decision in decisions:
        attname = _COUNTERS.get(LineOutcome(decision.outcome), "other_count")
        added[attname] = added.get(attname, 0) + 1
    BankFile.objects.filter(pk=bank_file.pk).update(
        **{attname: F(attname) + count for attname, count in added.items()}
    )
    counts = BankFile.objects.values_list(*_COUNTERS.values(), "other_count").get(pk=bank_file.pk)
    for attname, value in zip([*_COUNTERS.values(), "other_count"], counts, strict=True):
        setattr(bank_file, attname, value)
    if sum(counts) >= bank_file.records_total:
        _finish(bank_file)


def _finish(bank_file: BankFile) -> None:
    bank_file.status = BankFileStatus.APPLIED
    bank_file.finished_at = timezone.now()
    bank_file.save(update_fields=["status", "finished_at"])


# --------------------------------------------------------------------------------------------
# Preview (dry run)


@dataclass(frozen=True, slots=True)
class Preview:
    """What importing a file would do: its errors (rejected) or a decision per record."""

    errors: list[tuple[int, str]]
    lines: list[LineDecision]


def preview_bank_file(*, data: bytes, filename: str) -> Preview:
    """Validate and match a file without applying anything (``import_bank_file --dry-run``)."""
    report = validate_return_file(data, filename=filename)
    if report.errors:
        return Preview(
            errors=_join_by_line((e.line_number, e.message) for e in report.errors), lines=[]
        )
    parsed = parse_return_file(data, filename=filename)
    bank_code = parsed.header.bank_code
    wanted: set[str] = set()
    for record in parsed.records:
        wanted |= _variants(record.nosso_numero)
    charges = {
        c.nosso_numero: c
        for c in Charge.objects.filter(bank_agreement__bank_code=bank_code, nosso_numero__in=wanted)
    }
    applied = set(
        Payment.objects.filter(
            settlement_id__in=[r.settlement_key for r in parsed.records]
        ).values_list("settlement_id", flat=True)
    )
    return Preview(errors=[], lines=[_predict(r, charges, applied) for r in parsed.records])


def _predict(record: ReturnRecord, charges: dict[str, Charge], applied: set[str]) -> LineDecision:
    charge = _match(record, charges)
    if record.category is OccurrenceCategory.FEE and charge is not None and record.bank_fee:
        return _decision(
            record,
            LineOutcome.FEE,
            f"Seria lançada a tarifa de {format_brl(record.bank_fee)}.",
            charge_id=charge.pk,
        )
    if record.category is not OccurrenceCategory.SETTLEMENT:
        return _decision(record, LineOutcome.IGNORED, record.category.label, charge_id=_pk(charge))
    if charge is None:
        return _decision(record, LineOutcome.UNMATCHED, "Nenhuma cobrança com esse nosso número.")
    if record.settlement_key in applied:
        return _decision(record, LineOutcome.DUPLICATE, "Já aplicado.", charge_id=charge.pk)
    if record.amount_paid != charge.amount:
        return _decision(record, LineOutcome.DIVERGENT, "Valor divergente.", charge_id=charge.pk)
    return _decision(record, LineOutcome.APPLIED, "Seria aplicado.", charge_id=charge.pk)
