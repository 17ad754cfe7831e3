"""The charge of a winning bid's cash part and the application of its embedded part
(issue 12; DOMAIN.md A8, Part B §4.2; re-exported by ``services.awards``).

- ``issue_bid_charge``: ``round2(f x C)`` split over the components like the bid
  (``selectors.bids.bid_split``), with boleto/PIX codes like any charge; one per ``bid_ref``
  (a unique column). Paying it through ``services.payments`` applies the bid and publishes
  ``BidPaid`` (``services.bid_application``). ``issue_bid_charges`` issues many in one go
  (an assembly's winning bids) with the same results and refusals as calling
  ``issue_bid_charge`` for each in turn: a few queries in all and one insert.
- ``cancel_bid_charge``: the winner did not pay in time (the bid lapsed).
- ``apply_embedded_bid``: the embedded part, financed from the awarded credit: the common fund
  pays the bid's components (``BID_APPLICATION``) and the installments are amortized exactly as
  for a paid bid; its net effect on the fund is ``-(fee + reserve + insurance parts)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.finance.models import (
    AccountKind,
    BankAgreement,
    Charge,
    ChargeKind,
    ChargeStatus,
    InstallmentSchedule,
    ScheduleStatus,
)
from apps.finance.selectors import billing as billing_selectors
from apps.finance.selectors.bids import (
    BidSplit,
    plan_terms_on,
    split_bid_fraction,
    unbilled_by_component,
)
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
    BidExceedsBalance,
    BidInvalid,
    BidNotApplicable,
)
from apps.finance.services.bid_application import apply_bid, bid_application_reference
from apps.finance.services.boleto.issuing import issue_boleto
from apps.groups.services.fractions import PlanTerms
from consorcio.audit import record_batch_audit
from consorcio.locks import critical_section
from consorcio.money import format_brl

__all__ = [
    "BidChargeItem",
    "apply_embedded_bid",
    "cancel_bid_charge",
    "issue_bid_charge",
    "issue_bid_charges",
]

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


@dataclass(frozen=True)
class BidChargeItem:
    """One winning bid to charge (the arguments of ``issue_bid_charge``)."""

    bid_ref: str
    quota_version_id: int
    fraction: Decimal
    credit_value: Decimal
    assembly_date: dt.date
    due_date: dt.date


def issue_bid_charges(items: Sequence[BidChargeItem]) -> list[int]:
    """``issue_bid_charge`` for each item, in one go; the charge ids, in the items' order.

    The same charges, codes (nosso números taken in the items' order) and refusals (the first
    item refused, as the one-by-one calls would meet it) as those calls, with nothing written
    when one is refused: the existing references in one query, the schedules and their
    unbilled installments in two, the charges in one insert (ids taken first, so the PIX codes
    can name them). Run it inside the caller's transaction (results: under the assembly's
    lock and row lock). No per-version lock is taken: the unique reference is the guarantee,
    and a reference issued meanwhile by another process (the insert refused) sends the batch
    back to the one-by-one path, which replays it.
    """
    if not items:
        return []
    refs = [item.bid_ref for item in items]
    if len(set(refs)) != len(refs):
        return [_issue_one(item) for item in items]
    existing = {
        charge.reference: charge
        for charge in Charge.objects.filter(reference__in=[r for r in refs if isinstance(r, str)])
    }
    schedules = {
        schedule.quota_version_id: schedule
        for schedule in InstallmentSchedule.objects.select_related("group").filter(
            quota_version_id__in={item.quota_version_id for item in items}
        )
    }
    remaining = unbilled_by_component(schedule.pk for schedule in schedules.values())
    terms: dict[tuple[int, dt.date], PlanTerms] = {}
    planned: list[tuple[int, Charge | None]] = []  # (existing charge id, or a new charge)
    for item in items:
        check_ref(item.bid_ref, "do lance")
        check_fraction(item.fraction)
        check_credit(item.credit_value)
        if item.due_date < item.assembly_date:
            raise BidInvalid("O vencimento do lance não pode ser anterior à assembleia.")
        found = existing.get(item.bid_ref)
        if found is not None:
            planned.append(
                (
                    _replayed_charge(
                        found, item.quota_version_id, item.fraction, item.credit_value
                    ),
                    None,
                )
            )
            continue
        schedule = schedules.get(item.quota_version_id)
        if schedule is None:
            raise BidNotApplicable(
                f"A cota (versão {item.quota_version_id}) não tem plano de parcelas."
            )
        if schedule.status != ScheduleStatus.ACTIVE:
            raise BidNotApplicable("O plano de parcelas da cota está cancelado.")
        key = (schedule.group_id, item.assembly_date)
        if key not in terms:
            terms[key] = plan_terms_on(schedule.group, item.assembly_date)
        split = split_bid_fraction(terms[key], item.fraction, item.credit_value)
        _check_small(split)
        _check_fits_in(remaining[schedule.pk], split)
        planned.append((0, _bid_charge(item, schedule, split)))
    new = [charge for _, charge in planned if charge is not None]
    if new:
        try:
            with transaction.atomic():
                _save_with_payment_codes(new)
        except IntegrityError:
            # Issued meanwhile by another process: the one-by-one path replays each reference.
            return [_issue_one(item) for item in items]
    return [charge.pk if charge is not None else pk for pk, charge in planned]


def _issue_one(item: BidChargeItem) -> int:
    return issue_bid_charge(
        bid_ref=item.bid_ref,
        quota_version_id=item.quota_version_id,
        fraction=item.fraction,
        credit_value=item.credit_value,
        assembly_date=item.assembly_date,
        due_date=item.due_date,
    )


def _check_small(split: BidSplit) -> None:
    """``checked_split``'s refusal of a bid too small for a component's cent."""
    for name, part in split.fractions.items():
        if part and not split.reais[name]:
            raise BidInvalid(f"Lance pequeno demais: a parte de {name} não chega a um centavo.")


def _check_fits_in(remaining: dict[str, Decimal], split: BidSplit) -> None:
    """``check_fits`` against the schedule's unbilled installments summed per component."""
    if any(part > remaining[name] for name, part in split.fractions.items()):
        raise BidExceedsBalance(
            f"O lance ({split.fraction} do crédito) supera o saldo das parcelas a vencer "
            f"({sum(remaining.values(), Decimal(0))})."
        )


def _bid_charge(item: BidChargeItem, schedule: InstallmentSchedule, split: BidSplit) -> Charge:
    return Charge(
        kind=ChargeKind.BID,
        reference=item.bid_ref,
        group_id=schedule.group_id,
        quota_id=schedule.quota_id,
        quota_version_id=item.quota_version_id,
        schedule=schedule,
        period=item.due_date.replace(day=1),
        due_date=item.due_date,
        credit_value=item.credit_value,
        amount=split.amount,
        **{f"fraction_{name}": part for name, part in split.fractions.items()},
        **{f"amount_{name}": part for name, part in split.reais.items()},
    )


def _save_with_payment_codes(charges: list[Charge]) -> None:
    """``billing.save_with_payment_codes`` for many new charges: ids from the sequence, the
    nosso números of each agreement in one allocation, one insert, one audit entry."""
    ids = billing._next_charge_ids(len(charges))
    agreements: dict[int, BankAgreement | None] = {}
    for charge, pk in zip(charges, ids, strict=True):
        charge.pk = pk
        if charge.group_id not in agreements:
            agreements[charge.group_id] = billing_selectors.active_agreement(charge.group_id)
    by_agreement: dict[int, list[Charge]] = {}
    for charge in charges:
        agreement = agreements[charge.group_id]
        if agreement is not None:
            by_agreement.setdefault(agreement.pk, []).append(charge)
    for group_charges in by_agreement.values():
        agreement = agreements[group_charges[0].group_id]
        assert agreement is not None
        layout = billing._collection_agreement(agreement)
        sequence = billing._allocate_nosso_numeros(agreement.pk, len(group_charges))
        for charge in group_charges:
            boleto = issue_boleto(
                agreement=layout, sequence=sequence, due_date=charge.due_date, amount=charge.amount
            )
            charge.bank_agreement = agreement
            charge.nosso_numero = boleto.nosso_numero.number
            charge.barcode = boleto.barcode
            charge.digitable_line = boleto.linha_digitavel
            if agreement.pix_key:
                charge.pix_txid, charge.pix_payload = billing._pix_payload(
                    agreement, charge.pk, charge.amount
                )
            sequence += 1
    Charge.objects.bulk_create(charges)
    record_batch_audit(
        actor=None,
        action="finance.bid.charges_issued",
        model=Charge,
        count=len(charges),
        details={"charges": [charge.pk for charge in charges]},
        operation="create",
    )


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
