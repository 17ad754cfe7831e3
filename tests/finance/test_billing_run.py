"""The billing run: one charge per quota and period, idempotent, chunked, resumable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from apps.finance import tasks as finance_tasks
from apps.finance.models import Charge, Installment, PriceDifference
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services import billing, installments, pix
from apps.finance.services.billing import BillingPeriodInvalid
from consorcio.jobs import claim_chunk, sweep_stalled_chunks
from consorcio.models import JobChunk
from consorcio.money import round_half_up
from consorcio.tasks import run_job_chunk
from tests.finance.billing_support import active_quota, billing_group, sell

pytestmark = pytest.mark.django_db
D = Decimal


def _first_period(group) -> dt.date:
    first = Installment.objects.filter(schedule__group=group).order_by("due_date")[0]
    return first.due_date.replace(day=1)


def _run_all_chunks(run) -> None:
    """Run every chunk of the run through the Celery task, as a worker would."""
    for index in JobChunk.objects.filter(job=run.job).values_list("index", flat=True):
        assert run_job_chunk(str(run.job_id), index) in ("done", "skipped")


def test_a_run_bills_each_active_quota_1170_reais_split_by_component(
    finance_user, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    sell(group, finance_user, 1)
    active_quota(group, 2)
    period = _first_period(group)

    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=period, group=group, actor=finance_user)
    _run_all_chunks(run)

    charges = Charge.objects.filter(billing_run=run).order_by("quota__number")
    assert [c.amount for c in charges] == [D("1170.00"), D("1170.00")]
    first = charges[0]
    assert (first.amount_common_fund, first.amount_admin_fee, first.amount_reserve_fund) == (
        D("1000.00"),
        D("150.00"),
        D("20.00"),
    )
    assert (first.first_installment, first.last_installment, first.status) == (1, 1, "open")
    run.job.refresh_from_db()
    assert (run.job.state, run.job.done, run.job.total) == ("succeeded", 2, 2)
    (entry,) = LogEntry.objects.filter(additional_data__action="finance.billing_run.started")
    assert entry.additional_data["details"]["billing_run"] == run.pk
    summary = billing_selectors.billing_run_summary(run)
    assert (summary.charges, summary.amount) == (2, D("2340.00"))


def test_running_a_period_again_creates_nothing_new(
    finance_user, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    active_quota(group, 1)
    period = _first_period(group)
    with django_capture_on_commit_callbacks(execute=False):
        first = billing.start_billing_run(period=period, group=group)
    _run_all_chunks(first)

    with django_capture_on_commit_callbacks(execute=False):
        again = billing.start_billing_run(period=period, group=group)
    _run_all_chunks(again)

    assert Charge.objects.filter(quota__group=group, kind="installment").count() == 1
    assert Charge.objects.filter(billing_run=again).count() == 0
    again.job.refresh_from_db()
    assert again.job.state == "succeeded"


def test_a_quota_sold_after_the_run_is_billed_when_the_period_runs_again(
    finance_user, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    active_quota(group, 1)
    period = _first_period(group)
    with django_capture_on_commit_callbacks(execute=False):
        _run_all_chunks(billing.start_billing_run(period=period, group=group))
    active_quota(group, 2)

    with django_capture_on_commit_callbacks(execute=False):
        again = billing.start_billing_run(period=period, group=group)
    _run_all_chunks(again)

    assert list(
        Charge.objects.filter(billing_run=again).values_list("quota__number", "amount")
    ) == [(2, D("1170.00"))]


def test_a_dead_worker_s_chunk_is_rerun_by_the_sweeper_without_duplicates_or_gaps(
    finance_user, settings, django_capture_on_commit_callbacks
):
    settings.JOB_CHUNK_STALL_SECONDS = 300
    group = billing_group(finance_user)
    for number in range(1, 6):
        active_quota(group, number)
    period = _first_period(group)
    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=period, group=group, chunk_size=2)
    assert JobChunk.objects.filter(job=run.job).count() == 3
    # The worker that took chunk 1 dies: its transaction is gone, its claim stays.
    assert claim_chunk(run.job_id, 1) is not None
    assert run_job_chunk(str(run.job_id), 0) == "done"
    assert run_job_chunk(str(run.job_id), 2) == "done"
    assert run_job_chunk(str(run.job_id), 1) == "skipped"  # still claimed by the dead worker

    with django_capture_on_commit_callbacks(execute=False):
        swept = sweep_stalled_chunks(now=timezone.now() + dt.timedelta(seconds=301))
    assert swept.requeued == [(run.job_id, 1)]
    assert run_job_chunk(str(run.job_id), 1) == "done"

    numbers = list(
        Charge.objects.filter(billing_run=run)
        .order_by("quota__number")
        .values_list("quota__number", flat=True)
    )
    assert numbers == [1, 2, 3, 4, 5]
    run.job.refresh_from_db()
    assert (run.job.state, run.job.done) == ("succeeded", 5)


def test_charges_sum_to_the_installments_due_at_the_credit_in_force(
    finance_user, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user, constituted_months_ago=4)  # late joiners: catch-up
    for number in (1, 2, 3):
        active_quota(group, number)
    period = timezone.localdate().replace(day=1) + dt.timedelta(days=40)
    period = period.replace(day=1)  # next month: this month's and next month's installments

    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=period, group=group)
    _run_all_chunks(run)

    for charge in Charge.objects.filter(billing_run=run):
        due = Installment.objects.filter(
            schedule=charge.schedule,
            number__gte=charge.first_installment,
            number__lte=charge.last_installment,
        )
        fraction = sum(i.total for i in due)
        assert charge.first_installment is not None
        assert charge.last_installment is not None
        assert due.count() == charge.last_installment - charge.first_installment + 1
        assert max(i.due_date for i in due) < (period + dt.timedelta(days=31)).replace(day=1)
        assert charge.amount == round_half_up(fraction * D("100000.00"))
        assert charge.amount == (
            charge.amount_common_fund + charge.amount_reserve_fund + charge.amount_admin_fee
        )
    unbilled = Installment.objects.filter(schedule__group=group, due_date__lt=period).exclude(
        schedule__in=Charge.objects.filter(billing_run=run).values("schedule")
    )
    assert not unbilled.exists()


def test_an_adjustment_prices_the_next_bills_and_charges_the_difference_of_billed_ones(
    finance_user, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    active_quota(group, 1)
    period = _first_period(group)
    with django_capture_on_commit_callbacks(execute=False):
        _run_all_chunks(billing.start_billing_run(period=period, group=group))
    billed = Charge.objects.get(quota__group=group, kind="installment")

    # A3: +5% at the assembly the billed installment counts for.
    installments.record_credit_adjustment(
        group=group, variation=D("0.05"), effective_from=billed.due_date
    )
    (difference,) = PriceDifference.objects.filter(source_charge=billed)
    assert difference.amount == D("58.50")  # 1.17% x 105,000 - 1,170.00

    next_period = (period + dt.timedelta(days=32)).replace(day=1)
    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=next_period, group=group)
    _run_all_chunks(run)

    (charge,) = Charge.objects.filter(billing_run=run)
    # DOMAIN.md §2.3: the new installment is 1.17% x 105,000 = R$ 1.228,50.
    assert charge.credit_value == D("105000.00")
    assert (charge.amount_differences, charge.amount) == (D("58.50"), D("1287.00"))
    difference.refresh_from_db()
    assert difference.charge == charge


def test_a_bank_agreement_gives_each_charge_its_nosso_numero_and_boleto_codes(
    finance_user, django_capture_on_commit_callbacks
):
    group = billing_group(finance_user)
    active_quota(group, 1)
    active_quota(group, 2)
    from apps.finance.models import BankAgreement

    agreement = BankAgreement.objects.create(
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
        last_nosso_numero=1001,
        next_nosso_numero=1000,
    )
    period = _first_period(group)

    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=period, group=group)
    _run_all_chunks(run)

    charges = list(Charge.objects.filter(billing_run=run).order_by("quota__number"))
    assert [c.nosso_numero for c in charges] == ["00001000", "00001001"]
    assert all(len(c.barcode) == 44 and len(c.digitable_line) == 47 for c in charges)
    assert charges[0].barcode[:3] == "341"
    assert charges[0].barcode[9:19] == "0000117000"  # R$ 1.170,00
    agreement.refresh_from_db()
    assert agreement.next_nosso_numero == 1002
    # The same bill as a static PIX carrying the charge's own txid (62.05).
    code = pix.parse_pix(charges[0].pix_payload)
    assert (code.key, code.amount, code.txid) == (
        "financeiro@administradora.example.com",
        D("1170.00"),
        f"COB{charges[0].pk:012d}E001",
    )
    assert charges[0].pix_txid == code.txid


def test_an_exhausted_nosso_numero_range_fails_the_run_and_bills_nothing(
    finance_user, settings, django_capture_on_commit_callbacks
):
    settings.JOB_CHUNK_MAX_ATTEMPTS = 1
    group = billing_group(finance_user)
    active_quota(group, 1)
    active_quota(group, 2)
    from apps.finance.models import BankAgreement

    BankAgreement.objects.create(
        group=group,
        bank_code="341",
        agency="0057",
        account="12345",
        wallet="109",
        agreement_code="",
        beneficiary_name="Administradora Exemplo",
        beneficiary_document="12345678000195",
        first_nosso_numero=1,
        last_nosso_numero=1,
        next_nosso_numero=1,
    )
    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=_first_period(group), group=group)

    assert run_job_chunk(str(run.job_id), 0) == "failed"
    run.job.refresh_from_db()
    assert run.job.state == "failed"
    assert "NossoNumeroRangeExhausted" in run.job.error
    assert not Charge.objects.filter(billing_run=run).exists()


def test_run_billing_command_bills_the_period_and_shows_the_outcome(finance_user, capsys):
    group = billing_group(finance_user)
    active_quota(group, 1)
    period = _first_period(group)

    call_command("run_billing", "--period", f"{period:%Y-%m}", "--group", group.code, "--inline")

    out = capsys.readouterr().out
    assert "Faturamento concluído: 1 cobrança(s), total R$ 1.170,00." in out
    assert Charge.objects.filter(quota__group=group, period=period).count() == 1


def test_a_period_must_be_a_month():
    assert billing.parse_period("2026-12") == dt.date(2026, 12, 1)
    with pytest.raises(BillingPeriodInvalid):
        billing.parse_period("2026-13")


def test_the_monthly_beat_task_plans_the_current_month(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        result = finance_tasks.start_monthly_billing()

    run = billing_selectors.billing_run(result["billing_run"])
    assert run.period == timezone.localdate().replace(day=1)
    assert run.group is None
