"""Applying payments to charges: one service for every source (ISSUE 11 §5, DOMAIN.md A1, A4).

Bank return files, the API, PIX receipts and manual entries all end in ``apply_payment``:

- **At most once.** The call runs under ``critical_section("payment:<charge id>")`` (saves
  wasted work) and, inside one database transaction, locks the charge row and relies on the
  unique ``Payment.settlement_id`` (the guarantee). A settlement id seen before returns the
  first payment (``created=False``) and applies nothing; the same id with other data (another
  charge, amount or date) is refused with ``settlement_id_conflict``.
- **Allocation.** What the charge bills is credited in full to its components (common fund,
  reserve fund, administration fee, insurance, fees, carried differences and late charges),
  plus the late charges A4 computes for the payment date (``services.late_charges``): fine and
  pro-rata interest on the updated installment, split between the group and the
  administradora. The ledger transaction (``services.ledger``) debits the bank with what was
  received (less the bank's fee, debited to bank fees) and credits each component with the
  quota version and the fraction of the credit it pays (A1), in the same database transaction.
- **Over- and under-payment** (A4: what the bank reports is applied): the difference between
  what was owed and what was received is a *diferença de prestação* (``PriceDifference``,
  reason ``payment``, positive = still owed, negative = credit) on the quota's next bill, held
  meanwhile in the ledger's installment-differences account. A settlement of a charge already
  paid (a hybrid boleto paid by barcode and by PIX) is applied entirely as a credit.
- The charge and its installments become paid. A cancelled charge is refused.
- A bid charge (issue 12) posts ``BID_PAYMENT`` (bank to *lances recebidos*) and, in the same
  transaction, ``services.bid_application`` applies the bid (components and amortization) and
  publishes ``BidPaid``; no late charges apply to it, and its payment is not reversed here.

``record_manual_payment`` is the staff entry (justification mandatory, audited);
``reverse_payment`` undoes a payment with a new posting (never an update).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.finance.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    DifferenceReason,
    Installment,
    InstallmentStatus,
    Payment,
    PaymentSource,
    PriceDifference,
    TransactionKind,
)
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services import bid_application, ledger
from apps.finance.services.payment_allocation import (
    Allocation,
    allocate,
    late_charges_for,
    ledger_lines,
)
from apps.finance.services.payment_errors import (
    ChargeCancelled,
    ManualPaymentJustificationRequired,
    PaymentAmountInvalid,
    PaymentDateInvalid,
    PaymentDifferenceUnrecordable,
    PaymentError,
    PaymentNotReversible,
    SettlementIdConflict,
)
from consorcio.audit import record_batch_audit
from consorcio.locks import critical_section
from consorcio.money import ZERO, format_brl, round_half_up

__all__ = [
    "LOCK_WAIT_SECONDS",
    "ChargeCancelled",
    "ManualPaymentJustificationRequired",
    "PaymentAmountInvalid",
    "PaymentDateInvalid",
    "PaymentDifferenceUnrecordable",
    "PaymentError",
    "PaymentNotReversible",
    "PaymentResult",
    "SettlementIdConflict",
    "apply_payment",
    "build_payment",
    "late_charges_for",
    "payment_posting",
    "record_manual_payment",
    "replay_payment",
    "reverse_payment",
    "settle_from_credit",
    "validate_payment",
]

LOCK_WAIT_SECONDS = 10.0
_MAX_AMOUNT = Decimal("1e12")

# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """The payment a settlement produced, or found (``created=False``) when repeated."""

    payment: Payment
    created: bool

    @property
    def difference(self) -> Decimal:
        """Carried to the next bill: positive still owed, negative a credit."""
        return self.payment.difference


# --------------------------------------------------------------------------------------------
# Validation


def _check_reais(value: Decimal, what: str, *, positive: bool = False) -> None:
    if (
        not isinstance(value, Decimal)
        or not value.is_finite()
        or round_half_up(value, 2) != value
        or value < 0
        or (positive and value == 0)
        or value >= _MAX_AMOUNT
    ):
        raise PaymentAmountInvalid(
            f"{what} inválido: {value!r}. Informe um valor em reais com até dois centavos"
            + (" maior que zero." if positive else ", sem sinal negativo.")
        )


def validate_payment(
    *,
    settlement_id: str,
    amount: Decimal,
    paid_on: dt.date,
    credited_on: dt.date,
    fine_interest: Decimal | None,
    discount: Decimal,
    bank_fee: Decimal,
    source: str,
    justification: str | None,
) -> None:
    if not settlement_id or len(settlement_id) > 150 or settlement_id != settlement_id.strip():
        raise PaymentError(
            "O identificador da liquidação é obrigatório (até 150 caracteres, sem espaços "
            "nas pontas)."
        )
    if source not in PaymentSource.values:
        raise PaymentError(f"Origem de pagamento desconhecida: {source!r}.")
    if source == PaymentSource.MANUAL and not (justification or "").strip():
        raise ManualPaymentJustificationRequired()
    if source == PaymentSource.CREDIT:
        if amount != ZERO or bank_fee != ZERO or discount != ZERO or fine_interest:
            raise PaymentAmountInvalid(
                "Uma quitação por crédito do consorciado não recebe valores (R$ 0,00)."
            )
    else:
        _check_reais(amount, "Valor pago", positive=True)
    _check_reais(discount, "Desconto")
    _check_reais(bank_fee, "Tarifa bancária")
    if fine_interest is not None:
        _check_reais(fine_interest, "Multa e juros")
        if fine_interest > amount:
            raise PaymentAmountInvalid("Multa e juros não podem superar o valor pago.")
    if bank_fee > amount:
        raise PaymentAmountInvalid("A tarifa bancária não pode superar o valor pago.")
    if paid_on > timezone.localdate():
        raise PaymentDateInvalid(
            f"A data do pagamento ({paid_on:%d/%m/%Y}) não pode estar no futuro."
        )
    if credited_on < paid_on:
        raise PaymentDateInvalid(
            f"A data do crédito ({credited_on:%d/%m/%Y}) é anterior à data do pagamento "
            f"({paid_on:%d/%m/%Y})."
        )


def replay_payment(
    existing: Payment, *, charge_id: int, amount: Decimal, paid_on: dt.date
) -> PaymentResult:
    """The first payment of a repeated settlement id, if it carries the same data (else
    ``settlement_id_conflict``)."""
    if (existing.charge_id, existing.amount, existing.paid_on) != (charge_id, amount, paid_on):
        raise SettlementIdConflict(
            f"A liquidação {existing.settlement_id!r} já foi aplicada à cobrança "
            f"{existing.charge_id} ({format_brl(existing.amount)} em "
            f"{existing.paid_on:%d/%m/%Y}) com outros dados.",
            extra={"payment_id": existing.pk, "charge_id": existing.charge_id},
        )
    return PaymentResult(existing, created=False)


# --------------------------------------------------------------------------------------------
# Applying


def apply_payment(
    *,
    charge: Charge,
    settlement_id: str,
    amount: Decimal,
    paid_on: dt.date,
    credited_on: dt.date,
    source: str,
    actor: AbstractBaseUser | None = None,
    fine_interest: Decimal | None = None,
    discount: Decimal = ZERO,
    bank_fee: Decimal = ZERO,
    justification: str | None = None,
) -> PaymentResult:
    """Apply a settlement of ``amount`` paid on ``paid_on`` to ``charge`` (see the module doc).

    ``fine_interest`` is the part of ``amount`` the bank reports as late charges (kept for
    reconciliation; A4's own figures are what is owed); ``bank_fee`` is the bank's tariff
    debited from the credit. Idempotent by ``settlement_id``. Raises ``charge_cancelled``,
    ``payment_amount_invalid``, ``payment_date_invalid``, ``settlement_id_conflict``,
    ``payment_justification_required`` (manual source without justification).
    """
    validate_payment(
        settlement_id=settlement_id,
        amount=amount,
        paid_on=paid_on,
        credited_on=credited_on,
        fine_interest=fine_interest,
        discount=discount,
        bank_fee=bank_fee,
        source=source,
        justification=justification,
    )
    with (
        critical_section(f"payment:{charge.pk}", wait=LOCK_WAIT_SECONDS) as lease,
        transaction.atomic(),
    ):
        # The database guarantee: the charge row lock serialises its payments and the unique
        # settlement id refuses a second application, whatever happened to the Redis lease.
        locked = (
            Charge.objects.select_for_update(of=("self",)).select_related("group").get(pk=charge.pk)
        )
        existing = Payment.objects.filter(settlement_id=settlement_id).first()
        if existing is not None:
            return replay_payment(existing, charge_id=locked.pk, amount=amount, paid_on=paid_on)
        if locked.status == ChargeStatus.CANCELLED:
            raise ChargeCancelled(f"A cobrança {locked.pk} foi cancelada.")
        try:
            with transaction.atomic():
                payment = _persist(
                    charge=locked,
                    settlement_id=settlement_id,
                    amount=amount,
                    paid_on=paid_on,
                    credited_on=credited_on,
                    source=source,
                    actor=actor,
                    fine_interest=fine_interest,
                    discount=discount,
                    bank_fee=bank_fee,
                    justification=(justification or "").strip(),
                )
        except (IntegrityError, ledger.IdempotencyConflict):
            # The same settlement id applied meanwhile to another charge (another row lock):
            # the unique constraint (or the ledger reference) refused the second one.
            existing = Payment.objects.filter(settlement_id=settlement_id).first()
            if existing is None:
                raise
            return replay_payment(existing, charge_id=locked.pk, amount=amount, paid_on=paid_on)
        lease.check()
    charge.refresh_from_db(fields=["status"])
    return PaymentResult(payment, created=True)


def settle_from_credit(*, charge_id: int) -> PaymentResult:
    """Settle a bill the holder's own credit covered entirely (its total R$ 0,00: an earlier
    overpayment carried as a negative difference, A1/A4): the installment components are
    allocated and posted against that credit, the installments and the charge paid, as any
    payment on the due date (or today, if billed after it) with nothing received.

    No bank will ever pay such a bill, so the billing run settles it when it writes it.
    Idempotent (settlement ``credit:<charge id>``); a bill with anything to pay is refused.
    """
    charge = Charge.objects.get(pk=charge_id)
    if charge.amount != ZERO:
        raise PaymentAmountInvalid(
            f"A cobrança {charge.pk} tem {format_brl(charge.amount)} a pagar: ela não é "
            "quitada pelo crédito do consorciado."
        )
    on = min(charge.due_date, timezone.localdate())
    return apply_payment(
        charge=charge,
        settlement_id=f"credit:{charge.pk}",
        amount=ZERO,
        paid_on=on,
        credited_on=on,
        source=PaymentSource.CREDIT,
    )


def _difference_schedule_id(charge: Charge) -> int:
    if charge.schedule_id is not None:
        return charge.schedule_id
    schedule = billing_selectors.current_schedule(charge.quota_id)
    if schedule is None:
        raise PaymentDifferenceUnrecordable()
    return schedule.pk


def _persist(
    *,
    charge: Charge,
    settlement_id: str,
    amount: Decimal,
    paid_on: dt.date,
    credited_on: dt.date,
    source: str,
    actor: AbstractBaseUser | None,
    fine_interest: Decimal | None,
    discount: Decimal,
    bank_fee: Decimal,
    justification: str,
) -> Payment:
    """Write the payment, its ledger transaction, the difference and the paid status."""
    alloc = allocate(charge, paid_on)
    difference = alloc.total - amount
    posting = ledger.post_transaction(
        **payment_posting(
            charge,
            alloc,
            settlement_id=settlement_id,
            amount=amount,
            bank_fee=bank_fee,
            credited_on=credited_on,
            source=source,
            actor_id=actor.pk if actor is not None else None,
        )
    )
    price_difference = None
    if difference:
        price_difference = PriceDifference.objects.create(
            quota_id=charge.quota_id,
            schedule_id=_difference_schedule_id(charge),
            source_charge=charge,
            reason=DifferenceReason.PAYMENT,
            amount=difference,
        )
    payment = build_payment(
        charge,
        alloc,
        settlement_id=settlement_id,
        amount=amount,
        paid_on=paid_on,
        credited_on=credited_on,
        source=source,
        actor_id=actor.pk if actor is not None else None,
        fine_interest=fine_interest,
        discount=discount,
        bank_fee=bank_fee,
        justification=justification,
        price_difference=price_difference,
        ledger_transaction_id=posting.transaction_id,
    )
    payment.save(force_insert=True)
    if charge.kind == ChargeKind.BID and charge.status != ChargeStatus.PAID:
        # Issue 12: the bid is applied and BidPaid published in this same transaction.
        bid_application.apply_paid_bid(charge=charge, payment=payment)
    _mark_paid(charge)
    return payment


_TRANSACTION_KINDS: dict[str, str] = {
    ChargeKind.UPFRONT_FEE: TransactionKind.UP_FRONT_FEE,
    ChargeKind.BID: TransactionKind.BID_PAYMENT,
}


def payment_posting(
    charge: Charge,
    alloc: Allocation,
    *,
    settlement_id: str,
    amount: Decimal,
    bank_fee: Decimal,
    credited_on: dt.date,
    source: str,
    actor_id: int | None,
) -> dict[str, Any]:
    """The ledger posting of a payment (``ledger.post_transaction``'s arguments; the batch of
    ``services.payment_batch`` makes ``ledger.Posting`` of them)."""
    return {
        "group_id": charge.group_id,
        "kind": _TRANSACTION_KINDS.get(charge.kind, TransactionKind.INSTALLMENT_PAYMENT),
        "lines": ledger_lines(charge, alloc, amount, bank_fee, alloc.total - amount),
        "idempotency_key": f"payment:{settlement_id}",
        "effective_date": credited_on,
        "memo": f"Pagamento da cobrança {charge.pk} ({PaymentSource(source).label})",
        "actor_id": actor_id,
    }


def build_payment(
    charge: Charge,
    alloc: Allocation,
    *,
    settlement_id: str,
    amount: Decimal,
    paid_on: dt.date,
    credited_on: dt.date,
    source: str,
    actor_id: int | None,
    fine_interest: Decimal | None,
    discount: Decimal,
    bank_fee: Decimal,
    justification: str,
    price_difference: PriceDifference | None,
    ledger_transaction_id: int,
) -> Payment:
    """The (unsaved) payment row of a settlement allocated as ``alloc``."""
    difference = alloc.total - amount
    components = alloc.components
    return Payment(
        charge=charge,
        group_id=charge.group_id,
        quota_version_id=charge.quota_version_id,
        source=source,
        settlement_id=settlement_id,
        amount=amount,
        fine_interest_paid=fine_interest if fine_interest is not None else ZERO,
        discount=discount,
        bank_fee=bank_fee,
        paid_on=paid_on,
        credited_on=credited_on,
        late_days=alloc.late.days,
        late_fine=alloc.late.fine,
        late_interest=alloc.late.interest,
        alloc_common_fund=components["common_fund"][0],
        alloc_reserve_fund=components["reserve_fund"][0],
        alloc_admin_fee=components["admin_fee"][0],
        alloc_insurance=components["insurance"][0],
        alloc_fees=alloc.fees,
        alloc_differences=alloc.differences_adjustment + alloc.differences_other,
        alloc_late_group=alloc.late_group,
        alloc_late_admin=alloc.late_admin,
        # Only fractions the ledger attributed (a component of R$ 0,00 posts no line).
        fraction_common_fund=_posted_fraction(components["common_fund"]),
        fraction_reserve_fund=_posted_fraction(components["reserve_fund"]),
        fraction_admin_fee=_posted_fraction(components["admin_fee"]),
        fraction_insurance=_posted_fraction(components["insurance"]),
        difference=difference,
        price_difference=price_difference,
        ledger_transaction_id=ledger_transaction_id,
        justification=justification,
        actor_id=actor_id,
    )


def _posted_fraction(component: tuple[Decimal, Decimal]) -> Decimal:
    reais, fraction = component
    return fraction if reais else Decimal(0)


def _mark_paid(charge: Charge) -> None:
    if charge.status == ChargeStatus.PAID:
        return
    Charge.objects.filter(pk=charge.pk).update(status=ChargeStatus.PAID)
    if charge.kind == ChargeKind.INSTALLMENT and charge.first_installment is not None:
        Installment.objects.filter(
            schedule_id=charge.schedule_id,
            number__gte=charge.first_installment,
            number__lte=charge.last_installment or charge.first_installment,
            status=InstallmentStatus.OPEN,
        ).update(status=InstallmentStatus.PAID)


# --------------------------------------------------------------------------------------------
# Manual entry and reversal


def record_manual_payment(
    *,
    charge: Charge,
    amount: Decimal,
    paid_on: dt.date,
    justification: str,
    actor: AbstractBaseUser,
    credited_on: dt.date | None = None,
    reference: str | None = None,
) -> PaymentResult:
    """Finance staff record a payment by hand (a receipt shown by the member, say).

    The justification is mandatory (``payment_justification_required``) and goes to the audit
    log with the actor. ``reference`` (a form token) makes a double submission apply once.
    """
    if not (justification or "").strip():
        raise ManualPaymentJustificationRequired()
    with transaction.atomic():
        result = apply_payment(
            charge=charge,
            settlement_id=f"manual:{reference or uuid.uuid4().hex}",
            amount=amount,
            paid_on=paid_on,
            credited_on=credited_on or paid_on,
            source=PaymentSource.MANUAL,
            actor=actor,
            justification=justification,
        )
        if result.created:
            record_batch_audit(
                actor=actor,
                action="finance.payment.manual_entry",
                model=Payment,
                count=1,
                details={
                    "payment": result.payment.pk,
                    "charge": charge.pk,
                    "amount": str(amount),
                    "paid_on": paid_on.isoformat(),
                    "justification": justification.strip(),
                },
                operation="create",
            )
    return result


def reverse_payment(
    *,
    payment: Payment,
    justification: str,
    actor: AbstractBaseUser | None = None,
    settlement_id: str | None = None,
    reversed_on: dt.date | None = None,
) -> PaymentResult:
    """Undo a payment with a new posting: the mirror ledger transaction and a negated row.

    The charge (and its installments) are open again unless another payment still stands;
    the difference the payment carried is cancelled by an opposite one. Reversing twice
    returns the first reversal. ``settlement_id`` names the bank's reversal occurrence.
    """
    if not (justification or "").strip():
        raise ManualPaymentJustificationRequired("Informe a justificativa do estorno.")
    with (
        critical_section(f"payment:{payment.charge_id}", wait=LOCK_WAIT_SECONDS) as lease,
        transaction.atomic(),
    ):
        charge = Charge.objects.select_for_update().get(pk=payment.charge_id)
        original = Payment.objects.get(pk=payment.pk)
        if original.reversal_of_id is not None:
            raise PaymentNotReversible("Um estorno não pode ser estornado.")
        if charge.kind == ChargeKind.BID:
            raise PaymentNotReversible(
                "O pagamento de um lance já aplicado não é estornado aqui: "
                "cancele a contemplação e devolva o valor."
            )
        previous = Payment.objects.filter(reversal_of=original).first()
        if previous is not None:
            return PaymentResult(previous, created=False)
        on = reversed_on or timezone.localdate()
        posting = ledger.reverse_transaction(
            transaction_id=original.ledger_transaction_id,
            memo=f"Estorno do pagamento {original.settlement_id}",
            effective_date=on,
            actor_id=actor.pk if actor is not None else None,
        )
        reversal = _persist_reversal(original, posting.transaction_id, settlement_id, on)
        reversal.justification = justification.strip()
        reversal.actor_id = actor.pk if actor is not None else None
        reversal.save()
        _reopen(charge)
        lease.check()
    return PaymentResult(reversal, created=True)


_NEGATED = (
    "amount",
    "fine_interest_paid",
    "discount",
    "bank_fee",
    "late_fine",
    "late_interest",
    "alloc_common_fund",
    "alloc_reserve_fund",
    "alloc_admin_fee",
    "alloc_insurance",
    "alloc_fees",
    "alloc_differences",
    "alloc_late_group",
    "alloc_late_admin",
    "fraction_common_fund",
    "fraction_reserve_fund",
    "fraction_admin_fee",
    "fraction_insurance",
    "difference",
)


def _persist_reversal(
    original: Payment, transaction_id: int, settlement_id: str | None, on: dt.date
) -> Payment:
    price_difference = None
    if original.difference:
        price_difference = PriceDifference.objects.create(
            quota_id=original.charge.quota_id,
            schedule_id=_difference_schedule_id(original.charge),
            source_charge_id=original.charge_id,
            reason=DifferenceReason.PAYMENT,
            amount=-original.difference,
        )
    return Payment(
        charge_id=original.charge_id,
        group_id=original.group_id,
        quota_version_id=original.quota_version_id,
        source=original.source,
        settlement_id=settlement_id or f"reversal:{original.settlement_id}"[:150],
        paid_on=on,
        credited_on=on,
        late_days=original.late_days,
        price_difference=price_difference,
        ledger_transaction_id=transaction_id,
        reversal_of=original,
        **{name: -getattr(original, name) for name in _NEGATED},
    )


def _reopen(charge: Charge) -> None:
    standing = Payment.objects.filter(
        charge=charge, reversal_of__isnull=True, reversed_by__isnull=True
    ).exists()
    if standing or charge.status != ChargeStatus.PAID:
        return
    Charge.objects.filter(pk=charge.pk).update(status=ChargeStatus.OPEN)
    if charge.kind == ChargeKind.INSTALLMENT and charge.first_installment is not None:
        Installment.objects.filter(
            schedule_id=charge.schedule_id,
            number__gte=charge.first_installment,
            number__lte=charge.last_installment or charge.first_installment,
            status=InstallmentStatus.PAID,
        ).update(status=InstallmentStatus.OPEN)
