"""Forms of the assembly staff pages: shape only; the draws services decide the rules.

A service's refusal (``LotteryPrizesInvalid``, ``BidInvalid``…) carries Portuguese messages
per field in ``extra["errors"]``; ``add_service_errors`` puts each next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from apps.draws.models import BidExpression, BidKind
from apps.groups import selectors as group_selectors

PRIZE_FIELDS = ("prize_1", "prize_2", "prize_3", "prize_4", "prize_5")


class ServiceForm(forms.Form):
    """A form that can show a service's refusal next to the fields it names."""

    def add_service_errors(self, errors: Mapping[str, list[str]], fallback: str) -> None:
        if not errors:
            self.add_error(None, fallback)
        for field, messages in errors.items():
            target = field if field in self.fields and field != NON_FIELD_ERRORS else None
            for message in messages:
                self.add_error(target, message)


class ExtractionForm(ServiceForm):
    """The Loteria Federal extraction typed by an operator (validated by the lottery service)."""

    concurso = forms.CharField(
        label="Concurso", max_length=10, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    drawn_on = forms.DateField(
        label="Data da extração", widget=forms.DateInput(attrs={"type": "date"})
    )
    prize_1 = forms.CharField(label="1º prêmio", max_length=7)
    prize_2 = forms.CharField(label="2º prêmio", max_length=7)
    prize_3 = forms.CharField(label="3º prêmio", max_length=7)
    prize_4 = forms.CharField(label="4º prêmio", max_length=7)
    prize_5 = forms.CharField(label="5º prêmio", max_length=7)
    note = forms.CharField(
        label="Observação para a ata",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Por exemplo: a extração esperada não aconteceu e foi usada a anterior.",
    )
    confirm_unusual = forms.BooleanField(
        label="Confirmo prêmio 00000 ou número repetido (conferido no resultado oficial)",
        required=False,
    )

    def prizes(self) -> list[str]:
        return [self.cleaned_data[name] for name in PRIZE_FIELDS]


class BidForm(ServiceForm):
    """A bid for one quota: type, how it is expressed and its value (the bid service checks)."""

    quota_number = forms.IntegerField(label="Número da cota", min_value=1)
    kind = forms.ChoiceField(label="Tipo de lance", choices=BidKind.choices)
    expressed_as = forms.ChoiceField(
        label="Expresso em", choices=BidExpression.choices, initial=BidExpression.PERCENT
    )
    percent = forms.DecimalField(
        label="Lance (% do crédito)",
        required=False,
        min_value=Decimal("0.0001"),
        max_value=Decimal("100"),
        decimal_places=4,
        help_text="Para lance fixo, deixe em branco: vale o percentual fixo do grupo.",
    )
    installments = forms.DecimalField(
        label="Lance (número de parcelas)",
        required=False,
        min_value=Decimal("0.0001"),
        decimal_places=4,
    )
    embedded_percent = forms.DecimalField(
        label="Parte embutida (% do crédito)",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=4,
        help_text="Só para lance embutido; em branco, o máximo permitido pelo grupo.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        expressed = data.get("expressed_as")
        if expressed == BidExpression.INSTALLMENTS and data.get("installments") is None:
            self.add_error("installments", "Informe o número de parcelas do lance.")
        if (
            expressed == BidExpression.PERCENT
            and data.get("kind") != BidKind.FIXED
            and data.get("percent") is None
        ):
            self.add_error("percent", "Informe o percentual do lance.")
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``bids.place_bid`` (fractions from the % typed)."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {"kind": data["kind"]}
        if data["expressed_as"] == BidExpression.INSTALLMENTS:
            arguments["installments"] = data["installments"]
        elif data.get("percent") is not None:
            arguments["fraction"] = data["percent"] / 100
        if data["kind"] == BidKind.EMBEDDED and data.get("embedded_percent") is not None:
            arguments["embedded_fraction"] = data["embedded_percent"] / 100
        return arguments


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motivo do cancelamento", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class GenerateForm(forms.Form):
    """Which group's calendar to turn into assemblies, from when, how many."""

    group = forms.ModelChoiceField(label="Grupo", queryset=group_selectors.groups())
    start = forms.DateField(label="A partir de", widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(label="Quantidade", min_value=1, max_value=24, initial=12)
