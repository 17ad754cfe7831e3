"""The billing run and fee charges (ISSUE 11 §3, DOMAIN.md A1).

``start_billing_run(period=..., group=None)`` bills a month: for every active schedule of a
quota whose holder is active or awarded, one charge for the installments due up to the end of
the period and not billed before, plus the quota's pending price differences and late charges,
in Reais at the credit value in force on the charge's due date (A1: total ``round2(p x C)``,
components by largest remainder over the plan's exact terms).

Progress is a kernel job (``consorcio.jobs``): the active schedules are cut into chunks of
``chunk_size`` consecutive ids, one Celery task each; a chunk runs in one transaction with its
completion (an atomic job kind), so a worker killed mid-chunk leaves nothing behind and the
sweeper's re-run bills the chunk once. Charges are written with ``COPY``; the run has one audit
entry (``record_batch_audit``), written when it is planned.

**Idempotent**: a charge covers installments ``first..last`` of its schedule and the next run
starts after the last one billed; the database allows one installment charge per quota and
period (``finance_charge_one_installment_bill_per_period``), so re-running a period creates
nothing for quotas already billed (and bills a quota sold since).

Boleto codes: when the group (or the administradora) has an active ``BankAgreement``, each
charge gets the next nosso número of its range (allocated per chunk in one ``UPDATE …
RETURNING``: the agreement row stays locked until the chunk commits, so chunks of one agreement
commit one after another) and its barcode and linha digitável
(``services.boleto.issue_boleto``); when the agreement has a PIX key, also a static PIX BR
Code carrying the charge's own txid (``services.pix``). Charge ids are taken from the table's
sequence before the COPY, so the codes can name them.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.string import TextLoader

from apps.finance.models import (
    BankAgreement,
    BillingRun,
    Charge,
    ChargeKind,
    ChargeStatus,
    Installment,
    InstallmentSchedule,
    PriceDifference,
    ScheduleStatus,
)
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services import payments, pix
from apps.finance.services.boleto.agreement import CollectionAgreement
from apps.finance.services.boleto.issuing import issue_boleto
from apps.finance.services.schedules import BillReais, bill_reais
from apps.groups import selectors as group_selectors
from apps.groups.services.fractions import PlanTerms
from consorcio.audit import record_batch_audit
from consorcio.errors import DomainError
from consorcio.jobs import plan_chunks, start_job

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "BILLING_JOB_KIND",
    "DEFAULT_CHUNK_SIZE",
    "BillingPeriodInvalid",
    "NossoNumeroRangeExhausted",
    "bill_schedule_range",
    "charge_obligation",
    "parse_period",
    "save_with_payment_codes",
    "start_billing_run",
]

BILLING_JOB_KIND = "finance.billing_run"
_INSTALLMENT = ChargeKind.INSTALLMENT.value
_OPEN = ChargeStatus.OPEN.value
DEFAULT_CHUNK_SIZE = 5_000
# Holders who keep paying installments: active and awarded quotas (A3: awarded ones too).
BILLABLE_STATUSES = ("active", "awarded")
ZERO = Decimal("0.00")


class BillingPeriodInvalid(DomainError):
    """The period is not a month written ``AAAA-MM``."""

    code: ClassVar[str] = "billing_period_invalid"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Competência inválida"
    default_detail: ClassVar[str] = "Informe a competência no formato AAAA-MM."


class NossoNumeroRangeExhausted(DomainError):
    """The bank agreement has no nosso número left for the charges to issue."""

    code: ClassVar[str] = "nosso_numero_range_exhausted"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Faixa de nosso número esgotada"
    default_detail: ClassVar[str] = (
        "A faixa de nosso número do convênio acabou: amplie-a e fature novamente."
    )


def parse_period(text: str) -> dt.date:
    """The first day of the month ``AAAA-MM`` (refused with ``billing_period_invalid``)."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*", text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise BillingPeriodInvalid(f"Competência inválida: {text!r}. Use AAAA-MM.")
    return dt.date(int(match[1]), int(match[2]), 1)


def _period_end(period: dt.date) -> dt.date:
    return period.replace(day=pycalendar.monthrange(period.year, period.month)[1])


def _schedule_buckets(group_id: int | None, size: int) -> list[tuple[int, int, int]]:
    """``(first id, last id, count)`` of consecutive active schedules, ``size`` per bucket."""
    where = "status = %s" + (" AND group_id = %s" if group_id is not None else "")
    params: list[Any] = [ScheduleStatus.ACTIVE]
    if group_id is not None:
        params.append(group_id)
    table = InstallmentSchedule._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT min(id), max(id), count(*) FROM (
                    SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS bucket
                    FROM {table} WHERE {where}
                ) AS numbered GROUP BY bucket ORDER BY bucket""",  # noqa: S608 - names are ours
            [size, *params],
        )
        return [(int(lo), int(hi), int(n)) for lo, hi, n in cursor.fetchall()]


def start_billing_run(
    *,
    period: dt.date,
    group: ConsortiumGroup | None = None,
    actor: AbstractBaseUser | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> BillingRun:
    """Plan the billing of ``period`` (its month) for one group or all, as a chunked job.

    Returns the run at once; the chunks are enqueued after commit and its job shows the
    progress (quotas done of total). Running a period again bills only what was not billed.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    month = period.replace(day=1)
    scope = f" do grupo {group.code}" if group is not None else ""
    with transaction.atomic():
        job = start_job(
            kind=BILLING_JOB_KIND,
            description=f"Faturamento de {month:%m/%Y}{scope}",
            started_by=actor,
            params={"period": month.isoformat(), "group": group.pk if group else None},
        )
        run = BillingRun.objects.create(
            period=month,
            group_id=group.pk if group is not None else None,
            job=job,
            started_by_id=actor.pk if actor is not None else None,
        )
        buckets = _schedule_buckets(group.pk if group is not None else None, chunk_size)
        run.quotas_planned = sum(n for _, _, n in buckets)
        run.save(update_fields=["quotas_planned"])
        plan_chunks(
            job,
            [{"run": run.pk, "first": lo, "last": hi} for lo, hi, _ in buckets],
            sizes=[n for _, _, n in buckets],
        )
        record_batch_audit(
            actor=actor,
            action="finance.billing_run.started",
            model=Charge,
            count=run.quotas_planned,
            details={
                "billing_run": run.pk,
                "job": str(job.pk),
                "period": month.isoformat(),
                "group": group.pk if group is not None else None,
                "chunks": len(buckets),
            },
            operation="create",
        )
    return run


def _table(model: Any, field: str | None = None) -> str:
    """The table of ``model`` (or of the model its ``field`` points at), quoted."""
    target = model._meta.get_field(field).related_model if field else model
    return connection.ops.quote_name(target._meta.db_table)


# Per active schedule of the range whose holder is billable and not yet billed this period:
# its billing cursor (last installment billed), then the open installments after it that are
# due by the period's end, read by the (schedule, number) index from the cursor on, summed.
_DUE_SQL = """
WITH cursors AS (
    SELECT s.id AS schedule_id, s.quota_id, q.current_version_id, s.group_id,
           g.reference_credit_value, s.term_months, s.admin_fee_total, s.upfront_fee,
           s.reserve_fund, s.insurance,
           -- ``c.quota_id = s.quota_id`` (implied by the schedule) gives every index the
           -- planner may pick a per-quota condition: with statistics taken while the table was
           -- small it chose the partial (quota, period) index with no condition at all and
           -- scanned every installment charge per quota (12 s for a chunk of 5,000).
           COALESCE((SELECT max(c.last_installment) FROM {charge} AS c
                     WHERE c.schedule_id = s.id AND c.quota_id = s.quota_id
                       AND c.kind = 'installment' AND c.status <> 'cancelled'), 0)
               AS billed_through
    FROM {schedule} AS s
    JOIN {quota} AS q ON q.id = s.quota_id
    JOIN {version} AS v ON v.id = q.current_version_id
    JOIN {group} AS g ON g.id = s.group_id
    WHERE s.id BETWEEN %(first)s AND %(last)s AND s.status = 'active'
      AND v.status = ANY(%(billable)s)
      AND (%(group)s::bigint IS NULL OR s.group_id = %(group)s::bigint)
      -- A scalar subquery, not NOT EXISTS: probed per quota by the unique (quota, period)
      -- index whatever the statistics say (a run grows the table faster than ANALYZE sees).
      AND (SELECT p.id FROM {charge} AS p
           WHERE p.quota_id = s.quota_id AND p.period = %(period)s
             AND p.kind = 'installment' LIMIT 1) IS NULL
)
SELECT cur.schedule_id, cur.quota_id, cur.current_version_id, cur.group_id,
       cur.reference_credit_value, cur.term_months, cur.admin_fee_total, cur.upfront_fee,
       cur.reserve_fund, cur.insurance, min(i.number), max(i.number), max(i.due_date),
       sum(i.common_fund), sum(i.reserve_fund), sum(i.admin_fee), sum(i.insurance)
FROM cursors AS cur
JOIN {installment} AS i ON i.schedule_id = cur.schedule_id AND i.number > cur.billed_through
WHERE i.due_date <= %(period_end)s AND i.status = 'open'
GROUP BY cur.schedule_id, cur.quota_id, cur.current_version_id, cur.group_id,
         cur.reference_credit_value, cur.term_months, cur.admin_fee_total, cur.upfront_fee,
         cur.reserve_fund, cur.insurance
ORDER BY cur.schedule_id
"""


def _due_rows(run: BillingRun, first: int, last: int) -> list[tuple[Any, ...]]:
    """Per schedule in ``first..last``: the open installments due by the period's end and not
    billed yet, summed (one query; see ``_DUE_SQL``). Numbers come as their decimal text: a
    chunk's rows mostly repeat a few plans and fractions, and text is what the bill cache
    keys on and COPY writes back."""
    sql = _DUE_SQL.format(
        charge=_table(Charge),
        schedule=_table(InstallmentSchedule),
        installment=_table(Installment),
        quota=_table(InstallmentSchedule, "quota"),
        version=_table(InstallmentSchedule, "quota_version"),
        group=_table(InstallmentSchedule, "group"),
    )
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("numeric", TextLoader)
        cursor.execute(
            sql,
            {
                "first": first,
                "last": last,
                "billable": list(BILLABLE_STATUSES),
                "group": run.group_id,
                "period": run.period,
                "period_end": _period_end(run.period),
            },
        )
        return list(cursor.fetchall())


# Positions in a row of ``_DUE_SQL``.
_SCHEDULE, _QUOTA, _VERSION, _GROUP, _REFERENCE = range(5)
_TERMS = slice(5, 10)  # term, fee total, up-front fee, reserve fund, insurance
_FIRST, _LAST, _DUE_DATE = 10, 11, 12
_FRACTIONS = slice(13, 17)  # common fund, reserve fund, fee, insurance (the schedule's sums)


def _bill(terms: Sequence[str], fractions: Sequence[str], credit: Decimal) -> BillReais:
    plan = PlanTerms(int(terms[0]), *(Decimal(value) for value in terms[1:]))
    parts = dict(
        zip(
            ("common_fund", "reserve_fund", "admin_fee", "insurance"),
            (Decimal(value) for value in fractions),
            strict=True,
        )
    )
    return bill_reais(plan, parts, credit)


# Columns COPY writes, in order (the rest take their defaults: none are needed here).
_CHARGE_COLUMNS = (
    "id",
    "kind",
    "group_id",
    "quota_id",
    "quota_version_id",
    "schedule_id",
    "billing_run_id",
    "period",
    "first_installment",
    "last_installment",
    "due_date",
    "credit_value",
    "fraction_common_fund",
    "fraction_reserve_fund",
    "fraction_admin_fee",
    "fraction_insurance",
    "amount_common_fund",
    "amount_reserve_fund",
    "amount_admin_fee",
    "amount_insurance",
    "amount_fees",
    "amount_differences",
    "amount_late_charges",
    "amount",
    "status",
    "bank_agreement_id",
    "nosso_numero",
    "barcode",
    "digitable_line",
    "pix_txid",
    "pix_payload",
    "reference",
    "created_at",
)
_COLUMN = {name: index for index, name in enumerate(_CHARGE_COLUMNS)}


def bill_schedule_range(*, run_id: int, first_schedule_id: int, last_schedule_id: int) -> int:
    """Bill the schedules ``first..last`` of run ``run_id``: one charge per quota with
    installments due; returns how many charges were created.

    Runs inside the caller's transaction (the job chunk's): either every charge of the range
    is written, or none.
    """
    run = BillingRun.objects.get(pk=run_id)
    due = _due_rows(run, first_schedule_id, last_schedule_id)
    if not due:
        return 0
    differences = billing_selectors.pending_differences(first_schedule_id, last_schedule_id)
    late = billing_selectors.pending_late_charges(first_schedule_id, last_schedule_id)
    prices = billing_selectors.credit_values_in_force(
        {(row[_GROUP], row[_DUE_DATE]) for row in due},
        reference={row[_GROUP]: Decimal(row[_REFERENCE]) for row in due},
    )
    now = timezone.now()
    # A chunk's quotas share a few plans and due dates: each distinct bill is computed once.
    bills: dict[tuple[Any, ...], tuple[Decimal, BillReais]] = {}
    charges: list[list[Any]] = []
    carried: list[int] = []
    for row in due:
        key = (row[_GROUP], row[_DUE_DATE], row[_TERMS], row[_FRACTIONS])
        cached = bills.get(key)
        if cached is None:
            credit = prices[(row[_GROUP], row[_DUE_DATE])]
            cached = bills[key] = (credit, _bill(row[_TERMS], row[_FRACTIONS], credit))
        credit, reais = cached
        total, difference, late_charges = reais.total, ZERO, ZERO
        if row[_SCHEDULE] in differences or row[_SCHEDULE] in late:
            difference, difference_ids = differences.get(row[_SCHEDULE], (ZERO, []))
            late_charges = late.get(row[_SCHEDULE], ZERO)
            if reais.total + difference + late_charges < 0:
                difference = ZERO  # a credit larger than the bill waits for a larger one
            else:
                carried.extend(difference_ids)
            total = reais.total + difference + late_charges
        charges.append(
            [
                None,  # the id, taken from the table's sequence below
                _INSTALLMENT,
                row[_GROUP],
                row[_QUOTA],
                row[_VERSION],
                row[_SCHEDULE],
                run.pk,
                run.period,
                row[_FIRST],
                row[_LAST],
                row[_DUE_DATE],
                credit,
                *row[_FRACTIONS],
                reais.common_fund,
                reais.reserve_fund,
                reais.admin_fee,
                reais.insurance,
                ZERO,
                difference,
                late_charges,
                total,
                _OPEN,
                None,
                "",
                "",
                "",
                "",
                "",
                "",  # reference: bid charges only
                now,
            ]
        )
    ids = _next_charge_ids(len(charges))
    for charge, charge_id in zip(charges, ids, strict=True):
        charge[0] = charge_id
    _issue_payment_codes(charges)
    _copy_charges(charges)
    if carried:
        by_schedule = {charge[_COLUMN["schedule_id"]]: charge[0] for charge in charges}
        PriceDifference.objects.bulk_update(
            [
                PriceDifference(pk=pk, charge_id=by_schedule[schedule_id])
                for pk, schedule_id in PriceDifference.objects.filter(pk__in=carried).values_list(
                    "pk", "schedule_id"
                )
            ],
            ["charge"],
        )
    # A bill the holder's credit covered entirely (R$ 0,00) is settled from it at once: no
    # bank will ever pay it, and its installments would otherwise stay unpaid.
    for charge in charges:
        if charge[_COLUMN["amount"]] == ZERO:
            payments.settle_from_credit(charge_id=charge[0])
    return len(charges)


def _next_charge_ids(count: int) -> list[int]:
    """``count`` ids from the charge table's identity sequence (COPY then writes them)."""
    table = Charge._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [int(row[0]) for row in cursor.fetchall()]


def _copy_charges(rows: Sequence[Sequence[Any]]) -> None:
    table = Charge._meta.db_table
    statement = f"COPY {table} ({', '.join(_CHARGE_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def _allocate_nosso_numeros(agreement_id: int, count: int) -> int:
    """Take ``count`` consecutive numbers of the agreement's range; returns the first."""
    table = BankAgreement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET next_nosso_numero = next_nosso_numero + %s
                WHERE id = %s AND next_nosso_numero + %s - 1 <= last_nosso_numero
                RETURNING next_nosso_numero - %s""",  # noqa: S608 - names are ours
            [count, agreement_id, count, count],
        )
        row = cursor.fetchone()
    if row is None:
        raise NossoNumeroRangeExhausted()
    return int(row[0])


def _collection_agreement(agreement: BankAgreement) -> CollectionAgreement:
    return CollectionAgreement(
        bank_code=agreement.bank_code,
        agency=agreement.agency,
        account=agreement.account,
        wallet=agreement.wallet,
        agreement_code=agreement.agreement_code,
        variant=agreement.variant,
    )


def _pix_payload(agreement: BankAgreement, charge_id: int, amount: Decimal) -> tuple[str, str]:
    """``(txid, BR Code)`` of a charge's static PIX when the agreement has a PIX key.

    The code carries the charge's own txid in 62.05 (``pix.static_txid_for``), so an incoming
    PIX names the charge it pays; without a key the charge is paid by boleto only.
    """
    if not agreement.pix_key:
        return "", ""
    txid = pix.static_txid_for(charge_id=charge_id)
    payload = pix.build_static_pix(
        key=agreement.pix_key,
        merchant_name=agreement.beneficiary_name,
        merchant_city=settings.PIX_MERCHANT_CITY,
        txid=txid,
        amount=amount,
    )
    return txid, payload


def _issue_payment_codes(charges: list[list[Any]]) -> None:
    """Give each charge of a group with an active agreement its nosso número and codes."""
    by_group: dict[int, list[list[Any]]] = {}
    for charge in charges:
        by_group.setdefault(charge[_COLUMN["group_id"]], []).append(charge)
    for group_id, group_charges in sorted(by_group.items()):
        agreement = billing_selectors.active_agreement(group_id)
        if agreement is None:
            continue
        layout = _collection_agreement(agreement)
        sequence = _allocate_nosso_numeros(agreement.pk, len(group_charges))
        for charge in group_charges:
            amount = charge[_COLUMN["amount"]]
            boleto = issue_boleto(
                agreement=layout,
                sequence=sequence,
                due_date=charge[_COLUMN["due_date"]],
                amount=amount,
                installment_number=charge[_COLUMN["last_installment"]] or 1,
            )
            txid, payload = _pix_payload(agreement, charge[_COLUMN["id"]], amount)
            charge[_COLUMN["bank_agreement_id"]] = agreement.pk
            charge[_COLUMN["nosso_numero"]] = boleto.nosso_numero.number
            charge[_COLUMN["barcode"]] = boleto.barcode
            charge[_COLUMN["digitable_line"]] = boleto.linha_digitavel
            charge[_COLUMN["pix_txid"]] = txid
            charge[_COLUMN["pix_payload"]] = payload
            sequence += 1


@transaction.atomic
def charge_obligation(
    *,
    obligation_id: int,
    member_id: int,
    quota_version_id: int,
    kind: str,
    amount: Decimal,
    due_date: dt.date,
) -> Charge:
    """The charge of a fee the groups context recorded (up-front fee at sale, transfer fee).

    One charge per obligation: delivering the event again returns the existing charge.
    """
    existing = Charge.objects.filter(obligation_id=obligation_id).first()
    if existing is not None:
        return existing
    if kind not in (ChargeKind.UPFRONT_FEE, ChargeKind.TRANSFER_FEE):
        raise ValueError(f"unknown obligation kind {kind!r}")
    version = group_selectors.participation_history(member_id).get(pk=quota_version_id)
    charge = Charge(
        kind=kind,
        group_id=version.quota.group_id,
        quota_id=version.quota_id,
        quota_version_id=version.pk,
        schedule=billing_selectors.current_schedule(version.quota_id),
        obligation_id=obligation_id,
        period=due_date.replace(day=1),
        due_date=due_date,
        amount_fees=amount,
        amount=amount,
    )
    save_with_payment_codes(charge)
    return charge


def save_with_payment_codes(charge: Charge) -> None:
    """Save a new single charge (a fee, a bid) with its boleto and PIX codes, when its group
    (or the administradora) has an active agreement; without one it is saved as it is."""
    agreement = billing_selectors.active_agreement(charge.group_id)
    if agreement is not None:
        sequence = _allocate_nosso_numeros(agreement.pk, 1)
        boleto = issue_boleto(
            agreement=_collection_agreement(agreement),
            sequence=sequence,
            due_date=charge.due_date,
            amount=charge.amount,
        )
        charge.bank_agreement = agreement
        charge.nosso_numero = boleto.nosso_numero.number
        charge.barcode = boleto.barcode
        charge.digitable_line = boleto.linha_digitavel
    charge.save()
    if agreement is not None and agreement.pix_key:
        charge.pix_txid, charge.pix_payload = _pix_payload(agreement, charge.pk, charge.amount)
        charge.save(update_fields=["pix_txid", "pix_payload"])
