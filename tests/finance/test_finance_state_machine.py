"""Hypothesis state machine over a group's month ends (ISSUE 11 §8 proofs, DOMAIN.md A1-A4).

Random sequences of: billing a period, paying a charge on time, paying it late (A4 late
charges), a partial or over-payment as a bank reports it, the annual adjustment (A3), a payment
reversal, the same settlement delivered again (applied once) and a manual payment, all through
the real services. After every step:

- ``find_ledger_violations()`` (what ``check_ledger`` runs) finds nothing;
- no quota has paid more of a component than its plan asks for, nor less than nothing;
- every charge's Reais parts sum to its amount, and its installment parts to the half-up cents
  of their fractions at the charge's credit value (A1);
- the statement (extrato) agrees with the cents rules: owed Reais are the half-up cents of the
  owed fractions at the credit in force, its totals are the sums of its rows, and what it says
  was paid equals what the machine paid.

Replaying a failure: under ``HYPOTHESIS_PROFILE=ci`` (CI's profile) the examples are
derandomized, so the run that failed in CI fails the same way locally with
``HYPOTHESIS_PROFILE=ci .venv/bin/pytest tests/finance/test_finance_state_machine.py``.
Under the other profiles a failure prints its steps and a ``@reproduce_failure`` blob
(``print_blob``), and Hypothesis' example database replays it on the next run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, assume, event, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from apps.finance import tasks as finance_tasks  # noqa: F401 - registers the billing job kind
from apps.finance.models import (
    ALLOCATION_FIELDS,
    AccountKind,
    Charge,
    ChargeStatus,
    CreditValue,
    Installment,
    LedgerTransaction,
    Payment,
    PaymentSource,
)
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.selectors.statements import quota_statement
from apps.finance.services import billing, installments, payments
from apps.groups.models import Quota, QuotaVersion
from consorcio.models import JobChunk
from consorcio.money import fraction_to_reais
from consorcio.tasks import run_job_chunk
from tests.accounts.factories import UserFactory
from tests.finance.billing_support import billing_group

D = Decimal
ZERO = D("0.00")
PARTS = (
    "amount_common_fund",
    "amount_reserve_fund",
    "amount_admin_fee",
    "amount_insurance",
    "amount_fees",
    "amount_differences",
    "amount_late_charges",
)
INSTALLMENT_PARTS = (
    ("amount_common_fund", "fraction_common_fund"),
    ("amount_reserve_fund", "fraction_reserve_fund"),
    ("amount_admin_fee", "fraction_admin_fee"),
    ("amount_insurance", "fraction_insurance"),
)
# The statement's component accounts and the payment column of the fraction each was paid.
PAID_FRACTIONS = {
    AccountKind.COMMON_FUND: "fraction_common_fund",
    AccountKind.RESERVE_FUND: "fraction_reserve_fund",
    AccountKind.ADMINISTRATION_FEE: "fraction_admin_fee",
    AccountKind.INSURANCE_PAYABLE: "fraction_insurance",
}
_ids = itertools.count(1)
# The profile tests/conftest.py loaded; CI's runs derandomized so a CI failure replays.
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


class FinanceMachine(RuleBasedStateMachine):
    """A group with two quotas sold months ago, billed month by month from the first due date."""

    # Set once per class (setUpTestData); every example starts from these unbilled quotas.
    group = None
    actor = None
    versions: list[int] = []

    charges = Bundle("charges")

    def __init__(self):
        super().__init__()
        # Each example in its own savepoint, rolled back in teardown.
        self._example = transaction.atomic()
        self._example.__enter__()
        self.today = timezone.localdate()
        first_due = (
            Installment.objects.filter(schedule__group=self.group).order_by("due_date")[0].due_date
        )
        self.next_period = first_due.replace(day=1)
        self.paid_total = dict.fromkeys(self.versions, ZERO)  # payments minus reversals
        self.calls: dict[int, dict] = {}  # payment id -> the arguments it was applied with
        self.adjusted_on: set[dt.date] = set(
            CreditValue.objects.filter(group_id=self.group.pk).values_list(
                "effective_from", flat=True
            )
        )

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # ----------------------------------------------------------------------------------------
    # Helpers

    def _snapshot(self) -> tuple:
        return (
            Payment.objects.filter(group_id=self.group.pk).count(),
            LedgerTransaction.objects.filter(group_id=self.group.pk).count(),
            ledger_selectors.account_balances(group_id=self.group.pk),
        )

    def _paid_on(self, charge: Charge, days_late: int) -> dt.date:
        # A payment date is never in the future; a charge due later is paid early (on time).
        return min(charge.due_date + dt.timedelta(days=days_late), self.today)

    def _apply(self, charge: Charge, *, amount: D, paid_on: dt.date, **kwargs):
        """Apply a new settlement and check what it posted against A1/A4."""
        charge = Charge.objects.get(pk=charge.pk)
        was_paid = charge.status == ChargeStatus.PAID
        late = payments.late_charges_for(charge, paid_on)
        settlement = kwargs.pop("settlement_id", f"SM{next(_ids)}")
        call = {
            "charge": charge,
            "settlement_id": settlement,
            "amount": amount,
            "paid_on": paid_on,
            "credited_on": paid_on + dt.timedelta(days=1),
            "source": PaymentSource.BANK_FILE,
            **kwargs,
        }
        result = payments.apply_payment(**call)
        assert result.created
        payment = result.payment
        owed = sum((getattr(payment, name) for name in ALLOCATION_FIELDS), D(0))
        # A4: what the bank reports is applied; the rest is a difference on the next bill.
        assert owed - payment.difference == amount
        if was_paid:
            assert owed == 0  # a second settlement of a paid charge is all credit
        else:
            assert owed == charge.amount + late.total
            assert (payment.late_fine, payment.late_interest) == (late.fine, late.interest)
            assert payment.alloc_late_group + payment.alloc_late_admin == late.total
            assert payment.alloc_late_group >= payment.alloc_late_admin
            if paid_on <= charge.due_date:
                assert late.total == 0
        assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.PAID
        self.paid_total[payment.quota_version_id] += amount
        self.calls[payment.pk] = call

    # ----------------------------------------------------------------------------------------
    # Rules

    @initialize(target=charges)
    def bill_first_period(self):
        return multiple(*self._bill())

    @rule(target=charges)
    def bill_next_period(self):
        """The next month (up to the coming one: its charges are paid early, on time)."""
        event("bill next period")  # --hypothesis-show-statistics counts the steps
        if self.next_period > _next_month(self.today):
            return multiple()
        return multiple(*self._bill())

    def _bill(self) -> list[int]:
        period = self.next_period
        self.next_period = _next_month(period)
        run = billing.start_billing_run(period=period, group=self.group, chunk_size=1)
        for index in JobChunk.objects.filter(job=run.job).values_list("index", flat=True):
            assert run_job_chunk(str(run.job_id), index) in ("done", "skipped")
        billed = list(Charge.objects.filter(billing_run=run).values_list("pk", flat=True))
        # Idempotent: billing the same period again creates nothing.
        again = billing.start_billing_run(period=period, group=self.group)
        for index in JobChunk.objects.filter(job=again.job).values_list("index", flat=True):
            run_job_chunk(str(again.job_id), index)
        assert not Charge.objects.filter(billing_run=again).exists()
        return billed

    @rule(charge_id=charges)
    def pay_on_time(self, charge_id):
        event("pay on time")  # --hypothesis-show-statistics counts the steps
        charge = Charge.objects.get(pk=charge_id)
        # A bill a credit covered entirely (R$ 0,00) is settled by billing itself, never by a bank.
        assume(charge.amount > ZERO)
        return self._apply(
            charge, amount=charge.amount, paid_on=self._paid_on(charge, 0), fine_interest=ZERO
        )

    @rule(charge_id=charges, days=st.integers(min_value=1, max_value=120))
    def pay_late(self, charge_id, days):
        event("pay late")  # --hypothesis-show-statistics counts the steps
        charge = Charge.objects.get(pk=charge_id)
        assume(charge.amount > ZERO)  # as in pay_on_time
        paid_on = self._paid_on(charge, days)
        late = payments.late_charges_for(charge, paid_on)
        total = charge.amount + late.total
        return self._apply(charge, amount=total, paid_on=paid_on, fine_interest=late.total)

    @rule(
        charge_id=charges,
        days=st.integers(min_value=-3, max_value=60),
        off_cents=st.integers(min_value=-50_000, max_value=50_000).filter(bool),
        fee_cents=st.integers(min_value=0, max_value=350),
    )
    def pay_a_different_amount(self, charge_id, days, off_cents, fee_cents):
        """A bank reporting less or more than owed (its own interest rounding, a wrong payer)."""
        event("pay a different amount")  # --hypothesis-show-statistics counts the steps
        charge = Charge.objects.get(pk=charge_id)
        paid_on = self._paid_on(charge, days)
        owed = charge.amount + payments.late_charges_for(charge, paid_on).total
        amount = max(owed + D(off_cents) / 100, D("0.01"))
        bank_fee = min(D(fee_cents) / 100, amount)
        return self._apply(charge, amount=amount, paid_on=paid_on, bank_fee=bank_fee)

    @rule(
        charge_id=charges,
        days=st.integers(min_value=0, max_value=45),
        off_cents=st.integers(min_value=-10_000, max_value=10_000),
    )
    def pay_manually(self, charge_id, days, off_cents):
        event("pay manually")  # --hypothesis-show-statistics counts the steps
        charge = Charge.objects.get(pk=charge_id)
        paid_on = self._paid_on(charge, days)
        owed = charge.amount + payments.late_charges_for(charge, paid_on).total
        amount = max(owed + D(off_cents) / 100, D("0.01"))
        before = Payment.objects.count()
        result = payments.record_manual_payment(
            charge=charge,
            amount=amount,
            paid_on=paid_on,
            justification="Comprovante apresentado na agência.",
            actor=self.actor,
        )
        assert result.created
        assert result.payment.source == PaymentSource.MANUAL
        assert Payment.objects.count() == before + 1
        self.paid_total[result.payment.quota_version_id] += amount
        call = {
            "charge": charge,
            "settlement_id": result.payment.settlement_id,
            "amount": amount,
            "paid_on": paid_on,
            "credited_on": paid_on,
            "source": PaymentSource.MANUAL,
            "justification": "Comprovante apresentado na agência.",
            "actor": self.actor,
        }
        self.calls[result.payment.pk] = call

    def _payments_of(self, charge_id: int, **filters) -> list[int]:
        return list(
            Payment.objects.filter(charge_id=charge_id, reversal_of__isnull=True, **filters)
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    @rule(charge_id=charges, which=st.integers(min_value=0, max_value=3))
    def deliver_the_same_settlement_again(self, charge_id, which):
        """A settlement of the charge delivered again (bank file re-sent, PSP retry)."""
        event("deliver the same settlement again")  # --hypothesis-show-statistics counts the steps
        applied = self._payments_of(charge_id)
        if not applied:
            return
        payment_id = applied[which % len(applied)]
        call = self.calls[payment_id]
        before = self._snapshot()
        result = payments.apply_payment(**call)
        assert not result.created
        assert result.payment.pk == payment_id
        assert self._snapshot() == before

    @rule(charge_id=charges, which=st.integers(min_value=0, max_value=3))
    def reverse_a_payment(self, charge_id, which):
        """A standing payment of the charge reversed (the bank's estorno, or staff)."""
        event("reverse a payment")  # --hypothesis-show-statistics counts the steps
        standing = self._payments_of(charge_id, reversed_by__isnull=True)
        if not standing:
            return
        payment = Payment.objects.get(pk=standing[which % len(standing)])
        result = payments.reverse_payment(payment=payment, justification="Estorno do banco.")
        assert result.created
        assert result.payment.amount == -payment.amount
        self.paid_total[payment.quota_version_id] -= payment.amount
        # Reversing again returns the first reversal and posts nothing.
        before = self._snapshot()
        again = payments.reverse_payment(payment=payment, justification="Estorno do banco.")
        assert (again.created, again.payment.pk) == (False, result.payment.pk)
        assert self._snapshot() == before
        charge = Charge.objects.get(pk=payment.charge_id)
        standing = Payment.objects.filter(
            charge=charge, reversal_of__isnull=True, reversed_by__isnull=True
        ).exists()
        assert charge.status == (ChargeStatus.PAID if standing else ChargeStatus.OPEN)

    @rule(
        charge_id=charges,
        variation=st.sampled_from([D("0.05"), D("0.0123"), D("0.10"), D("-0.02")]),
    )
    def adjust_the_credit(self, charge_id, variation):
        """A3 from a billed charge's due date: billed charges get their difference (A1)."""
        event("adjust the credit")  # --hypothesis-show-statistics counts the steps
        charge = Charge.objects.get(pk=charge_id)
        effective_from = charge.due_date
        if effective_from in self.adjusted_on:
            return
        self.adjusted_on.add(effective_from)
        adjustment = installments.record_credit_adjustment(
            group=self.group, variation=variation, effective_from=effective_from
        )
        if variation < 0:  # A3: a negative index does not reduce the credit by default
            assert adjustment.value == adjustment.previous_value
        else:
            assert adjustment.value > adjustment.previous_value

    # ----------------------------------------------------------------------------------------
    # Invariants

    @invariant()
    def ledger_is_sound(self):
        assert find_ledger_violations() == []

    @invariant()
    def charges_add_up_to_the_cent(self):
        for charge in Charge.objects.filter(group_id=self.group.pk):
            assert sum((getattr(charge, part) for part in PARTS), ZERO) == charge.amount
            if charge.kind != "installment":
                continue
            fractions = sum((getattr(charge, f) for _, f in INSTALLMENT_PARTS), D(0))
            installment = sum((getattr(charge, a) for a, _ in INSTALLMENT_PARTS), ZERO)
            assert installment == fraction_to_reais(fractions, charge.credit_value)

    @invariant()
    def statements_follow_the_cents_rules(self):
        for version_id in self.versions:
            statement = quota_statement(
                quota_version_id=version_id, group=self.group, on=self.today
            )
            version_payments = Payment.objects.filter(quota_version_id=version_id)
            for component in statement.components:
                # Never more paid than the plan asks for, never less than nothing.
                assert 0 <= component.paid_fraction <= component.total_fraction, component
                assert component.owed_fraction == component.total_fraction - (
                    component.paid_fraction
                )
                assert component.owed_amount == fraction_to_reais(
                    component.owed_fraction, statement.credit_value
                )
                # The fraction paid is what the payments allocated (A1); the Reais may be more
                # (a paid adjustment difference is credited to the components without one).
                column = PAID_FRACTIONS.get(component.kind)
                if column is not None:
                    assert component.paid_fraction == sum(
                        (getattr(p, column) for p in version_payments), D(0)
                    )
            components = statement.components
            assert statement.owed_amount == sum((c.owed_amount for c in components), ZERO)
            assert statement.paid_amount == sum((c.paid_amount for c in components), ZERO)
            assert statement.paid_fraction == sum((c.paid_fraction for c in components), D(0))
            assert statement.payments_amount == self.paid_total[version_id]
            assert statement.charged_amount == sum(
                (c.amount for c in statement.charges if c.status != ChargeStatus.CANCELLED), ZERO
            )


class TestFinanceStateMachine(TestCase, FinanceMachine.TestCase):
    """Each example runs in its own rolled-back savepoint (hypothesis' Django TestCase)."""

    settings = settings(
        settings.default,
        max_examples=min(settings.default.max_examples, 15),
        stateful_step_count=15,
        deadline=None,
        print_blob=True,
        derandomize=settings.default.derandomize or _PROFILE == "ci",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )

    @classmethod
    def setUpTestData(cls):
        FinanceMachine.actor = UserFactory()
        # A running group (first assembly 8 months ago) whose two quotas were sold 7 months
        # ago (late joiners, with catch-up): months of installments already due, payable late.
        group = billing_group(FinanceMachine.actor, constituted_months_ago=8, max_quotas=5)
        sold_at = timezone.now() - dt.timedelta(days=7 * 30)
        FinanceMachine.group = group
        FinanceMachine.versions = [sold_quota(group, n, sold_at=sold_at).pk for n in (1, 2)]


def sold_quota(group, number: int, *, sold_at: dt.datetime) -> QuotaVersion:
    """An active holding sold at ``sold_at``, with its schedule (``active_quota``, back-dated)."""
    quota = Quota.objects.get(group=group, number=number)
    version = QuotaVersion.objects.create(
        quota=quota, version=1, status="active", sold_at=sold_at, contract_accepted_at=sold_at
    )
    quota.current_version = version
    quota.save(update_fields=["current_version"])
    installments.create_schedule(group_id=group.pk, quota_id=quota.pk, version=1)
    return version
