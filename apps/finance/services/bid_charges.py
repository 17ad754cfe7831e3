"""The charge of a winning bid's cash part and the application of its embedded part
(issue 12; DOMAIN.md A8, Part B §4.2; re-exported by ``services.awards``).

- ``issue_bid_charge``: ``round2(f x C)`` split over the components like the bid
  (``selectors.bids.bid_split``), with boleto/PIX codes like any charge; one per ``bid_ref``
  (a unique column). Paying it through ``services.payments`` applies the bid and publishes
  ``BidPaid`` (``services.bid_application``).
- ``cancel_bid_charge``: the winner did not pay in time (the bid lapsed).
- ``apply_embedded_bid``: the embedded part, financed from the awarded credit: the common fund
  pays the bid's components (``BID_APPLICATION``) and the installments are amortized exactly as
  for a paid bid; its net effect on the fund is ``-(fee + reserve + insurance parts)``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.finance.models import AccountKind, Charge, ChargeKind, ChargeStatus, ScheduleStatus
from apps.finance.services import billing, ledger
from apps.finance.services.award_checks import (
    LOCK_WAIT_SECONDS,
    check_credit,
    check_fits,
    check_fraction,
    check_ref,
    checked_split,
    quota_schedule,
)
from apps.finance.services.award_errors import (
    AssemblyFundsInsufficient,
    BidChargeConflict,
    BidChargePaid,
    BidInvalid,
    BidNotApplicable,
)
from apps.finance.services.bid_application import apply_bid, bid_application_reference
from consorcio.audit import record_batch_audit
from consorcio.locks import critical_section
from consorcio.money import format_brl

__all__ = ["apply_embedded_bid", "cancel_bid_charge", "issue_bid_charge"]

K = AccountKind


def issue_bid_charge(
    *,
    bid_ref: str,
    quota_version_id: int,
    fraction: Decimal,
    credit_value: Decimal,
    assembly_date: dt.date,
    due_date: dt.date,
) -> int:
    """Charge the cash part of a winning bid; returns the charge id (idempotent on ``bid_ref``).

    Refused with ``bid_invalid`` (figures), ``bid_not_applicable`` (no active schedule),
    ``bid_exceeds_balance`` (more than the installments not yet billed carry) and
    ``bid_charge_conflict`` (the reference already charged with other figures).
    """
    check_ref(bid_ref, "do lance")
    check_fraction(fraction)
    check_credit(credit_value)
    if due_date < assembly_date:
        raise BidInvalid("O vencimento do lance não pode ser anterior à assembleia.")
    with critical_section(f"bid_charge:{quota_version_id}", wait=LOCK_WAIT_SECONDS):
        existing = Charge.objects.filter(reference=bid_ref).first()
        if existing is not None:
            return _replayed_charge(existing, quota_version_id, fraction, credit_value)
        schedule = quota_schedule(quota_version_id)
        if schedule.status != ScheduleStatus.ACTIVE:
            raise BidNotApplicable("O plano de parcelas da cota está cancelado.")
        split = checked_split(schedule, fraction, credit_value, assembly_date)
        check_fits(schedule, split)
        charge = Charge(
            kind=ChargeKind.BID,
            reference=bid_ref,
            group_id=schedule.group_id,
            quota_id=schedule.quota_id,
            quota_version_id=quota_version_id,
            schedule=schedule,
            period=due_date.replace(day=1),
            due_date=due_date,
            credit_value=credit_value,
            amount=split.amount,
            **{f"fraction_{name}": part for name, part in split.fractions.items()},
            **{f"amount_{name}": part for name, part in split.reais.items()},
        )
        try:
            with transaction.atomic():
                billing.save_with_payment_codes(charge)
        except IntegrityError:
            # Issued meanwhile by another process (the unique reference refused this one).
            existing = Charge.objects.filter(reference=bid_ref).first()
            if existing is None:
                raise
            return _replayed_charge(existing, quota_version_id, fraction, credit_value)
    return charge.pk


def _replayed_charge(
    charge: Charge, quota_version_id: int, fraction: Decimal, credit_value: Decimal
) -> int:
    issued = (
        charge.fraction_common_fund
        + charge.fraction_reserve_fund
        + charge.fraction_admin_fee
        + charge.fraction_insurance
    )
    if (charge.quota_version_id, issued, charge.credit_value) != (
        quota_version_id,
        fraction,
        credit_value,
    ):
        raise BidChargeConflict(
            f"O lance {charge.reference!r} já foi cobrado (cobrança {charge.pk}, "
            f"{format_brl(charge.amount)}) com outros valores.",
            extra={"charge_id": charge.pk},
        )
    return charge.pk


def cancel_bid_charge(*, bid_ref: str, reason: str) -> None:
    """Cancel the open charge of a lapsed bid (no-op when there is none or it is cancelled).

    Refused with ``bid_charge_paid`` when it was paid meanwhile: the bid stands.
    """
    charge = Charge.objects.filter(reference=bid_ref, kind=ChargeKind.BID).first()
    if charge is None:
        return
    with (
        critical_section(f"payment:{charge.pk}", wait=LOCK_WAIT_SECONDS) as lease,
        transaction.atomic(),
    ):
        locked = Charge.objects.select_for_update().get(pk=charge.pk)
        if locked.status == ChargeStatus.CANCELLED:
            return
        if locked.status == ChargeStatus.PAID:
            raise BidChargePaid(extra={"charge_id": locked.pk})
        locked.status = ChargeStatus.CANCELLED
        locked.save(update_fields=["status"])
        record_batch_audit(
            actor=None,
            action="finance.bid.charge_cancelled",
            model=Charge,
            count=1,
            details={"charge": locked.pk, "bid_ref": bid_ref, "reason": reason[:500]},
        )
        lease.check()


def apply_embedded_bid(
    *,
    bid_ref: str,
    quota_version_id: int,
    fraction: Decimal,
    credit_value: Decimal,
    assembly_date: dt.date,
) -> None:
    """Apply the embedded part of a winning bid (financed from the credit); idempotent.

    Refused with ``bid_exceeds_balance`` and ``assembly_funds_insufficient`` (the fund cannot
    pay the fee and reserve parts), nothing changed.
    """
    check_ref(bid_ref, "do lance")
    check_fraction(fraction)
    check_credit(credit_value)
    schedule = quota_schedule(quota_version_id)
    split = checked_split(schedule, fraction, credit_value, assembly_date)
    with (
        critical_section(f"bid:{quota_version_id}", wait=LOCK_WAIT_SECONDS) as lease,
        transaction.atomic(),
    ):
        try:
            apply_bid(
                schedule_id=schedule.pk,
                reference=bid_application_reference(bid_ref, embedded=True),
                fractions=split.fractions,
                reais=split.reais,
                source_account=K.COMMON_FUND,
                on=assembly_date,
                memo=f"Lance embutido {bid_ref} da cota (versão {quota_version_id})",
            )
        except ledger.InsufficientFunds as error:
            raise AssemblyFundsInsufficient(error.detail) from error
        lease.check()
