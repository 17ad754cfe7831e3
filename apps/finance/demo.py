"""Finance demo data: a month end already run, so every finance page has something to show.

After ``seed_demo_groups``, through the real services only:

1. the sales' pending events are delivered to finance (installment schedules, up-front fees),
   as the worker would;
2. each demo group gets a bank agreement (``services.bank_agreements``), one bank each;
3. the running groups get a few holders who joined ``HISTORY_DAYS`` ago (``sales`` with the
   sale's real moment), so installments fell due in the previous and the current month;
4. billing runs for the previous and the current month (all groups, chunks run here);
5. most charges are paid: the Bradesco group's previous month by a CNAB 240 return file
   written with the project's writer and imported like an uploaded one, the rest by PIX when
   due; one payment in each is late (fine and interest, DOMAIN.md A4); one holder per group
   pays nothing, so the delinquency list (marked for today) has rows and its charges a second
   copy with late charges.

Idempotent: what exists is not created again (agreements by group, sales by quota number, runs
by period, payments by settlement id, the return file by its content), so a second run adds
nothing. Requires ``seed_demo``, ``seed_demo_members`` and ``seed_demo_groups``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from apps.finance import tasks  # noqa: F401 - registers the job kinds run here inline
from apps.finance.models import (
    BankAgreement,
    Charge,
    ChargeStatus,
    InstallmentSchedule,
    PaymentSource,
    ScheduleStatus,
)
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services import bank_agreements, bank_files, billing, delinquency, payments
from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return
from apps.groups import selectors as group_selectors
from apps.groups.services import sales
from apps.members import selectors as member_selectors
from consorcio.jobs import run_chunk
from consorcio.models import Job, JobChunk, OutboxDelivery
from consorcio.outbox import DeliveryOutcome, deliver

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.groups.models import ConsortiumGroup
    from apps.members.models import Member

FINANCE_USERNAME = "financeiro"
SALES_USERNAME = "operacoes"
BENEFICIARY = "Administradora de Consórcio Demonstração Ltda"
BENEFICIARY_CNPJ = "11222333000181"
PIX_KEY = "financeiro@consorcio.example"
HISTORY_DAYS = 75
HISTORY_QUOTAS = (31, 32, 33)  # above the numbers seed_demo_groups sells; the last never pays
LATE_POSITION = 1  # the holder (by position) who pays late
LATE_DAYS = 12
CNAB_BANK = "237"
CNAB_FILENAME = "DEMO-RETORNO-BRADESCO.RET"


@dataclass(frozen=True)
class DemoAgreement:
    """The bank agreement of one demo group."""

    group_code: str
    bank_code: str
    agency: str
    account: str
    wallet: str
    agreement_code: str
    variant: str = ""


DEMO_AGREEMENTS: tuple[DemoAgreement, ...] = (
    DemoAgreement("IMV-0101", "237", "1234", "1234567", "09", "4455667"),
    DemoAgreement("AUT-0201", "341", "0057", "12345", "109", "0057"),
    DemoAgreement("MOT-0301", "001", "1234", "12345678", "17", "1234567"),
    DemoAgreement("SRV-0401", "104", "0001", "12345", "1", "123456"),
    DemoAgreement("ELE-0501", "033", "4321", "13000123", "101", "7654321"),
    DemoAgreement("IMV-0001", "756", "4133", "99887", "1", "1234567", variant="01"),
)
HISTORY_GROUPS = ("IMV-0101", "AUT-0201")  # running groups whose holders joined in the past


@dataclass
class DemoFinanceResult:
    """What a run did (zeros on a second run)."""

    events_delivered: int = 0
    agreements_created: int = 0
    quotas_sold: int = 0
    billing_runs: int = 0
    charges_billed: int = 0
    payments_applied: int = 0
    bank_files_imported: int = 0
    delinquent: int = 0


class DemoPrerequisiteMissing(Exception):
    """``seed_demo``, ``seed_demo_members`` or ``seed_demo_groups`` has not run yet."""


def total_steps() -> int:
    """The steps a progress bar counts."""
    # events, agreements, sales, two billing runs, PIX payments, return file, delinquency
    return 1 + len(DEMO_AGREEMENTS) + len(HISTORY_GROUPS) * len(HISTORY_QUOTAS) + 2 + 1 + 1 + 1


def _user(username: str) -> User:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise DemoPrerequisiteMissing(
            f"Usuário '{username}' não encontrado: rode `manage.py seed_demo` antes."
        )
    return user


def _group(code: str) -> ConsortiumGroup | None:
    return group_selectors.groups().filter(code=code).first()


def _month(day: dt.date, back: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return dt.date(year, month + 1, 1)


# --------------------------------------------------------------------------------------------
# Steps


def _deliver_finance_events() -> int:
    """Deliver the sales' pending events to finance's handlers, as the worker would."""
    delivered = 0
    pending = OutboxDelivery.objects.filter(
        Q(attempts=0) | Q(next_attempt_at__lte=timezone.now()),  # a failed one awaits its retry
        subscriber__startswith="finance.",
        status=OutboxDelivery.Status.PENDING,
    ).order_by("pk")
    for delivery_id in pending.values_list("pk", flat=True):
        delivered += deliver(delivery_id) is DeliveryOutcome.DELIVERED
    return delivered


def _agreement(spec: DemoAgreement, actor: User) -> bool:
    group = _group(spec.group_code)
    if group is None:
        return False
    if BankAgreement.objects.filter(group=group).exists():
        return False
    bank_agreements.create_bank_agreement(
        actor=actor,
        terms=bank_agreements.BankAgreementTerms(
            group=group,
            bank_code=spec.bank_code,
            agency=spec.agency,
            account=spec.account,
            wallet=spec.wallet,
            agreement_code=spec.agreement_code,
            variant=spec.variant,
            beneficiary_name=BENEFICIARY,
            beneficiary_document=BENEFICIARY_CNPJ,
            pix_key=PIX_KEY,
            first_nosso_numero=1,
            last_nosso_numero=999_999,
        ),
    )
    return True


def _sell_history(group: ConsortiumGroup, seller: User, members: Sequence[Member]) -> int:
    """Holders of ``HISTORY_QUOTAS`` who joined ``HISTORY_DAYS`` ago (not sold twice)."""
    free = set(group_selectors.free_quota_numbers(group))
    moment = timezone.now() - dt.timedelta(days=HISTORY_DAYS)
    sold = 0
    for offset, number in enumerate(HISTORY_QUOTAS):
        if number not in free:
            continue
        member = members[(group.pk * 7 + offset) % len(members)]
        reservation = sales.reserve_quota(actor=seller, group=group, member=member, number=number)
        sales.confirm_sale(
            actor=seller, reservation=reservation, contract_accepted=True, sold_at=moment
        )
        sold += 1
    return sold


def _bill(period: dt.date, actor: User) -> tuple[int, int]:
    """The month's billing of every group, its chunks run here; ``(runs, charges)`` created."""
    run = billing_selectors.billing_runs().filter(period=period, group__isnull=True).first()
    active = InstallmentSchedule.objects.filter(status=ScheduleStatus.ACTIVE).count()
    created = run is None or run.quotas_planned < active  # holders joined since: bill them
    if created:
        run = billing.start_billing_run(period=period, actor=actor)
    assert run is not None
    before = Charge.objects.filter(billing_run=run).count()
    _run_job_here(run.job_id, what=f"Faturamento {run.pk}")
    return int(created), Charge.objects.filter(billing_run=run).count() - before


def _run_job_here(job_id: UUID, *, what: str) -> None:
    """Run the job's pending chunks in this process, as a worker would (a chunk that failed
    is retried up to the kernel's attempt limit, then the job fails)."""
    chunks = JobChunk.objects.filter(job_id=job_id, state=JobChunk.State.PENDING)
    while (index := chunks.order_by("index").values_list("index", flat=True).first()) is not None:
        run_chunk(str(job_id), index)
    job = Job.objects.get(pk=job_id)
    if job.state != Job.State.SUCCEEDED:
        raise RuntimeError(f"{what} terminou como {job.get_state_display()}: {job.error}")


def _period_charges(period: dt.date, group_code: str) -> list[Charge]:
    """The installment charges of a period of a history group, by quota number."""
    return list(
        Charge.objects.filter(
            period=period,
            kind="installment",
            group__code=group_code,
            quota__number__in=HISTORY_QUOTAS,
        )
        .select_related("quota")
        .order_by("quota__number")
    )


def _pay_by_pix(charge: Charge, paid_on: dt.date) -> bool:
    """The holder pays by PIX on ``paid_on`` (fine and interest when late, A4)."""
    if charge.status not in (ChargeStatus.OPEN, ChargeStatus.OVERDUE):
        return False
    late = payments.late_charges_for(charge, paid_on).total if paid_on > charge.due_date else None
    payments.apply_payment(
        charge=charge,
        settlement_id=f"demo-pix:{charge.pk}",
        amount=charge.amount + (late or Decimal("0.00")),
        paid_on=paid_on,
        credited_on=paid_on,
        source=PaymentSource.PIX,
        fine_interest=late,
    )
    return True


def _pay_by_pix_month(period: dt.date, today: dt.date, group_codes: Sequence[str]) -> int:
    """The history holders of ``group_codes`` pay the month by PIX when due: one late, the last
    not at all."""
    paid = 0
    for group_code in group_codes:
        charges = _period_charges(period, group_code)
        for position, charge in enumerate(charges[:-1]):
            if charge.due_date > today:
                continue
            on_time = charge.due_date - dt.timedelta(days=position)
            late = charge.due_date + dt.timedelta(days=LATE_DAYS)
            paid += _pay_by_pix(
                charge, late if position == LATE_POSITION and late <= today else on_time
            )
    return paid


def _cnab_group_code() -> str:
    return next(spec.group_code for spec in DEMO_AGREEMENTS if spec.bank_code == CNAB_BANK)


def _import_return_file(period: dt.date, today: dt.date, actor: User) -> tuple[int, int]:
    """The Bradesco group's month paid through a return file; ``(files, payments)``.

    The file settles the month's unpaid charges (one late, with fine and interest) except the
    last holder's; the bank's fee is R$ 1,50 a title.
    """
    group_code = _cnab_group_code()
    entries = []
    for position, charge in enumerate(_period_charges(period, group_code)[:-1]):
        if charge.status not in (ChargeStatus.OPEN, ChargeStatus.OVERDUE) or not (
            charge.nosso_numero and charge.due_date <= today
        ):
            continue
        late_day = charge.due_date + dt.timedelta(days=LATE_DAYS)
        paid_on = late_day if position == LATE_POSITION and late_day <= today else charge.due_date
        late = (
            payments.late_charges_for(charge, paid_on).total
            if paid_on > charge.due_date
            else Decimal("0.00")
        )
        entries.append(
            ReturnEntry(
                nosso_numero=charge.nosso_numero,
                title_value=charge.amount,
                due_date=charge.due_date,
                occurrence_date=paid_on,
                credit_date=paid_on,
                amount_paid=charge.amount + late,
                late_charges_paid=late,
                bank_fee=Decimal("1.50"),
                wallet="1",
                document_number=str(charge.pk),
            )
        )
    if not entries:
        return 0, 0
    agreement = BankAgreement.objects.get(group__code=group_code, is_active=True)
    data = write_cnab240_return(
        bank_code=CNAB_BANK,
        entries=entries,
        company_name="CONSORCIO DEMONSTRACAO LTDA",
        company_document=BENEFICIARY_CNPJ,
        agreement=agreement.agreement_code,
        agency=agreement.agency,
        account=agreement.account,
        generated_on=max(entry.occurrence_date or today for entry in entries),
    )
    received = bank_files.receive_bank_file(data=data, filename=CNAB_FILENAME, actor=actor)
    if received.bank_file.job_id is not None:
        _run_job_here(received.bank_file.job_id, what=f"Retorno {received.bank_file.pk}")
    received.bank_file.refresh_from_db()
    return int(received.created), received.bank_file.applied_count + (
        received.bank_file.divergent_count
    )


def load_demo_finance(
    progress: Callable[[int], None] | None = None, *, today: dt.date | None = None
) -> DemoFinanceResult:
    """Run the demo's month end (see the module doc); ``progress(n)`` as steps finish."""
    step = progress or (lambda _n: None)
    day = today or timezone.localdate()
    finance, seller = _user(FINANCE_USERNAME), _user(SALES_USERNAME)
    members = list(member_selectors.visible_members(seller).order_by("document"))
    if not members or _group(HISTORY_GROUPS[0]) is None:
        raise DemoPrerequisiteMissing(
            "Grupos ou consorciados de demonstração ausentes: rode `manage.py "
            "seed_demo_members` e `manage.py seed_demo_groups` antes."
        )
    result = DemoFinanceResult()
    result.events_delivered += _deliver_finance_events()
    step(1)
    for spec in DEMO_AGREEMENTS:
        result.agreements_created += _agreement(spec, finance)
        step(1)
    for code in HISTORY_GROUPS:
        group = _group(code)
        if group is not None:
            result.quotas_sold += _sell_history(group, seller, members)
        step(len(HISTORY_QUOTAS))
    result.events_delivered += _deliver_finance_events()
    previous, current = _month(day, 1), _month(day, 0)
    for period in (previous, current):
        runs, charges = _bill(period, finance)
        result.billing_runs += runs
        result.charges_billed += charges
        step(1)
    others = [code for code in HISTORY_GROUPS if code != _cnab_group_code()]
    result.payments_applied += _pay_by_pix_month(previous, day, others)
    result.payments_applied += _pay_by_pix_month(current, day, HISTORY_GROUPS)
    step(1)
    files, settled = _import_return_file(previous, day, finance)
    result.bank_files_imported += files
    result.payments_applied += settled if files else 0
    step(1)
    marked = delinquency.mark_delinquency(as_of=day)
    result.delinquent = marked.total("delinquent")
    step(1)
    return result
