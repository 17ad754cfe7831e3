"""Consortium groups and their versioned rules (DOMAIN.md Part A, Part B §1-§2).

A ``ConsortiumGroup`` holds what the law fixes per group (segment, term, maximum number of
quotas, reference credit value) and its lifecycle state. Everything the contract may set is in
``GroupRules``: one row per **version** (1, 2, …); the group points at the version in force
(``current_rules``). Amending a group with members creates a new version and never edits an old
one, so the rules any past assembly used stay retrievable (A12).

Percentages are stored as fractions of the credit with 10 decimal places (``0.15`` = 15%).
Only this context's services write these tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Segment(models.TextChoices):
    REAL_ESTATE = "real_estate", "Imóveis"
    VEHICLES = "vehicles", "Veículos automotores"
    MOTORCYCLES = "motorcycles", "Motocicletas"
    DURABLE_GOODS = "durable_goods", "Outros bens móveis duráveis"
    SERVICES = "services", "Serviços"


class GroupState(models.TextChoices):
    FORMATION = "formation", "Em formação"
    RUNNING = "running", "Em andamento"
    CLOSING = "closing", "Em encerramento"
    CLOSED = "closed", "Encerrado"


class AdjustmentIndex(models.TextChoices):
    INCC = "incc", "INCC"
    IPCA = "ipca", "IPCA"
    REFERENCE_PRICE = "reference_price", "Novo preço do bem de referência"


class DrawMethod(models.TextChoices):
    A = "A", "A: primeiro prêmio módulo Q"
    B = "B", "B: janelas de dígitos dos prêmios"
    C = "C", "C: últimos dígitos dos prêmios 1 a 5"


class SearchDirection(models.TextChoices):
    UP_FIRST = "up_first", "Chave +1, -1, +2, -2…"
    DOWN_FIRST = "down_first", "Chave -1, +1, -2, +2…"


class LotteryExtraction(models.TextChoices):
    LATEST_ON_OR_BEFORE = "latest_on_or_before", "Última extração até a data da assembleia"


class BidApplication(models.TextChoices):
    LAST_INSTALLMENTS = "last_installments", "Quita as últimas parcelas"
    SPREAD = "spread", "Distribui nas parcelas restantes"


class RuleRegime(models.TextChoices):
    RES_285 = "res_285", "Resolução BCB 285/2023"
    CIRCULAR_3432 = "circular_3432", "Circular BCB 3.432/2009"


def _fraction_field(default: str, verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=10, default=Decimal(default)
    )


class ConsortiumGroup(models.Model):
    """A grupo de consórcio: fixed terms, lifecycle state and the rules version in force."""

    code = models.CharField("código", max_length=20, unique=True)
    name = models.CharField("nome", max_length=120)
    segment = models.CharField("segmento", max_length=20, choices=Segment.choices)
    reference_credit_value = models.DecimalField(
        "valor do crédito de referência", max_digits=14, decimal_places=2
    )
    term_months = models.PositiveSmallIntegerField("prazo (meses)")
    max_quotas = models.PositiveIntegerField("número máximo de cotas")
    state = models.CharField(
        "situação", max_length=12, choices=GroupState.choices, default=GroupState.FORMATION
    )
    current_rules = models.OneToOneField(
        "GroupRules",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="regras vigentes",
    )
    first_assembly_date = models.DateField("data da 1ª assembleia", null=True, blank=True)
    constituted_on = models.DateField("constituído em", null=True, blank=True)
    closing_started_on = models.DateField("encerramento iniciado em", null=True, blank=True)
    closed_on = models.DateField("encerrado em", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "grupo de consórcio"
        verbose_name_plural = "grupos de consórcio"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference_credit_value__gt=0), name="groups_credit_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=600), name="groups_term_range"
            ),
            models.CheckConstraint(
                condition=Q(max_quotas__gte=1, max_quotas__lte=100000),
                name="groups_max_quotas_range",
            ),
            models.CheckConstraint(
                condition=Q(state__in=GroupState.values), name="groups_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"


class GroupRules(models.Model):
    """One version of a group's contract rules; never edited once the group has members."""

    group = models.ForeignKey(
        ConsortiumGroup, on_delete=models.CASCADE, related_name="rules_versions"
    )
    version = models.PositiveIntegerField("versão")
    effective_from = models.DateField("vigente desde", default=timezone.localdate)
    reason = models.TextField("motivo", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Regime and contract (A12).
    regime = models.CharField(
        "regime", max_length=20, choices=RuleRegime.choices, default=RuleRegime.RES_285
    )
    contract_version = models.CharField("versão do contrato", max_length=40)

    # Money (A1-A3, §2): fractions of the credit.
    adjustment_index = models.CharField(
        "índice de reajuste", max_length=20, choices=AdjustmentIndex.choices
    )
    negative_adjustment_reduces_credit = models.BooleanField(default=False)
    admin_fee_total = _fraction_field("0", verbose_name="taxa de administração total")
    admin_fee_upfront = _fraction_field("0", verbose_name="antecipação da taxa (adesão)")
    reserve_fund = _fraction_field("0", verbose_name="fundo de reserva")
    insurance = _fraction_field("0", verbose_name="seguro (total no prazo)")

    # Assembly calendar: day of month, moved to the next business day.
    assembly_day = models.PositiveSmallIntegerField("dia da assembleia", default=10)

    # Draws (A6, A7).
    draw_method = models.CharField(max_length=1, choices=DrawMethod.choices, default=DrawMethod.A)
    search_direction = models.CharField(
        max_length=12, choices=SearchDirection.choices, default=SearchDirection.UP_FIRST
    )
    lottery_extraction = models.CharField(
        max_length=30,
        choices=LotteryExtraction.choices,
        default=LotteryExtraction.LATEST_ON_OR_BEFORE,
    )
    electronic_draw_allowed = models.BooleanField(default=False)
    draws_per_assembly = models.PositiveSmallIntegerField(default=1)
    excluded_refunds_per_assembly = models.PositiveSmallIntegerField(default=1)

    # Eligibility and bids (A5, A8).
    eligibility_cutoff_days_before = models.PositiveSmallIntegerField(default=1)
    bid_closing_time = models.TimeField(default=dt.time(23, 59))
    free_bid_allowed = models.BooleanField(default=True)
    fixed_bid_allowed = models.BooleanField(default=False)
    fixed_bid_fraction = _fraction_field("0", verbose_name="lance fixo")
    embedded_bid_allowed = models.BooleanField(default=False)
    embedded_bid_max_fraction = _fraction_field("0", verbose_name="lance embutido máximo")
    bid_payment_business_days = models.PositiveSmallIntegerField(default=3)
    bid_application = models.CharField(
        max_length=20, choices=BidApplication.choices, default=BidApplication.LAST_INSTALLMENTS
    )

    # Late charges (A4) and exclusion/refund (A5, A10).
    late_fine = _fraction_field("0.02", verbose_name="multa")
    late_interest_monthly = _fraction_field("0.01", verbose_name="juros ao mês")
    late_group_share = _fraction_field("0.5", verbose_name="parte do grupo nos encargos")
    exclusion_threshold = models.PositiveSmallIntegerField(default=3)
    exclusion_counts_alternate = models.BooleanField(default=False)
    refund_penalty = _fraction_field("0", verbose_name="penalidade na restituição")

    # Transfer of a quota to another member: a fee in Reais (0 = no fee).
    transfer_fee = models.DecimalField(
        "taxa de transferência (R$)", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = "regras do grupo"
        verbose_name_plural = "regras dos grupos"
        ordering = ["group", "version"]
        constraints = [
            models.UniqueConstraint(fields=["group", "version"], name="groups_rules_one_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="groups_rules_version_pos"),
            models.CheckConstraint(
                condition=Q(admin_fee_total__gte=0, admin_fee_total__lte=1)
                & Q(admin_fee_upfront__gte=0, admin_fee_upfront__lte=models.F("admin_fee_total"))
                & Q(reserve_fund__gte=0, reserve_fund__lte=1)
                & Q(insurance__gte=0, insurance__lte=1),
                name="groups_rules_plan_fractions_range",
            ),
            models.CheckConstraint(
                condition=Q(assembly_day__gte=1, assembly_day__lte=31),
                name="groups_rules_assembly_day_range",
            ),
            models.CheckConstraint(
                condition=Q(draws_per_assembly__lte=100, excluded_refunds_per_assembly__lte=100),
                name="groups_rules_awards_range",
            ),
            models.CheckConstraint(
                condition=Q(fixed_bid_fraction__gte=0, fixed_bid_fraction__lte=1)
                & Q(embedded_bid_max_fraction__gte=0, embedded_bid_max_fraction__lte=1),
                name="groups_rules_bid_fractions_range",
            ),
            models.CheckConstraint(
                condition=Q(bid_payment_business_days__gte=1, bid_payment_business_days__lte=30),
                name="groups_rules_bid_deadline_range",
            ),
            models.CheckConstraint(
                condition=Q(late_fine__gte=0, late_fine__lte=Decimal("0.02"))
                & Q(late_interest_monthly__gte=0, late_interest_monthly__lte=Decimal("0.1")),
                name="groups_rules_late_charges_range",
            ),
            models.CheckConstraint(
                condition=Q(late_group_share__gte=Decimal("0.5"), late_group_share__lte=1),
                name="groups_rules_group_share_at_least_half",
            ),
            models.CheckConstraint(
                condition=Q(exclusion_threshold__gte=1)
                & (Q(regime=RuleRegime.CIRCULAR_3432) | Q(exclusion_threshold__lte=3)),
                name="groups_rules_exclusion_threshold_range",
            ),
            models.CheckConstraint(
                condition=(Q(fixed_bid_allowed=False) | Q(fixed_bid_fraction__gt=0))
                & (Q(embedded_bid_allowed=False) | Q(embedded_bid_max_fraction__gt=0)),
                name="groups_rules_bid_types_have_their_percent",
            ),
            models.CheckConstraint(
                condition=Q(exclusion_counts_alternate=False) | Q(regime=RuleRegime.CIRCULAR_3432),
                name="groups_rules_alternate_only_under_circular",
            ),
            models.CheckConstraint(
                condition=Q(refund_penalty__gte=0, refund_penalty__lte=1),
                name="groups_rules_refund_penalty_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group.code} v{self.version}"


class QuotaStatus(models.TextChoices):
    AVAILABLE = "available", "Disponível"
    RESERVED = "reserved", "Reservada"
    ACTIVE = "active", "Ativa"
    EXCLUDED = "excluded", "Excluída"
    AWARDED = "awarded", "Contemplada"
    TRANSFERRED = "transferred", "Transferida"
    CANCELLED = "cancelled", "Cancelada (desistência)"


# Statuses of a version that holds the quota (at most one per quota: a DB constraint).
LIVE_QUOTA_STATUSES = (QuotaStatus.RESERVED, QuotaStatus.ACTIVE, QuotaStatus.AWARDED)


class Quota(models.Model):
    """A quota number (1..Q) of a group; ``current_version`` is its latest holder, if any.

    No current version means the number was never sold. Expired or cancelled reservations are
    removed, so versions count sales (a number re-sold after exclusion gets version 2).
    """

    group = models.ForeignKey(ConsortiumGroup, on_delete=models.PROTECT, related_name="quotas")
    number = models.PositiveIntegerField("número")
    current_version = models.OneToOneField(
        "QuotaVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="versão vigente",
    )

    class Meta:
        verbose_name = "cota"
        verbose_name_plural = "cotas"
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="groups_quota_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="groups_quota_number_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.number}"


class QuotaVersion(models.Model):
    """One holding of a quota: reserved, then active, maybe excluded or awarded."""

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("versão")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField("situação", max_length=12, choices=QuotaStatus.choices)
    reserved_until = models.DateTimeField("reservada até", null=True, blank=True)
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sales_channel = models.ForeignKey(
        "accounts.SalesChannel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sales_representative = models.ForeignKey(
        "accounts.SalesRepresentative",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contract_accepted_at = models.DateTimeField("contrato aceito em", null=True, blank=True)
    # The contract of adhesion's latest issue (documents knows nothing of quotas).
    contract = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="contrato de participação",
    )
    sold_at = models.DateTimeField("vendida em", null=True, blank=True)
    ended_at = models.DateTimeField("encerrada em", null=True, blank=True)
    end_reason = models.CharField("motivo do encerramento", max_length=200, blank=True)
    assembly_ref = models.CharField("assembleia", max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "versão de cota"
        verbose_name_plural = "versões de cotas"
        ordering = ["quota", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["quota", "version"], name="groups_quota_version_unique"
            ),
            models.UniqueConstraint(
                fields=["quota"],
                condition=Q(status__in=["reserved", "active", "awarded"]),
                name="groups_quota_one_live_version",
            ),
            models.CheckConstraint(
                condition=Q(status__in=QuotaStatus.values), name="groups_quota_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="reserved") | Q(reserved_until__isnull=False),
                name="groups_quota_reservation_has_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["member"], name="groups_qv_member"),
            models.Index(fields=["sales_channel"], name="groups_qv_channel"),
            models.Index(fields=["sales_representative"], name="groups_qv_rep"),
            models.Index(
                fields=["reserved_until"],
                condition=Q(status="reserved"),
                name="groups_qv_reserved_until",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quota} v{self.version} ({self.status})"


class ObligationKind(models.TextChoices):
    UPFRONT_FEE = "upfront_fee", "Taxa de adesão (antecipação)"
    TRANSFER_FEE = "transfer_fee", "Taxa de transferência"


class QuotaObligation(models.Model):
    """A fee owed for a quota version; finance turns it into a charge."""

    quota_version = models.ForeignKey(
        QuotaVersion, on_delete=models.PROTECT, related_name="obligations"
    )
    kind = models.CharField("tipo", max_length=20, choices=ObligationKind.choices)
    amount = models.DecimalField("valor", max_digits=14, decimal_places=2)
    due_date = models.DateField("vencimento")
    created_at = models.DateTimeField(auto_now_add=True)

    owner_channel_field = "quota_version__sales_channel"
    owner_representative_field = "quota_version__sales_representative"

    class Meta:
        verbose_name = "obrigação da cota"
        verbose_name_plural = "obrigações das cotas"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="groups_obligation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
