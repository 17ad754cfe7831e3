"""Delinquency of quota holders and proposals to exclude them (DOMAIN.md A5, Part B §6, §7).

- ``DelinquencyStatus``: one row per quota version **in default today** (the holder of an
  active installment schedule with installments whose due dates passed unpaid), written by the
  daily job ``services.delinquency.mark_delinquency``; the row goes away when the arrears are
  paid. Derived data (the installments say the same), so it is not audited: the job's events
  and the installments are the trail.
- ``ExclusionProposal``: the job proposes to exclude a non-awarded quota whose unpaid due
  dates reached the group's threshold (A5); staff confirm it (the groups context then
  excludes the quota) or dismiss it. At most one live (proposed or confirmed) proposal per
  quota version, enforced by the database.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class DelinquencyStatus(models.Model):
    """What a quota version owes past due as of ``as_of`` (A5 counts, A1 fractions, Reais).

    ``overdue_installments`` counts the installments whose (business-day) due date passed
    unpaid; ``consecutive_overdue`` the longest run of consecutive ones among them (the count
    Res. 285's exclusion threshold reads); ``days_late`` counts calendar days from the oldest
    one's due date; ``overdue_fraction`` is their sum as a fraction of the credit and
    ``overdue_amount`` that fraction in Reais at the credit value in force on ``as_of``
    (the updated installments, A1 and §6), late charges excluded.
    """

    # Rewritten by the daily job from the installments and payments: not recorded by auditlog.
    audit_derived = True

    quota_version = models.OneToOneField(
        "groups.QuotaVersion",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="versão da cota",
    )
    quota = models.ForeignKey(
        "groups.Quota", on_delete=models.CASCADE, related_name="+", verbose_name="cota"
    )
    group = models.ForeignKey(
        "groups.ConsortiumGroup",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the (group, consecutive) index leads with it
        verbose_name="grupo",
    )
    overdue_installments = models.PositiveSmallIntegerField("parcelas vencidas")
    consecutive_overdue = models.PositiveSmallIntegerField("vencimentos consecutivos em atraso")
    oldest_due_date = models.DateField("vencimento mais antigo em aberto")
    days_late = models.PositiveIntegerField("dias de atraso")
    overdue_fraction = models.DecimalField("percentual vencido", max_digits=14, decimal_places=10)
    overdue_amount = models.DecimalField("valor vencido", max_digits=14, decimal_places=2)
    as_of = models.DateField("apurado em")
    updated_at = models.DateTimeField("atualizado em")

    class Meta:
        verbose_name = "situação de inadimplência"
        verbose_name_plural = "situações de inadimplência"
        ordering = ["group", "-consecutive_overdue", "oldest_due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overdue_installments__gte=1)
                & Q(consecutive_overdue__gte=1)
                & Q(consecutive_overdue__lte=F("overdue_installments")),
                name="finance_delinquency_counts",
            ),
            models.CheckConstraint(
                condition=Q(overdue_fraction__gte=0, overdue_amount__gte=0),
                name="finance_delinquency_amounts",
            ),
        ]
        indexes = [
            models.Index(fields=["group", "consecutive_overdue"], name="finance_delinquency_group"),
        ]

    def __str__(self) -> str:
        return f"Cota {self.quota_id}: {self.overdue_installments} parcela(s) vencida(s)"


class ExclusionProposalState(models.TextChoices):
    PROPOSED = "proposed", "Proposta"
    CONFIRMED = "confirmed", "Confirmada"
    DISMISSED = "dismissed", "Descartada"


class ExclusionProposal(models.Model):
    """A proposal to exclude a quota version for default (A5), waiting for staff or decided.

    The counts are those of the day it was proposed. ``decision_note``: the staff member's
    justification, or why the job withdrew it (arrears paid, quota awarded or transferred).
    """

    group = models.ForeignKey(
        "groups.ConsortiumGroup", on_delete=models.PROTECT, related_name="+", verbose_name="grupo"
    )
    quota = models.ForeignKey(
        "groups.Quota", on_delete=models.PROTECT, related_name="+", verbose_name="cota"
    )
    quota_version = models.ForeignKey(
        "groups.QuotaVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="versão da cota",
    )
    state = models.CharField(
        "situação",
        max_length=10,
        choices=ExclusionProposalState.choices,
        default=ExclusionProposalState.PROPOSED,
    )
    proposed_on = models.DateField("proposta em")
    threshold = models.PositiveSmallIntegerField("limite de vencimentos do grupo")
    counts_alternate = models.BooleanField("conta vencimentos alternados", default=False)
    unpaid_due_dates = models.PositiveSmallIntegerField("vencimentos em atraso")
    oldest_due_date = models.DateField("vencimento mais antigo em aberto")
    overdue_amount = models.DecimalField(
        "valor vencido", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    decided_at = models.DateTimeField("decidida em", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="decidida por",
    )
    decision_note = models.TextField("justificativa", blank=True)
    created_at = models.DateTimeField("criada em", auto_now_add=True)

    class Meta:
        verbose_name = "proposta de exclusão"
        verbose_name_plural = "propostas de exclusão"
        ordering = ["-proposed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["quota_version"],
                condition=Q(state__in=["proposed", "confirmed"]),
                name="finance_exclusion_one_live_per_version",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ExclusionProposalState.values),
                name="finance_exclusion_state",
            ),
            models.CheckConstraint(
                condition=Q(state="proposed", decided_at__isnull=True)
                | ~Q(state="proposed") & Q(decided_at__isnull=False),
                name="finance_exclusion_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(decision_note=""),
                name="finance_exclusion_dismissal_justified",
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=1, unpaid_due_dates__gte=F("threshold")),
                name="finance_exclusion_threshold_reached",
            ),
        ]
        indexes = [
            models.Index(
                fields=["group", "proposed_on"],
                condition=Q(state="proposed"),
                name="finance_exclusion_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Exclusão da cota {self.quota_id} ({self.get_state_display()})"
