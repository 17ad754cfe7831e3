"""Installments, charges and billing runs (DOMAIN.md A1-A4, ISSUE 11 items 2-3).

- ``InstallmentSchedule``: one per sale of a quota (its version), with the plan terms it was
  sold under; ``Installment`` rows hold each due date's fractions of the credit (10 places),
  never Reais (A1). A transfer keeps the schedule (the obligations follow the quota).
- ``CreditValue``: the group's credit value in force from a date (annual adjustment, A3); the
  group's reference value applies before the first row.
- ``Charge``: one bill. An installment charge covers the schedule's installments
  ``first_installment..last_installment`` (at most one per quota and period) with its Reais
  per component as columns (the breakdown), which the database checks sum to ``amount``.
  Fee charges (up-front, transfer) come from the groups context's obligations, one each; a
  bid charge (the cash part of a winning bid, ``services.awards``) carries the bid's
  ``reference`` and its fractions per component.
- ``PriceDifference``: a *diferença de prestação* (A1) waiting for, or carried by, a charge.
- ``BankAgreement``: a convênio with its nosso número range; ``BillingRun``: a period's run and
  the kernel job that tracks its progress.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

ZERO_REAIS = Decimal("0.00")
ZERO_FRACTION = Decimal("0")


def _fraction_field(verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    """A fraction of the credit with 10 places (DOMAIN.md A1)."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=10)


def _reais_field(verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    """An amount in Reais, to the cent."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2)


def _reais(verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO_REAIS)


def _fraction(verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=10, default=ZERO_FRACTION
    )


class ScheduleStatus(models.TextChoices):
    ACTIVE = "active", "Ativo"
    CANCELLED = "cancelled", "Cancelado"


class InstallmentSchedule(models.Model):
    """The installments a sale of a quota created, and the plan terms they were computed from."""

    quota = models.ForeignKey("groups.Quota", on_delete=models.PROTECT, related_name="+")
    quota_version = models.OneToOneField(
        "groups.QuotaVersion", on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey("groups.ConsortiumGroup", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "situação", max_length=10, choices=ScheduleStatus.choices, default=ScheduleStatus.ACTIVE
    )
    term_months = models.PositiveSmallIntegerField("prazo (meses)")
    admin_fee_total = _fraction_field("taxa de administração total")
    upfront_fee = _fraction_field("antecipação da taxa")
    reserve_fund = _fraction_field("fundo de reserva")
    insurance = _fraction_field("seguro")
    missed_installments = models.PositiveSmallIntegerField("parcelas anteriores à adesão")
    catch_up_installments = models.PositiveSmallIntegerField("parcelas de reposição")
    sold_on = models.DateField("data da adesão")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "plano de parcelas"
        verbose_name_plural = "planos de parcelas"
        constraints = [
            models.CheckConstraint(
                condition=Q(missed_installments__lt=F("term_months")),
                name="finance_schedule_missed_within_term",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ScheduleStatus.values), name="finance_schedule_status"
            ),
        ]
        indexes = [models.Index(fields=["quota", "status"], name="finance_schedule_quota")]

    def __str__(self) -> str:
        return f"Plano da cota {self.quota_id} (versão {self.quota_version_id})"


class InstallmentStatus(models.TextChoices):
    OPEN = "open", "Em aberto"
    PAID = "paid", "Paga"
    CANCELLED = "cancelled", "Cancelada"


class Installment(models.Model):
    """One installment of a quota: its number in the group, due date and fractions of credit."""

    schedule = models.ForeignKey(
        InstallmentSchedule, on_delete=models.CASCADE, related_name="installments"
    )
    number = models.PositiveSmallIntegerField("número")
    due_date = models.DateField("vencimento")
    common_fund = _fraction_field("fundo comum")
    reserve_fund = _fraction_field("fundo de reserva")
    admin_fee = _fraction_field("taxa de administração")
    insurance = _fraction_field("seguro")
    catch_up = _fraction("reposição incluída")
    status = models.CharField(
        "situação",
        max_length=10,
        choices=InstallmentStatus.choices,
        default=InstallmentStatus.OPEN,
    )

    class Meta:
        verbose_name = "parcela"
        verbose_name_plural = "parcelas"
        ordering = ["schedule", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "number"], name="finance_installment_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(common_fund__gte=0, reserve_fund__gte=0)
                & Q(admin_fee__gte=0, insurance__gte=0, catch_up__gte=0),
                name="finance_installment_fractions_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InstallmentStatus.values),
                name="finance_installment_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Parcela {self.number} ({self.due_date:%d/%m/%Y})"

    @property
    def total(self) -> Decimal:
        """The installment's total fraction of the credit."""
        return self.common_fund + self.reserve_fund + self.admin_fee + self.insurance


class CreditValue(models.Model):
    """The group's credit value in force from ``effective_from`` (A3 annual adjustment)."""

    group = models.ForeignKey("groups.ConsortiumGroup", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField("vigente desde")
    value = _reais_field("valor do crédito")
    previous_value = _reais_field("valor anterior")
    index = models.CharField("índice", max_length=20)
    variation = _fraction_field("variação do índice")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "valor do crédito"
        verbose_name_plural = "valores do crédito"
        ordering = ["group", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "effective_from"], name="finance_credit_value_one_per_date"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="finance_credit_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.value} desde {self.effective_from:%d/%m/%Y}"


class BankAgreement(models.Model):
    """A convênio de cobrança: where boletos are registered, with its nosso número range.

    ``group`` empty: the administradora's agreement for every group without one of its own.
    ``next_nosso_numero`` is allocated in blocks by one ``UPDATE … RETURNING`` (safe under
    concurrency); the range is exhausted when it passes ``last_nosso_numero``.
    """

    group = models.ForeignKey(
        "groups.ConsortiumGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="grupo",
    )
    bank_code = models.CharField("banco", max_length=3)
    agency = models.CharField("agência", max_length=5)
    agency_digit = models.CharField("dígito da agência", max_length=1, blank=True)
    account = models.CharField("conta", max_length=12)
    account_digit = models.CharField("dígito da conta", max_length=1, blank=True)
    wallet = models.CharField("carteira", max_length=3)
    agreement_code = models.CharField("código do convênio", max_length=20)
    variant = models.CharField(
        "variante do leiaute", max_length=10, blank=True, help_text="BB: nn17; Sicoob: modalidade"
    )
    beneficiary_name = models.CharField("beneficiário", max_length=120)
    beneficiary_document = models.CharField("CNPJ do beneficiário", max_length=14)
    pix_key = models.CharField("chave PIX", max_length=77, blank=True)
    first_nosso_numero = models.PositiveBigIntegerField("primeiro nosso número")
    last_nosso_numero = models.PositiveBigIntegerField("último nosso número")
    next_nosso_numero = models.PositiveBigIntegerField("próximo nosso número")
    is_active = models.BooleanField("ativo", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "convênio bancário"
        verbose_name_plural = "convênios bancários"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_nosso_numero__lte=F("last_nosso_numero"))
                & Q(next_nosso_numero__gte=F("first_nosso_numero"))
                & Q(next_nosso_numero__lte=F("last_nosso_numero") + 1),
                name="finance_agreement_range",
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(is_active=True),
                name="finance_agreement_one_active_per_group",
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True, group__isnull=True),
                name="finance_agreement_one_active_default",
            ),
        ]

    def __str__(self) -> str:
        return f"Banco {self.bank_code} ag. {self.agency} convênio {self.agreement_code}"


class BillingRun(models.Model):
    """The billing of one period (all groups or one), tracked by a kernel job."""

    period = models.DateField("competência")  # the first day of the month billed
    group = models.ForeignKey(
        "groups.ConsortiumGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="grupo",
    )
    job = models.OneToOneField("consorcio.Job", on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quotas_planned = models.PositiveIntegerField("cotas", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "faturamento"
        verbose_name_plural = "faturamentos"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="finance_run_period_month"),
        ]

    def __str__(self) -> str:
        return f"Faturamento {self.period:%m/%Y}"


class ChargeKind(models.TextChoices):
    INSTALLMENT = "installment", "Parcela"
    UPFRONT_FEE = "upfront_fee", "Taxa de adesão"
    TRANSFER_FEE = "transfer_fee", "Taxa de transferência"
    BID = "bid", "Lance"


class ChargeStatus(models.TextChoices):
    OPEN = "open", "Em aberto"
    PAID = "paid", "Paga"
    CANCELLED = "cancelled", "Cancelada"
    OVERDUE = "overdue", "Vencida"


# Reais columns of a charge's breakdown, in the order a boleto shows them.
AMOUNT_FIELDS: tuple[str, ...] = (
    "amount_common_fund",
    "amount_reserve_fund",
    "amount_admin_fee",
    "amount_insurance",
    "amount_fees",
    "amount_differences",
    "amount_late_charges",
)


class Charge(models.Model):
    """One bill to a quota's holder: Reais per component, due date, status, boleto/PIX codes."""

    kind = models.CharField("tipo", max_length=20, choices=ChargeKind.choices)
    # The quota's group, copied for the group's reads: no foreign key of its own in the
    # database (the quota's protects the group) so a billing run's COPY checks one less.
    group = models.ForeignKey(
        "groups.ConsortiumGroup",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    quota = models.ForeignKey("groups.Quota", on_delete=models.PROTECT, related_name="+")
    quota_version = models.ForeignKey(
        "groups.QuotaVersion", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    schedule = models.ForeignKey(
        InstallmentSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    obligation = models.OneToOneField(
        "groups.QuotaObligation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Bookkeeping link to the run that wrote the charge (runs are never deleted).
    billing_run = models.ForeignKey(
        BillingRun,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="charges",
        db_constraint=False,
    )
    period = models.DateField("competência")
    first_installment = models.PositiveSmallIntegerField("da parcela", null=True, blank=True)
    last_installment = models.PositiveSmallIntegerField("até a parcela", null=True, blank=True)
    due_date = models.DateField("vencimento")
    credit_value = models.DecimalField(
        "valor do crédito", null=True, blank=True, max_digits=14, decimal_places=2
    )
    fraction_common_fund = _fraction("fundo comum (%)")
    fraction_reserve_fund = _fraction("fundo de reserva (%)")
    fraction_admin_fee = _fraction("taxa de administração (%)")
    fraction_insurance = _fraction("seguro (%)")
    amount_common_fund = _reais("fundo comum")
    amount_reserve_fund = _reais("fundo de reserva")
    amount_admin_fee = _reais("taxa de administração")
    amount_insurance = _reais("seguro")
    amount_fees = _reais("taxas")
    amount_differences = _reais("diferenças de prestação")
    amount_late_charges = _reais("multa e juros")
    amount = _reais_field("valor")
    status = models.CharField(
        "situação", max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.OPEN
    )
    bank_agreement = models.ForeignKey(
        BankAgreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the unique (agreement, nosso número) index leads with it
    )
    nosso_numero = models.CharField("nosso número", max_length=20, blank=True)
    barcode = models.CharField("código de barras", max_length=44, blank=True)
    digitable_line = models.CharField("linha digitável", max_length=47, blank=True)
    pix_txid = models.CharField("txid PIX", max_length=35, blank=True)
    pix_payload = models.TextField("PIX copia e cola", blank=True)
    # A bid charge's reference chosen by the draws context (``bid:<pk>``): one charge per bid.
    reference = models.CharField("referência", max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cobrança"
        verbose_name_plural = "cobranças"
        ordering = ["due_date", "pk"]
        constraints = [
            # A re-run of a period bills nothing twice (ISSUE 11 §3).
            models.UniqueConstraint(
                fields=["quota", "period"],
                condition=Q(kind="installment"),
                name="finance_charge_one_installment_bill_per_period",
            ),
            models.UniqueConstraint(
                fields=["bank_agreement", "nosso_numero"],
                condition=~Q(nosso_numero=""),
                name="finance_charge_nosso_numero_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=sum((F(name) for name in AMOUNT_FIELDS[1:]), F(AMOUNT_FIELDS[0]))
                ),
                name="finance_charge_parts_sum_to_amount",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="finance_charge_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="installment", schedule__isnull=False)
                & Q(first_installment__isnull=False, credit_value__isnull=False)
                & Q(last_installment__gte=F("first_installment"))
                | Q(kind="bid", schedule__isnull=False, credit_value__isnull=False)
                & Q(obligation__isnull=True)
                & ~Q(reference="")
                | ~Q(kind__in=["installment", "bid"]) & Q(obligation__isnull=False),
                name="finance_charge_kind_fields",
            ),
            # A bid is charged once (``services.awards.issue_bid_charge``).
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="finance_charge_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ChargeStatus.values), name="finance_charge_status"
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="finance_charge_period_month"),
        ]
        indexes = [
            # The billing cursor: the last installment billed of a schedule.
            models.Index(
                fields=["schedule", "last_installment"],
                condition=Q(kind="installment") & ~Q(status="cancelled"),
                name="finance_charge_cursor",
            ),
            models.Index(fields=["quota_version", "due_date"], name="finance_charge_version"),
            # The PIX webhook finds the charge by its txid.
            models.Index(
                fields=["pix_txid"], condition=~Q(pix_txid=""), name="finance_charge_pix_txid"
            ),
            models.Index(fields=["group", "due_date"], name="finance_charge_group_due"),
            models.Index(
                fields=["due_date"],
                condition=Q(status="open"),
                name="finance_charge_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Cobrança {self.pk} de {self.period:%m/%Y}"

    def breakdown(self) -> list[tuple[str, Decimal]]:
        """The charge's lines in Reais (label, amount), zero lines left out."""
        return [
            (str(Charge._meta.get_field(name).verbose_name), getattr(self, name))  # type: ignore[union-attr]
            for name in AMOUNT_FIELDS
            if getattr(self, name)
        ]


class DifferenceReason(models.TextChoices):
    ADJUSTMENT = "adjustment", "Reajuste do crédito"
    PAYMENT = "payment", "Diferença de pagamento"


class PriceDifference(models.Model):
    """A *diferença de prestação* (A1): Reais owed (positive) or credited (negative) on the
    quota's next installment charge, which ``charge`` records once it carried it."""

    quota = models.ForeignKey("groups.Quota", on_delete=models.PROTECT, related_name="+")
    schedule = models.ForeignKey(
        InstallmentSchedule, on_delete=models.PROTECT, related_name="differences"
    )
    source_charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    credit_value = models.ForeignKey(
        CreditValue, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField("motivo", max_length=12, choices=DifferenceReason.choices)
    amount = _reais_field("valor")
    charge = models.ForeignKey(
        Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="differences"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "diferença de prestação"
        verbose_name_plural = "diferenças de prestação"
        constraints = [
            models.UniqueConstraint(
                fields=["source_charge", "credit_value"],
                condition=Q(reason="adjustment"),
                name="finance_difference_once_per_adjustment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["schedule"], condition=Q(charge__isnull=True), name="finance_diff_pending"
            )
        ]

    def __str__(self) -> str:
        return f"Diferença {self.amount} da cota {self.quota_id}"
