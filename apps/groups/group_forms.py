"""Forms of the group staff pages: a group's fixed terms, its rules, an amendment, a transition.

Forms check shape (types, required, obvious bounds) and convert what staff type into what the
services take: percentages typed as ``15`` or ``1,5`` become fractions of the credit with 10
places (``0.15``, ``0.015``; DOMAIN.md A1). The rules themselves (group share ≥ 50%, upfront
fee ≤ total fee, at most 3 unpaid due dates under Res. 285…) are the services' to enforce;
their refusals come back next to the field through ``add_service_errors``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from apps.groups.models import (
    AdjustmentIndex,
    BidApplication,
    DrawMethod,
    GroupRules,
    GroupState,
    LotteryExtraction,
    RuleRegime,
    SearchDirection,
    Segment,
)

HUNDRED = Decimal(100)
_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BrazilianDecimalField(forms.DecimalField):
    """A decimal typed the Brazilian way: ``250.000,00``, ``1,5`` (or plain ``1.5``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs
        """Drop thousands dots when a decimal comma is present, then parse as usual."""
        if isinstance(value, str) and "," in value:
            value = value.replace(".", "").replace(" ", "")
        return super().to_python(value)


def _percent(label: str, initial: str, help_text: str = "") -> forms.DecimalField:
    """A percentage field (``15`` = 15%); 8 decimal places are 10 places of a fraction."""
    return BrazilianDecimalField(
        label=label,
        max_digits=12,
        decimal_places=8,
        min_value=Decimal(0),
        max_value=HUNDRED,
        initial=Decimal(initial),
        help_text=help_text,
    )


def _count(
    label: str, initial: int, low: int, high: int, help_text: str = ""
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, initial=initial, min_value=low, max_value=high, help_text=help_text
    )


def _flag(label: str, initial: bool = False, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, initial=initial, help_text=help_text)


def percent_of(fraction: Decimal) -> Decimal:
    """A stored fraction as the percentage staff read and type (``0.15`` → ``15``)."""
    value = (fraction * HUNDRED).normalize()
    return Decimal(format(value, "f"))


class RulesForm(forms.Form):
    """Every contract rule a group holds (``plans.RULE_FIELDS``), with DOMAIN.md Part A
    defaults: fine 2% + 1% a month, group share 50%, exclusion after 3 unpaid due dates,
    1 draw and 1 excluded-quota refund per assembly, method A searching up first, bids closing
    at 23:59 the day before, paid within 3 business days, applied to the last installments."""

    # Contract and adjustment (A3, A12).
    regime = forms.ChoiceField(
        label="Regime de regras", choices=RuleRegime.choices, initial=RuleRegime.RES_285
    )
    contract_version = forms.CharField(label="Versão do contrato", max_length=40)
    adjustment_index = forms.ChoiceField(
        label="Índice de reajuste",
        choices=AdjustmentIndex.choices,
        initial=AdjustmentIndex.IPCA,
        help_text="Grupos de imóveis costumam usar o INCC.",
    )
    negative_adjustment_reduces_credit = _flag("Variação negativa do índice reduz o crédito")
    # Plan (A1, A2).
    admin_fee_total = _percent("Taxa de administração total (%)", "15")
    admin_fee_upfront = _percent(
        "Antecipação da taxa na adesão (%)", "0", "Parte da taxa cobrada na adesão (0 = nenhuma)."
    )
    reserve_fund = _percent("Fundo de reserva (%)", "2")
    insurance = _percent("Seguro (% do crédito no prazo)", "0")
    transfer_fee = BrazilianDecimalField(
        label="Taxa de transferência de cota (R$)",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        initial=Decimal("0.00"),
    )
    # Assemblies and draws (A6, A7).
    assembly_day = _count(
        "Dia da assembleia", 10, 1, 31, "Em dia não útil, passa ao próximo dia útil."
    )
    draw_method = forms.ChoiceField(
        label="Método de sorteio (Loteria Federal)", choices=DrawMethod.choices, initial="A"
    )
    search_direction = forms.ChoiceField(
        label="Busca de vizinhos", choices=SearchDirection.choices, initial="up_first"
    )
    lottery_extraction = forms.ChoiceField(
        label="Extração usada",
        choices=LotteryExtraction.choices,
        initial=LotteryExtraction.LATEST_ON_OR_BEFORE,
    )
    electronic_draw_allowed = _flag("Permite sorteio eletrônico verificável")
    draws_per_assembly = _count("Sorteios por assembleia", 1, 0, 100)
    excluded_refunds_per_assembly = _count("Restituições de excluídos por assembleia", 1, 0, 100)
    # Eligibility and bids (A5, A8).
    eligibility_cutoff_days_before = _count(
        "Data de corte (dias antes da assembleia)", 1, 0, 31, "Também encerra os lances."
    )
    bid_closing_time = forms.TimeField(
        label="Horário de encerramento dos lances",
        initial=dt.time(23, 59),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    free_bid_allowed = _flag("Aceita lance livre", initial=True)
    fixed_bid_allowed = _flag("Aceita lance fixo")
    fixed_bid_fraction = _percent("Percentual do lance fixo (%)", "0")
    embedded_bid_allowed = _flag("Aceita lance embutido")
    embedded_bid_max_fraction = _percent("Lance embutido máximo (%)", "0")
    bid_payment_business_days = _count("Prazo para pagar o lance (dias úteis)", 3, 1, 30)
    bid_application = forms.ChoiceField(
        label="Aplicação do lance pago",
        choices=BidApplication.choices,
        initial=BidApplication.LAST_INSTALLMENTS,
    )
    # Late charges, exclusion and refund (A4, A5, A10).
    late_fine = _percent("Multa por atraso (%)", "2")
    late_interest_monthly = _percent("Juros de mora ao mês (%)", "1")
    late_group_share = _percent(
        "Parte do grupo nos encargos de atraso (%)", "50", "No mínimo 50% (Lei 11.795, art. 28)."
    )
    exclusion_threshold = _count(
        "Exclusão após parcelas em atraso", 3, 1, 12, "No máximo 3 sob a Resolução BCB 285."
    )
    exclusion_counts_alternate = _flag(
        "Conta parcelas alternadas", help_text="Só para grupos da antiga Circular BCB 3.432."
    )
    refund_penalty = _percent("Penalidade na restituição (%)", "0")

    PERCENT_FIELDS = (
        "admin_fee_total",
        "admin_fee_upfront",
        "reserve_fund",
        "insurance",
        "fixed_bid_fraction",
        "embedded_bid_max_fraction",
        "late_fine",
        "late_interest_monthly",
        "late_group_share",
        "refund_penalty",
    )
    RULE_NAMES: tuple[str, ...] = ()  # set below, after the class body
    SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
        (
            "Contrato e reajuste",
            (
                "regime",
                "contract_version",
                "adjustment_index",
                "negative_adjustment_reduces_credit",
            ),
        ),
        (
            "Taxas do plano",
            ("admin_fee_total", "admin_fee_upfront", "reserve_fund", "insurance", "transfer_fee"),
        ),
        (
            "Assembleias e sorteios",
            (
                "assembly_day",
                "draw_method",
                "search_direction",
                "lottery_extraction",
                "electronic_draw_allowed",
                "draws_per_assembly",
                "excluded_refunds_per_assembly",
            ),
        ),
        (
            "Elegibilidade e lances",
            (
                "eligibility_cutoff_days_before",
                "bid_closing_time",
                "free_bid_allowed",
                "fixed_bid_allowed",
                "fixed_bid_fraction",
                "embedded_bid_allowed",
                "embedded_bid_max_fraction",
                "bid_payment_business_days",
                "bid_application",
            ),
        ),
        (
            "Atraso, exclusão e restituição",
            (
                "late_fine",
                "late_interest_monthly",
                "late_group_share",
                "exclusion_threshold",
                "exclusion_counts_alternate",
                "refund_penalty",
            ),
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract_version"].initial = f"{timezone.localdate().year}.1"

    @classmethod
    def initial_for(cls, rules: GroupRules) -> dict[str, Any]:
        """The form's values from a rules version (fractions shown as percentages)."""
        initial = {name: getattr(rules, name) for name in cls.RULE_NAMES}
        for name in cls.PERCENT_FIELDS:
            initial[name] = percent_of(initial[name])
        return initial

    def rule_changes(self) -> dict[str, Any]:
        """The cleaned rules as the services take them (percentages as fractions)."""
        changes = {name: self.cleaned_data[name] for name in self.RULE_NAMES}
        for name in self.PERCENT_FIELDS:
            changes[name] = changes[name] / HUNDRED
        return changes

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The visible fields grouped for the template, each group under its title."""
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def add_service_errors(self, errors: Mapping[str, list[str]], fallback: str) -> None:
        """Show a service's refusal next to the fields it names (others on top of the form)."""
        if not errors:
            self.add_error(None, fallback)
        for field, messages in errors.items():
            target = field if field in self.fields and field != NON_FIELD_ERRORS else None
            for message in messages:
                self.add_error(target, message)


RulesForm.RULE_NAMES = tuple(name for _title, names in RulesForm.SECTIONS for name in names)


class GroupCreateForm(RulesForm):
    """A new group: its fixed terms (law: term, maximum quotas) and its rules version 1."""

    code = forms.CharField(label="Código", max_length=20, help_text="Único. Ex.: IMV-0101")
    name = forms.CharField(label="Nome", max_length=120)
    segment = forms.ChoiceField(label="Segmento", choices=Segment.choices)
    reference_credit_value = BrazilianDecimalField(
        label="Valor do crédito de referência (R$)",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="Ex.: 250.000,00",
    )
    term_months = _count("Prazo (meses)", 100, 1, 600)
    max_quotas = _count("Número máximo de cotas", 200, 1, 100000)

    GROUP_FIELDS = (
        "code",
        "name",
        "segment",
        "reference_credit_value",
        "term_months",
        "max_quotas",
    )

    def group_fields(self) -> dict[str, Any]:
        """The group's own fields, as ``plans.create_group`` takes them."""
        return {name: self.cleaned_data[name] for name in self.GROUP_FIELDS}

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The group's data first, then the rules."""
        return [("Dados do grupo", [self[name] for name in self.GROUP_FIELDS]), *super().sections()]


class AmendmentForm(RulesForm):
    """A versioned amendment (aditamento): the new rules, why, and from when."""

    reason = forms.CharField(
        label="Motivo do aditamento",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ex.: decisão da AGE de 10/03/2026.",
    )
    effective_from = forms.DateField(
        label="Vigente a partir de", required=False, widget=_DATE_WIDGET
    )

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The rules, then the amendment's reason and start."""
        return [
            *super().sections(),
            ("Aditamento", [self["reason"], self["effective_from"]]),
        ]


# The buttons of the lifecycle, per target state (DOMAIN.md §1.2).
TRANSITION_LABELS: Mapping[str, tuple[str, str]] = {
    GroupState.RUNNING: (
        "Constituir o grupo (1ª assembleia)",
        "Constituir o grupo? Ele passa a em andamento e suas regras só mudam por aditamento.",
    ),
    GroupState.CLOSING: (
        "Iniciar o encerramento",
        "Iniciar o encerramento do grupo? Não haverá novas assembleias de contemplação.",
    ),
    GroupState.CLOSED: (
        "Encerrar o grupo",
        "Encerrar o grupo definitivamente? Esta ação não pode ser desfeita.",
    ),
}


class TransitionForm(forms.Form):
    """A lifecycle transition: the target state and the date it happened."""

    to_state = forms.ChoiceField(
        label="Nova situação",
        choices=[(s.value, s.label) for s in GroupState if s is not GroupState.FORMATION],
    )
    on_date = forms.DateField(label="Data", widget=_DATE_WIDGET)
