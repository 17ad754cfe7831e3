"""Payments applied to charges (ISSUE 11 §5, DOMAIN.md A1, A4, §10).

One ``Payment`` row per settlement applied: a bank file line (CNAB), an API call, a PIX
receipt or a manual entry by finance staff. ``settlement_id`` is unique in the database: the
guarantee that a bank settlement or a provider's payment id is applied at most once, whatever
the lock did. The row keeps what the payer paid (``amount``, of which ``fine_interest_paid`` as
the bank reported it), the late charges DOMAIN.md A4 computes for the payment date, how the
money was allocated (Reais and fractions per component, the same numbers the ledger
transaction posted) and the difference carried to the next bill (``difference``: positive, the
payer still owes it; negative, a credit).

Rows are never updated: a reversal is a new row (``reversal_of``) with the allocation negated
and its own ledger transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

ZERO_REAIS = Decimal("0.00")


def _reais(verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO_REAIS)


def _fraction(verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(verbose_name, max_digits=15, decimal_places=10, default=Decimal("0"))


class PaymentSource(models.TextChoices):
    BANK_FILE = "bank_file", "Arquivo de retorno"
    API = "api", "API"
    PIX = "pix", "PIX"
    MANUAL = "manual", "Lançamento manual"
    # A bill the holder's own credit (an earlier overpayment) covered entirely: R$ 0,00
    # received, settled by billing itself (services.payments.settle_from_credit).
    CREDIT = "credit", "Crédito do consorciado"


# Reais columns of the allocation, in the order statements show them.
ALLOCATION_FIELDS: tuple[str, ...] = (
    "alloc_common_fund",
    "alloc_reserve_fund",
    "alloc_admin_fee",
    "alloc_insurance",
    "alloc_fees",
    "alloc_differences",
    "alloc_late_group",
    "alloc_late_admin",
)


class Payment(models.Model):
    """One settlement applied to one charge (or the reversal of one)."""

    charge = models.ForeignKey(
        "finance.Charge", on_delete=models.PROTECT, related_name="payments", verbose_name="cobrança"
    )
    group = models.ForeignKey(
        "groups.ConsortiumGroup", on_delete=models.PROTECT, related_name="+", verbose_name="grupo"
    )
    quota_version = models.ForeignKey(
        "groups.QuotaVersion", on_delete=models.PROTECT, related_name="+", verbose_name="cota"
    )
    source = models.CharField("origem", max_length=10, choices=PaymentSource.choices)
    settlement_id = models.CharField("identificador da liquidação", max_length=150)
    amount = models.DecimalField("valor pago", max_digits=14, decimal_places=2)
    fine_interest_paid = _reais("multa e juros informados")
    discount = _reais("desconto")
    bank_fee = _reais("tarifa bancária")
    paid_on = models.DateField("data do pagamento")
    credited_on = models.DateField("data do crédito")
    # DOMAIN.md A4 for the payment date (what the payer owed in late charges).
    late_days = models.PositiveIntegerField("dias de atraso", default=0)
    late_fine = _reais("multa (A4)")
    late_interest = _reais("juros (A4)")
    alloc_common_fund = _reais("fundo comum")
    alloc_reserve_fund = _reais("fundo de reserva")
    alloc_admin_fee = _reais("taxa de administração")
    alloc_insurance = _reais("seguro")
    alloc_fees = _reais("taxas")
    alloc_differences = _reais("diferenças de prestação")
    alloc_late_group = _reais("encargos (grupo)")
    alloc_late_admin = _reais("encargos (administradora)")
    fraction_common_fund = _fraction("fundo comum (%)")
    fraction_reserve_fund = _fraction("fundo de reserva (%)")
    fraction_admin_fee = _fraction("taxa de administração (%)")
    fraction_insurance = _fraction("seguro (%)")
    difference = _reais("diferença para a próxima cobrança")
    price_difference = models.OneToOneField(
        "finance.PriceDifference",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="diferença lançada",
    )
    ledger_transaction = models.OneToOneField(
        "finance.LedgerTransaction",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="lançamento contábil",
    )
    justification = models.TextField("justificativa", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="responsável",
    )
    reversal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name="estorno de",
    )
    created_at = models.DateTimeField("registrado em", auto_now_add=True)

    class Meta:
        verbose_name = "pagamento"
        verbose_name_plural = "pagamentos"
        ordering = ["-id"]
        constraints = [
            # ISSUE 11 §5: a settlement / provider payment id is applied at most once.
            models.UniqueConstraint(fields=["settlement_id"], name="finance_payment_settlement"),
            models.CheckConstraint(
                condition=Q(source__in=PaymentSource.values), name="finance_payment_source"
            ),
            models.CheckConstraint(
                condition=~Q(source=PaymentSource.MANUAL) | ~Q(justification=""),
                name="finance_payment_manual_justified",
            ),
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=False)
                | Q(amount__gt=0, bank_fee__gte=0, discount__gte=0, fine_interest_paid__gte=0)
                | Q(source="credit", amount=0, bank_fee=0, discount=0, fine_interest_paid=0),
                name="finance_payment_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=models.F("alloc_common_fund")
                    + models.F("alloc_reserve_fund")
                    + models.F("alloc_admin_fee")
                    + models.F("alloc_insurance")
                    + models.F("alloc_fees")
                    + models.F("alloc_differences")
                    + models.F("alloc_late_group")
                    + models.F("alloc_late_admin")
                    - models.F("difference")
                ),
                name="finance_payment_allocation_sums",
            ),
        ]
        indexes = [
            models.Index(fields=["charge"], name="finance_payment_charge"),
            models.Index(fields=["quota_version"], name="finance_payment_version"),
            models.Index(fields=["paid_on", "id"], name="finance_payment_paid_on"),
        ]

    def __str__(self) -> str:
        return f"Pagamento {self.settlement_id} da cobrança {self.charge_id}"
