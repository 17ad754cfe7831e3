"""Applying payments: allocation and ledger, A4 late charges, differences, idempotency, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from apps.finance import tasks as finance_tasks  # noqa: F401 - registers the billing job kind
from apps.finance.models import (
    AccountKind,
    Charge,
    ChargeStatus,
    InstallmentSchedule,
    LedgerTransaction,
    Payment,
    PaymentSource,
    PriceDifference,
)
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors import payments as payment_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services import billing, installments, payments
from apps.finance.services.schedules import bill_reais
from apps.groups.services.fractions import PlanTerms
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.finance.billing_support import active_quota, billing_group

pytestmark = pytest.mark.django_db
D = Decimal
K = AccountKind
DUE = dt.date(2026, 3, 10)  # worked example 2: a Tuesday


def make_charge(group, number: int = 1, *, due_date: dt.date = DUE, installment: int = 1):
    """An installment charge of quota ``number`` (active, with its schedule) due ``due_date``.

    The row a billing run writes for the installment (A1 Reais at the reference credit), with
    the due date given so a test can pay it late without waiting for the calendar.
    """
    version = active_quota(group, number) if installment == 1 else None
    schedule = InstallmentSchedule.objects.get(quota__group=group, quota__number=number)
    row = schedule.installments.get(number=installment)
    terms = PlanTerms(
        schedule.term_months,
        schedule.admin_fee_total,
        schedule.upfront_fee,
        schedule.reserve_fund,
        schedule.insurance,
    )
    fractions = {
        "common_fund": row.common_fund,
        "reserve_fund": row.reserve_fund,
        "admin_fee": row.admin_fee,
        "insurance": row.insurance,
    }
    credit = group.reference_credit_value
    reais = bill_reais(terms, fractions, credit)
    return Charge.objects.create(
        kind="installment",
        group=group,
        quota_id=schedule.quota_id,
        quota_version_id=version.pk if version else schedule.quota_version_id,
        schedule=schedule,
        period=due_date.replace(day=1),
        first_installment=installment,
        last_installment=installment,
        due_date=due_date,
        credit_value=credit,
        fraction_common_fund=row.common_fund,
        fraction_reserve_fund=row.reserve_fund,
        fraction_admin_fee=row.admin_fee,
        fraction_insurance=row.insurance,
        amount_common_fund=reais.common_fund,
        amount_reserve_fund=reais.reserve_fund,
        amount_admin_fee=reais.admin_fee,
        amount_insurance=reais.insurance,
        amount=reais.total,
    )


def pay(charge, amount, *, settlement="S1", paid_on=DUE, **kwargs):
    kwargs.setdefault("credited_on", paid_on + dt.timedelta(days=1))
    kwargs.setdefault("source", PaymentSource.BANK_FILE)
    return payments.apply_payment(
        charge=charge, settlement_id=settlement, amount=D(amount), paid_on=paid_on, **kwargs
    )


def balances(group) -> dict[str, Decimal]:
    return {k: v for k, v in ledger_selectors.account_balances(group_id=group.pk).items() if v}


def snapshot(group) -> tuple:
    return (
        Payment.objects.count(),
        LedgerTransaction.objects.filter(group=group).count(),
        PriceDifference.objects.count(),
        list(Charge.objects.filter(group=group).values_list("status", flat=True)),
        balances(group),
    )


@pytest.fixture
def group(finance_user):
    return billing_group(finance_user)


def test_paying_on_time_credits_each_component_and_marks_the_installment_paid(group):
    charge = make_charge(group)

    result = pay(charge, "1170.00", fine_interest=D("0.00"))

    assert result.created
    assert result.difference == 0
    charge.refresh_from_db()
    assert charge.status == "paid"
    assert charge.schedule.installments.get(number=1).status == "paid"
    assert balances(group) == {
        K.BANK: D("1170.00"),
        K.COMMON_FUND: D("1000.00"),
        K.ADMINISTRATION_FEE: D("150.00"),
        K.RESERVE_FUND: D("20.00"),
    }
    paid = ledger_selectors.quota_paid_components(quota_version_id=charge.quota_version_id)
    assert paid[K.COMMON_FUND].fraction == D("0.01")
    assert ledger_selectors.quota_paid_fraction(quota_version_id=charge.quota_version_id) == D(
        "0.0117"
    )
    assert find_ledger_violations(group_id=group.pk) == []


def test_worked_example_2_a_late_payment_of_1199_25_splits_the_late_charges(group):
    charge = make_charge(group)

    result = pay(charge, "1199.25", paid_on=dt.date(2026, 3, 25), fine_interest=D("29.25"))

    payment = result.payment
    assert (payment.late_days, payment.late_fine, payment.late_interest) == (
        15,
        D("23.40"),
        D("5.85"),
    )
    assert (payment.alloc_late_group, payment.alloc_late_admin) == (D("14.63"), D("14.62"))
    assert payment.difference == 0
    assert balances(group)[K.LATE_CHARGES_GROUP] == D("14.63")
    assert balances(group)[K.LATE_CHARGES_ADMINISTRADORA] == D("14.62")
    assert balances(group)[K.BANK] == D("1199.25")
    assert find_ledger_violations(group_id=group.pk) == []


def test_late_charges_the_bank_did_not_collect_go_on_the_next_bill(group):
    charge = make_charge(group)

    result = pay(charge, "1170.00", paid_on=dt.date(2026, 3, 25), fine_interest=D("0.00"))

    assert result.difference == D("29.25")
    difference = PriceDifference.objects.get()
    assert (difference.amount, difference.reason, difference.charge) == (
        D("29.25"),
        "payment",
        None,
    )
    assert difference.schedule_id == charge.schedule_id
    assert balances(group)[K.INSTALLMENT_DIFFERENCES] == D("29.25")
    assert Charge.objects.get(pk=charge.pk).status == "paid"
    assert find_ledger_violations(group_id=group.pk) == []


def test_an_overpayment_becomes_a_credit_on_the_next_bill_and_a_bank_fee_is_an_expense(group):
    charge = make_charge(group)

    result = pay(charge, "1200.00", bank_fee=D("2.50"))

    assert result.difference == D("-30.00")
    assert PriceDifference.objects.get().amount == D("-30.00")
    assert balances(group)[K.BANK] == D("1197.50")
    assert balances(group)[K.BANK_FEES] == D("2.50")
    assert balances(group)[K.INSTALLMENT_DIFFERENCES] == D("-30.00")
    assert find_ledger_violations(group_id=group.pk) == []


def test_the_same_settlement_applied_twice_is_applied_once(group):
    charge = make_charge(group)
    first = pay(charge, "1170.00")
    before = snapshot(group)

    again = pay(charge, "1170.00")

    assert not again.created
    assert again.payment.pk == first.payment.pk
    assert snapshot(group) == before
    assert find_ledger_violations(group_id=group.pk) == []


def test_a_settlement_id_reused_with_other_data_is_refused_and_changes_nothing(group):
    charge = make_charge(group)
    other = make_charge(group, 2)
    pay(charge, "1170.00")
    before = snapshot(group)

    with pytest.raises(payments.SettlementIdConflict) as refused:
        pay(charge, "1000.00")
    with pytest.raises(payments.SettlementIdConflict):
        pay(other, "1170.00")

    assert refused.value.code == "settlement_id_conflict"
    assert snapshot(group) == before


def test_a_cancelled_charge_refuses_payment_and_nothing_changes(group):
    charge = make_charge(group)
    Charge.objects.filter(pk=charge.pk).update(status="cancelled")
    before = snapshot(group)

    with pytest.raises(payments.ChargeCancelled) as refused:
        pay(charge, "1170.00")

    assert refused.value.code == "charge_cancelled"
    assert snapshot(group) == before


@pytest.mark.parametrize(
    ("amount", "kwargs", "error"),
    [
        ("0.00", {}, payments.PaymentAmountInvalid),
        ("-5.00", {}, payments.PaymentAmountInvalid),
        ("10.001", {}, payments.PaymentAmountInvalid),
        ("10.00", {"bank_fee": D("11.00")}, payments.PaymentAmountInvalid),
        ("10.00", {"paid_on": dt.date(2999, 1, 1)}, payments.PaymentDateInvalid),
        ("10.00", {"credited_on": DUE - dt.timedelta(days=1)}, payments.PaymentDateInvalid),
    ],
)
def test_invalid_amounts_and_dates_are_refused_in_portuguese(group, amount, kwargs, error):
    charge = make_charge(group)
    before = snapshot(group)

    with pytest.raises(error) as refused:
        pay(charge, amount, **kwargs)

    assert refused.value.detail
    assert "inválid" in refused.value.title.lower()
    assert snapshot(group) == before


def test_a_manual_entry_needs_a_justification_and_is_audited(group, finance_user):
    charge = make_charge(group)
    before = snapshot(group)

    with pytest.raises(payments.ManualPaymentJustificationRequired) as refused:
        payments.record_manual_payment(
            charge=charge, amount=D("1170.00"), paid_on=DUE, justification="  ", actor=finance_user
        )
    assert refused.value.detail == "Informe a justificativa do lançamento manual do pagamento."
    assert snapshot(group) == before

    result = payments.record_manual_payment(
        charge=charge,
        amount=D("1170.00"),
        paid_on=DUE,
        justification="Comprovante de depósito apresentado no balcão.",
        actor=finance_user,
        reference="form-1",
    )
    again = payments.record_manual_payment(
        charge=charge,
        amount=D("1170.00"),
        paid_on=DUE,
        justification="Comprovante de depósito apresentado no balcão.",
        actor=finance_user,
        reference="form-1",
    )

    assert result.payment.source == "manual"
    assert result.payment.actor == finance_user
    assert not again.created
    (entry,) = LogEntry.objects.filter(additional_data__action="finance.payment.manual_entry")
    assert entry.actor == finance_user
    assert entry.additional_data["details"]["justification"].startswith("Comprovante")


def test_the_api_source_also_refuses_a_manual_payment_without_justification(group):
    charge = make_charge(group)
    with pytest.raises(payments.ManualPaymentJustificationRequired):
        pay(charge, "1170.00", source=PaymentSource.MANUAL)
    assert Payment.objects.count() == 0


def test_a_second_settlement_of_a_paid_charge_is_credited_to_the_next_bill(group):
    # A hybrid boleto paid by barcode and by PIX (DOMAIN.md §10): the money is real.
    charge = make_charge(group)
    pay(charge, "1170.00", settlement="boleto")

    second = pay(charge, "1170.00", settlement="pix-e2e", source=PaymentSource.PIX)

    assert second.created
    assert second.difference == D("-1170.00")
    assert balances(group)[K.COMMON_FUND] == D("1000.00")
    assert balances(group)[K.BANK] == D("2340.00")
    assert find_ledger_violations(group_id=group.pk) == []


def test_a_reversal_reopens_the_charge_and_nets_the_ledger_to_zero(group, finance_user):
    charge = make_charge(group)
    original = pay(charge, "1170.00", paid_on=dt.date(2026, 3, 25)).payment

    reversal = payments.reverse_payment(
        payment=original, justification="Estorno do banco (ocorrência 47).", actor=finance_user
    )
    again = payments.reverse_payment(payment=original, justification="de novo")

    assert reversal.created
    assert not again.created
    assert reversal.payment.amount == D("-1170.00")
    assert reversal.payment.difference == -original.difference
    charge.refresh_from_db()
    assert charge.status == "open"
    assert charge.schedule.installments.get(number=1).status == "open"
    assert balances(group) == {}
    assert sum(PriceDifference.objects.values_list("amount", flat=True)) == 0
    assert payment_selectors.applied_fractions(group_id=group.pk) == {}
    with pytest.raises(payments.PaymentNotReversible):
        payments.reverse_payment(payment=reversal.payment, justification="x")
    assert find_ledger_violations(group_id=group.pk) == []


def test_applied_fractions_match_the_ledgers_paid_fractions(group):
    first = make_charge(group)
    second = make_charge(group, 2)
    pay(first, "1170.00", settlement="a")
    pay(second, "1100.00", settlement="b")

    applied = payment_selectors.applied_fractions(group_id=group.pk)

    for charge in (first, second):
        paid = ledger_selectors.quota_paid_components(quota_version_id=charge.quota_version_id)
        for kind in (K.COMMON_FUND, K.RESERVE_FUND, K.ADMINISTRATION_FEE):
            assert applied[(charge.quota_version_id, kind)] == paid[kind].fraction > 0


def test_second_copy_late_charges_follow_the_payment_date(group):
    charge = make_charge(group)
    today = timezone.localdate()

    late = payments.late_charges_for(charge, dt.date(2026, 3, 25))

    assert (late.fine, late.interest, late.total) == (D("23.40"), D("5.85"), D("29.25"))
    assert payments.late_charges_for(charge, DUE).total == 0
    assert payments.late_charges_for(charge, today).days == (today - DUE).days


def test_the_next_billing_run_carries_the_payments_difference(
    group, django_capture_on_commit_callbacks
):
    charge = make_charge(group)
    pay(charge, "1170.00", paid_on=dt.date(2026, 3, 25), fine_interest=D("0.00"))
    second_due = charge.schedule.installments.get(number=2).due_date

    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=second_due.replace(day=1), group=group)
    for index in JobChunk.objects.filter(job=run.job).values_list("index", flat=True):
        assert run_job_chunk(str(run.job_id), index) == "done"

    next_bill = Charge.objects.get(billing_run=run)
    assert next_bill.first_installment == 2
    assert next_bill.amount_differences == D("29.25")
    assert next_bill.amount == D("1199.25")
    assert PriceDifference.objects.get().charge == next_bill

    pay(next_bill, "1199.25", settlement="S2", paid_on=timezone.localdate())

    assert K.INSTALLMENT_DIFFERENCES not in balances(group)
    assert find_ledger_violations(group_id=group.pk) == []


def test_after_an_adjustment_late_charges_apply_to_the_updated_installment(group):
    # DOMAIN.md §6: with the credit adjusted 5%, the R$ 1.170,00 installment is R$ 1.228,50
    # and 15 days late cost 24.57 + 6.14; the R$ 58,50 difference goes on the next bill.
    charge = make_charge(group)
    installments.record_credit_adjustment(group=group, variation=D("0.05"), effective_from=DUE)

    result = pay(charge, "1200.71", paid_on=dt.date(2026, 3, 25), fine_interest=D("30.71"))

    payment = result.payment
    assert (payment.late_fine, payment.late_interest) == (D("24.57"), D("6.14"))
    assert (payment.alloc_late_group, payment.alloc_late_admin) == (D("15.36"), D("15.35"))
    assert payment.difference == 0
    adjustment = PriceDifference.objects.get(reason="adjustment")
    assert (adjustment.amount, adjustment.charge) == (D("58.50"), None)
    assert find_ledger_violations(group_id=group.pk) == []


def test_a_failure_after_the_ledger_posting_rolls_everything_back(group):
    # A transfer fee charge of a quota whose schedule was cancelled: the overpayment has no
    # bill to go on, so the application fails after posting to the ledger; nothing remains.
    from apps.groups.models import QuotaObligation

    version = active_quota(group, 1)
    installments.cancel_schedule(quota_id=version.quota_id, version=1)
    obligation = QuotaObligation.objects.create(
        quota_version=version, kind="transfer_fee", amount=D("500.00"), due_date=DUE
    )
    charge = Charge.objects.create(
        kind="transfer_fee",
        group=group,
        quota_id=version.quota_id,
        quota_version=version,
        obligation=obligation,
        period=DUE.replace(day=1),
        due_date=DUE,
        amount_fees=D("500.00"),
        amount=D("500.00"),
    )
    before = snapshot(group)

    with pytest.raises(payments.PaymentDifferenceUnrecordable):
        pay(charge, "600.00")

    assert snapshot(group) == before
    assert find_ledger_violations(group_id=group.pk) == []
    assert pay(charge, "500.00").payment.alloc_fees == D("500.00")
    assert balances(group)[K.ADMINISTRATION_FEE] == D("500.00")


def test_a_next_bill_the_overpayment_covers_entirely_is_settled_from_the_credit(
    group, django_capture_on_commit_callbacks
):
    # The holder paid installment 1 twice over (R$ 2.340,00 for R$ 1.170,00): the excess is a
    # credit of R$ 1.170,00, exactly installment 2. Its bill is R$ 0,00: no bank will pay it,
    # so billing settles it from the credit and installment 2 is paid, not left overdue.
    charge = make_charge(group)
    pay(charge, "2340.00")
    second_due = charge.schedule.installments.get(number=2).due_date

    with django_capture_on_commit_callbacks(execute=False):
        run = billing.start_billing_run(period=second_due.replace(day=1), group=group)
    for index in JobChunk.objects.filter(job=run.job).values_list("index", flat=True):
        assert run_job_chunk(str(run.job_id), index) == "done"

    next_bill = Charge.objects.get(billing_run=run)
    assert (next_bill.amount_differences, next_bill.amount) == (D("-1170.00"), D("0.00"))
    assert next_bill.status == ChargeStatus.PAID
    settled = Payment.objects.get(charge=next_bill)
    assert (settled.source, settled.amount, settled.settlement_id) == (
        PaymentSource.CREDIT,
        D("0.00"),
        f"credit:{next_bill.pk}",
    )
    assert next_bill.schedule.installments.get(number=2).status == "paid"
    assert K.INSTALLMENT_DIFFERENCES not in balances(group)
    # Both installments' money sits in the funds: 2 x 1.170,00 received from the bank.
    assert balances(group)[K.BANK] == D("2340.00")
    assert find_ledger_violations(group_id=group.pk) == []
    # Settled once: billing the period again (or settling again) changes nothing.
    again = payments.settle_from_credit(charge_id=next_bill.pk)
    assert not again.created
    with pytest.raises(payments.PaymentAmountInvalid):
        payments.settle_from_credit(charge_id=charge.pk)  # R$ 1.170,00 to pay: not a credit


def test_a_credit_settlement_carries_no_money():
    with pytest.raises(payments.PaymentAmountInvalid):
        payments.validate_payment(
            settlement_id="credit:1",
            amount=D("10.00"),
            paid_on=DUE,
            credited_on=DUE,
            fine_interest=None,
            discount=D("0.00"),
            bank_fee=D("0.00"),
            source=PaymentSource.CREDIT,
            justification=None,
        )


def test_check_ledger_names_a_payment_whose_recorded_fractions_differ_from_its_postings(group):
    from tests.finance.test_ledger_yield_and_check import _corrupt

    paid = pay(make_charge(group), "1170.00").payment
    assert find_ledger_violations(group_id=group.pk) == []

    # A payment row edited behind the services' back (a bad restore, a manual fix).
    _corrupt(
        "UPDATE finance_payment SET fraction_common_fund = fraction_common_fund + 0.0000000001 "
        "WHERE id = %s",
        [paid.pk],
    )

    violations = find_ledger_violations(group_id=group.pk)
    assert [v.code for v in violations] == ["paid_fraction_mismatch"]
    assert f"versão #{paid.quota_version_id}" in violations[0].message
    assert "common_fund" in violations[0].message
