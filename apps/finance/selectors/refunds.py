"""What an excluded quota is refunded when the excluded-quota draw reaches it (DOMAIN.md A10, §7).

``refund_quote`` answers for one quota version and assembly:

- ``gross`` = the common-fund fraction the version amortized (its ``QuotaLedgerBalance`` on
  the common fund: installments and bids it paid, A1) x the group's credit value in force at
  the assembly that draws it, rounded half-up to the cent (§7: 20% x R$ 105.000,00 =
  R$ 21.000,00);
- ``penalty`` = gross x the group's ``refund_penalty`` in force that day (default 0%; Magalu
  15%: R$ 17.850,00), rounded half-up; it stays in the common fund;
- ``yield_amount``: the ledger credits yield to the common fund as a whole and keeps no yield
  per quota, and the refund already follows the credit value of the drawing assembly, so it
  is R$ 0,00 here (a per-quota yield is future work);
- ``fee_excess`` = the up-front fee the version paid above what was due pro rata to the months
  it spent in the group (Res. 285): paid x (months of its schedule not reached by the
  exclusion) / (months of its schedule), half-up; it is returned from the fee account, not
  from the common fund;
- ``amount`` = gross + yield - penalty (never below zero): **what the refund uses from the
  money for awards** (A7's second stage); the member receives ``amount + fee_excess``
  (``total_payable``). Fee, insurance and reserve fund are not refunded (A10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from apps.finance.models import AccountKind, Installment, InstallmentSchedule
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.billing import credit_value_in_force
from apps.finance.selectors.delinquency import rules_in_force
from consorcio.money import ZERO, fraction_to_reais, round_half_up

__all__ = ["RefundQuote", "refund_quote", "refund_schedule"]


@dataclass(frozen=True)
class RefundQuote:
    """The refund of an excluded quota version at an assembly (A10), in Reais."""

    quota_version_id: int
    common_fund_fraction: Decimal
    credit_value: Decimal
    gross: Decimal
    yield_amount: Decimal
    penalty: Decimal
    fee_excess: Decimal
    amount: Decimal

    @property
    def total_payable(self) -> Decimal:
        """What the member receives: the common-fund refund plus the up-front fee excess."""
        return self.amount + self.fee_excess


def refund_schedule(quota_version_id: int) -> InstallmentSchedule:
    """The schedule of the version's sale, with its group and version (``DoesNotExist`` when
    the version never had one)."""
    return InstallmentSchedule.objects.select_related("group", "quota_version").get(
        quota_version_id=quota_version_id
    )


def _fee_excess(schedule: InstallmentSchedule, paid: Decimal, until: dt.date) -> Decimal:
    if paid <= 0:
        return ZERO
    months = schedule.term_months - schedule.missed_installments
    spent = Installment.objects.filter(schedule=schedule, due_date__lte=until).count()
    unused = max(months - spent, 0)
    return round_half_up(Fraction(paid) * unused / months, 2)


def refund_quote(quota_version_id: int, assembly_date: dt.date) -> RefundQuote:
    """The refund of ``quota_version_id`` drawn at the assembly of ``assembly_date`` (A10)."""
    schedule = refund_schedule(quota_version_id)
    group = schedule.group
    paid = ledger_selectors.quota_paid_components(quota_version_id=quota_version_id)
    fraction = paid[AccountKind.COMMON_FUND].fraction
    credit_value = credit_value_in_force(group, assembly_date)
    gross = max(fraction_to_reais(fraction, credit_value), ZERO)
    rules = rules_in_force(group, assembly_date)
    penalty_rate = rules.refund_penalty if rules is not None else Decimal(0)
    penalty = round_half_up(Fraction(gross) * Fraction(penalty_rate), 2)
    ended_at = schedule.quota_version.ended_at
    excluded_on = timezone.localdate(ended_at) if ended_at is not None else assembly_date
    fee_excess = _fee_excess(schedule, paid[AccountKind.UP_FRONT_FEE].amount, excluded_on)
    yield_amount = ZERO
    return RefundQuote(
        quota_version_id=quota_version_id,
        common_fund_fraction=fraction,
        credit_value=credit_value,
        gross=gross,
        yield_amount=yield_amount,
        penalty=penalty,
        fee_excess=fee_excess,
        amount=max(gross + yield_amount - penalty, ZERO),
    )
