"""Assemblies, bids, results and awards (DOMAIN.md A5-A8, A10; Part B §3, §4, §7, §9).

- ``Assembly``: one monthly assembly (AGO) of a group, with its state machine (scheduled →
  bidding open → bidding closed → results computed → results published, or cancelled), the
  Loteria Federal extraction used, and the verifiable electronic draw's commitment, seed and
  snapshot. ``AssemblyTransition`` is the append-only log of its state changes.
- ``Bid``: a sealed bid of one quota version at one assembly; at most one ``live`` bid per
  quota version and assembly (partial unique index). A replacement is a new row; the old one
  becomes ``replaced``. Each bid carries its canonical form and SHA-256 receipt.
- ``AssemblyResult``: computed once per assembly (unique), with every input it used stored as
  JSON, so ``results.recompute_from_inputs`` re-derives it exactly.
- ``Award``: one contemplation (draw, excluded-quota refund or bid). A quota version holds at
  most one live award (pending payment or confirmed), ever: a partial unique index.
- ``ResultEvent``: append-only changes after publication (bid lapsed, reserve promoted,
  award confirmed or cancelled); published results are never recomputed.

Fractions of the credit have 10 decimal places, Reais 2 (A1). Only this context's services
write these tables.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def _fraction(verbose_name: str, **kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(verbose_name, max_digits=15, decimal_places=10, **kwargs)  # type: ignore[arg-type]


def _reais(verbose_name: str, **kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


# --- Assemblies ----------------------------------------------------------------------------


class AssemblyState(models.TextChoices):
    SCHEDULED = "scheduled", "Agendada"
    BIDDING_OPEN = "bidding_open", "Lances abertos"
    BIDDING_CLOSED = "bidding_closed", "Lances encerrados"
    RESULTS_COMPUTED = "results_computed", "Resultado apurado"
    RESULTS_PUBLISHED = "results_published", "Resultado publicado"
    CANCELLED = "cancelled", "Cancelada"


class ExtractionSource(models.TextChoices):
    OPERATOR = "operator", "Informada pelo operador"
    ADAPTER = "adapter", "Obtida da fonte de resultados"


class Assembly(models.Model):
    """One assembly (AGO) of a group: state, cut-offs, extraction and verifiable draw data."""

    group = models.ForeignKey(
        "groups.ConsortiumGroup", on_delete=models.PROTECT, related_name="+", verbose_name="grupo"
    )
    number = models.PositiveIntegerField("número")
    date = models.DateField("data")
    state = models.CharField(
        "situação", max_length=20, choices=AssemblyState.choices, default=AssemblyState.SCHEDULED
    )
    rules_version = models.PositiveIntegerField("versão das regras", null=True, blank=True)
    eligibility_cutoff = models.DateField("data de corte (adimplência)")
    bid_closes_at = models.DateTimeField("encerramento dos lances")
    uses_verifiable_draw = models.BooleanField("sorteio eletrônico verificável", default=False)

    # The Loteria Federal extraction used (A6), recorded by an operator or fetched.
    lottery_concurso = models.PositiveIntegerField("concurso", null=True, blank=True)
    lottery_drawn_on = models.DateField("data da extração", null=True, blank=True)
    prize_1 = models.CharField("1º prêmio", max_length=5, blank=True)
    prize_2 = models.CharField("2º prêmio", max_length=5, blank=True)
    prize_3 = models.CharField("3º prêmio", max_length=5, blank=True)
    prize_4 = models.CharField("4º prêmio", max_length=5, blank=True)
    prize_5 = models.CharField("5º prêmio", max_length=5, blank=True)
    lottery_source = models.CharField(
        "origem do resultado", max_length=10, choices=ExtractionSource.choices, blank=True
    )
    lottery_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="resultado registrado por",
    )
    lottery_recorded_at = models.DateTimeField("resultado registrado em", null=True, blank=True)
    # Why this extraction and not the expected one (A6: "noted in the minutes").
    lottery_note = models.TextField("observação sobre a extração", blank=True)

    # Verifiable electronic draw (verifiable.py): commitment at opening, seed kept secret until
    # the close, then the snapshot and its hash published and the seed revealed.
    commitment = models.CharField("compromisso (SHA-256 da semente)", max_length=64, blank=True)
    seed = models.CharField("semente", max_length=64, blank=True)
    seed_revealed_at = models.DateTimeField("semente revelada em", null=True, blank=True)
    snapshot_text = models.TextField("retrato das cotas", blank=True)
    snapshot_sha256 = models.CharField("SHA-256 do retrato", max_length=64, blank=True)

    had_no_funds = models.BooleanField("sem recursos para contemplação", default=False)
    cancel_reason = models.TextField("motivo do cancelamento", blank=True)
    bidding_opened_at = models.DateTimeField("lances abertos em", null=True, blank=True)
    bidding_closed_at = models.DateTimeField("lances encerrados em", null=True, blank=True)
    results_computed_at = models.DateTimeField("resultado apurado em", null=True, blank=True)
    published_at = models.DateTimeField("publicado em", null=True, blank=True)
    # The minutes' latest issue (documents knows nothing of assemblies).
    minutes = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ata",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "assembleia"
        verbose_name_plural = "assembleias"
        ordering = ["group", "date"]
        constraints = [
            models.UniqueConstraint(fields=["group", "date"], name="draws_assembly_group_date"),
            models.UniqueConstraint(fields=["group", "number"], name="draws_assembly_group_number"),
            models.CheckConstraint(
                condition=Q(state__in=AssemblyState.values), name="draws_assembly_state_valid"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="draws_assembly_number_pos"),
            models.CheckConstraint(
                condition=Q(eligibility_cutoff__lte=F("date")),
                name="draws_assembly_cutoff_not_after_date",
            ),
            models.CheckConstraint(
                condition=Q(seed_revealed_at__isnull=True) | ~Q(seed=""),
                name="draws_assembly_revealed_seed_present",
            ),
            models.CheckConstraint(
                condition=Q(uses_verifiable_draw=True) | Q(commitment=""),
                name="draws_assembly_commitment_only_verifiable",
            ),
        ]
        indexes = [models.Index(fields=["state", "date"], name="draws_assembly_state_date")]

    def __str__(self) -> str:
        return f"{self.group_id} AGO {self.number} ({self.date:%d/%m/%Y})"

    @property
    def reference(self) -> str:
        """A stable one-line reference (snapshot, quota ``assembly_ref``, minutes)."""
        return f"group-{self.group_id}/assembly-{self.number}/{self.date.isoformat()}"

    @property
    def prizes(self) -> tuple[str | None, ...]:
        """The five recorded prizes (None where not recorded)."""
        values = (self.prize_1, self.prize_2, self.prize_3, self.prize_4, self.prize_5)
        return tuple(value or None for value in values)

    @property
    def has_extraction(self) -> bool:
        return self.lottery_concurso is not None

    @property
    def is_bidding_over(self) -> bool:
        """Whether bids may be shown (sealed until the close, A8)."""
        return self.state not in (AssemblyState.SCHEDULED, AssemblyState.BIDDING_OPEN)


class AssemblyTransition(models.Model):
    """One state change of an assembly: who moved it, when, from and to which state."""

    # Append-only: it is itself the trail of the assembly's state machine.
    audit_append_only = True

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField("de", max_length=20, choices=AssemblyState.choices)
    to_state = models.CharField("para", max_length=20, choices=AssemblyState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="responsável",
    )
    note = models.TextField("observação", blank=True)
    at = models.DateTimeField("em", default=timezone.now)

    class Meta:
        verbose_name = "mudança de situação da assembleia"
        verbose_name_plural = "mudanças de situação das assembleias"
        ordering = ["assembly", "id"]

    def __str__(self) -> str:
        return f"{self.assembly_id}: {self.from_state} → {self.to_state}"


# --- Bids ----------------------------------------------------------------------------------


class BidKind(models.TextChoices):
    FREE = "free", "Lance livre"
    FIXED = "fixed", "Lance fixo"
    EMBEDDED = "embedded", "Lance embutido"


class BidExpression(models.TextChoices):
    PERCENT = "percent", "% do crédito"
    INSTALLMENTS = "installments", "Número de parcelas"


class BidStatus(models.TextChoices):
    LIVE = "live", "Vigente"
    REPLACED = "replaced", "Substituído"
    WITHDRAWN = "withdrawn", "Retirado"
    WON = "won", "Vencedor"
    RESERVE = "reserve", "Reserva"
    LOST = "lost", "Não contemplado"
    LAPSED = "lapsed", "Caducado (não pago)"


class Bid(models.Model):
    """A sealed bid of one quota version at one assembly (A8)."""

    # Kept out of auditlog: the sealed amounts must not reach the audit trail before the close
    # (A8: "auditors included"). The row is its own record: a replacement is a new row, the
    # canonical form and receipt never change, and status changes after the close are
    # ResultEvents of the published results.
    audit_append_only = True

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="bids")
    quota = models.ForeignKey(
        "groups.Quota", on_delete=models.PROTECT, related_name="+", verbose_name="cota"
    )
    quota_version = models.ForeignKey(
        "groups.QuotaVersion", on_delete=models.PROTECT, related_name="+", verbose_name="versão"
    )
    kind = models.CharField("tipo", max_length=10, choices=BidKind.choices)
    expressed_as = models.CharField("expresso em", max_length=12, choices=BidExpression.choices)
    installments = models.DecimalField(
        "parcelas", max_digits=10, decimal_places=4, null=True, blank=True
    )
    installment_fraction = _fraction("fração da parcela usada", null=True, blank=True)
    fraction = _fraction("lance total (fração do crédito)")
    embedded_fraction = _fraction("parte embutida", default=Decimal("0"))
    cash_fraction = _fraction("parte em dinheiro", default=Decimal("0"))
    status = models.CharField(
        "situação", max_length=10, choices=BidStatus.choices, default=BidStatus.LIVE
    )
    rank = models.PositiveIntegerField("classificação", null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name="substitui",
    )
    canonical = models.TextField("forma canônica")
    receipt = models.CharField("recibo (SHA-256)", max_length=64, unique=True)
    idempotency_key = models.CharField("chave de idempotência", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrado por",
    )
    created_at = models.DateTimeField("registrado em", default=timezone.now)
    status_changed_at = models.DateTimeField("situação alterada em", null=True, blank=True)

    class Meta:
        verbose_name = "lance"
        verbose_name_plural = "lances"
        ordering = ["assembly", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "quota_version"],
                condition=Q(status="live"),
                name="draws_bid_one_live_per_quota_version",
            ),
            models.UniqueConstraint(
                fields=["assembly", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="draws_bid_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=BidKind.values), name="draws_bid_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(expressed_as__in=BidExpression.values),
                name="draws_bid_expression_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BidStatus.values), name="draws_bid_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(fraction__gt=0, fraction__lte=1)
                & Q(embedded_fraction__gte=0, cash_fraction__gte=0),
                name="draws_bid_fraction_range",
            ),
            models.CheckConstraint(
                condition=Q(fraction=F("embedded_fraction") + F("cash_fraction")),
                name="draws_bid_parts_sum",
            ),
            models.CheckConstraint(
                condition=Q(kind="embedded") | Q(embedded_fraction=0),
                name="draws_bid_embedded_only_embedded_kind",
            ),
            models.CheckConstraint(
                condition=Q(expressed_as="percent") | Q(installments__gt=0),
                name="draws_bid_installments_present",
            ),
        ]
        indexes = [models.Index(fields=["assembly", "status"], name="draws_bid_assembly_status")]

    def __str__(self) -> str:
        return f"lance {self.pk} ({self.get_status_display()})"


# --- Results and awards --------------------------------------------------------------------


class AssemblyResult(models.Model):
    """The result of an assembly, computed once, with the inputs it was computed from."""

    # Written once, never changed: later changes are ResultEvents (its own trail).
    audit_append_only = True

    assembly = models.OneToOneField(Assembly, on_delete=models.PROTECT, related_name="result")
    # Everything the computation read (eligibility, excluded versions, funds, refund quotes,
    # bids, prizes, rules): ``results.recompute_from_inputs(inputs)`` gives ``outcome`` again.
    inputs = models.JSONField("entradas")
    inputs_sha256 = models.CharField("SHA-256 das entradas", max_length=64)
    # What it computed: key derivation, each draw's full search trace, the excluded draws,
    # the bid ranking, the award count's stages (money before/after each award).
    outcome = models.JSONField("resultado")
    key = models.PositiveIntegerField("chave", null=True, blank=True)
    money_available = _reais("recursos disponíveis")
    money_used = _reais("recursos utilizados")
    carry_over = _reais("saldo transferido")
    computed_at = models.DateTimeField("apurado em", default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="apurado por",
    )

    class Meta:
        verbose_name = "resultado da assembleia"
        verbose_name_plural = "resultados das assembleias"
        constraints = [
            models.CheckConstraint(
                condition=Q(carry_over=F("money_available") - F("money_used")),
                name="draws_result_carry_over",
            ),
            models.CheckConstraint(condition=Q(carry_over__gte=0), name="draws_result_no_deficit"),
        ]

    def __str__(self) -> str:
        return f"resultado {self.assembly}"


class AwardKind(models.TextChoices):
    DRAW = "draw", "Sorteio"
    EXCLUDED_REFUND = "excluded_refund", "Sorteio de excluída (restituição)"
    BID = "bid", "Lance"


class AwardState(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Aguardando pagamento do lance"
    CONFIRMED = "confirmed", "Confirmada"
    LAPSED = "lapsed", "Caducada"
    CANCELLED = "cancelled", "Cancelada"


LIVE_AWARD_STATES = (AwardState.PENDING_PAYMENT, AwardState.CONFIRMED)


class Award(models.Model):
    """One contemplation: a draw, an excluded-quota refund or a bid (A7, Part B §3)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="awards")
    quota = models.ForeignKey(
        "groups.Quota", on_delete=models.PROTECT, related_name="+", verbose_name="cota"
    )
    quota_version = models.ForeignKey(
        "groups.QuotaVersion", on_delete=models.PROTECT, related_name="+", verbose_name="versão"
    )
    kind = models.CharField("tipo", max_length=20, choices=AwardKind.choices)
    bid = models.OneToOneField(
        Bid, on_delete=models.PROTECT, null=True, blank=True, related_name="award"
    )
    state = models.CharField("situação", max_length=20, choices=AwardState.choices)
    # A3: the credit of this assembly, fixed at the award (a refund: its amount).
    credit_value = _reais("valor do crédito")
    amount_used = _reais("recursos utilizados")
    money_before = _reais("recursos antes")
    money_after = _reais("recursos depois")
    rank = models.PositiveIntegerField("ordem")
    payment_due = models.DateField("pagamento do lance até", null=True, blank=True)
    bid_charge_id = models.BigIntegerField("cobrança do lance", null=True, blank=True)
    ledger_transaction_id = models.BigIntegerField("lançamento", null=True, blank=True)
    promoted_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promoted_to",
        verbose_name="reserva chamada no lugar de",
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField("confirmada em", null=True, blank=True)
    ended_at = models.DateTimeField("caducada/cancelada em", null=True, blank=True)
    end_reason = models.TextField("motivo", blank=True)

    class Meta:
        verbose_name = "contemplação"
        verbose_name_plural = "contemplações"
        ordering = ["assembly", "rank"]
        constraints = [
            # A quota version holds at most one live award, ever (issue 12 item 5).
            models.UniqueConstraint(
                fields=["quota_version"],
                condition=Q(state__in=["pending_payment", "confirmed"]),
                name="draws_award_one_live_per_quota_version",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AwardKind.values), name="draws_award_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=AwardState.values), name="draws_award_state_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="bid") & Q(bid__isnull=False))
                | (~Q(kind="bid") & Q(bid__isnull=True)),
                name="draws_award_bid_iff_bid_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="bid") | ~Q(state="pending_payment"),
                name="draws_award_only_bids_pending",
            ),
            models.CheckConstraint(
                condition=Q(credit_value__gte=0, amount_used__gte=0, money_after__gte=0),
                name="draws_award_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(money_after=F("money_before") - F("amount_used")),
                name="draws_award_money_after",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "payment_due"], name="draws_award_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quota_id} ({self.get_state_display()})"

    @property
    def award_ref(self) -> str:
        return f"award:{self.pk}"

    @property
    def refund_ref(self) -> str:
        return f"refund:{self.pk}"


class ResultEventKind(models.TextChoices):
    BID_LAPSED = "bid_lapsed", "Lance não pago: contemplação caducada"
    RESERVE_PROMOTED = "reserve_promoted", "Lance reserva chamado"
    RESERVE_NOT_COVERED = "reserve_not_covered", "Reserva sem recursos"
    AWARD_CONFIRMED = "award_confirmed", "Contemplação confirmada"
    AWARD_CANCELLED = "award_cancelled", "Contemplação cancelada"


class ResultEvent(models.Model):
    """A change to computed results (they are never recomputed, issue 12 item 5)."""

    # Append-only: the trail of what happened to the results after they were computed.
    audit_append_only = True

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="result_events")
    kind = models.CharField("tipo", max_length=30, choices=ResultEventKind.choices)
    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    bid = models.ForeignKey(
        Bid, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    details = models.JSONField("detalhes", default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="responsável",
    )
    at = models.DateTimeField("em", default=timezone.now)

    class Meta:
        verbose_name = "evento do resultado"
        verbose_name_plural = "eventos dos resultados"
        ordering = ["assembly", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ResultEventKind.values), name="draws_result_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assembly_id}: {self.get_kind_display()}"
