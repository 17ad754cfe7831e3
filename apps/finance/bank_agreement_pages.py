"""Staff pages of bank agreements (convênios de cobrança): list, register, edit.

Thin: the form maps what staff type onto ``BankAgreementTerms``; every rule (bank layouts,
check digits, ranges, overlaps, one active per group) is ``services.bank_agreements``', whose
refusals come back next to the fields they name. A refusal changes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.finance.models import BankAgreement
from apps.finance.selectors import bank_agreements as agreement_selectors
from apps.finance.services import bank_agreements
from apps.finance.services.boleto import supported_banks
from apps.groups import selectors as group_selectors
from consorcio.ui import ChoiceFilter, Column, ListPageView

VIEW_PERMISSION = "finance.view_bankagreement"
ADD_PERMISSION = "finance.add_bankagreement"
CHANGE_PERMISSION = "finance.change_bankagreement"
_ACTIVE_CHOICES = [("ativos", "Ativos"), ("inativos", "Inativos")]


def _edit_link(agreement: BankAgreement) -> str:
    return reverse("finance:bank_agreement_edit", args=[agreement.pk])


class BankAgreementListView(ListPageView):
    """Every agreement: by bank, group and situation; search by code, agency, account or
    beneficiary."""

    template_name = "finance/bank_agreement_list.html"
    table_id = "bank-agreements"
    permission_required = VIEW_PERMISSION
    columns = (
        Column("agreement_code", "Convênio", sort="agreement_code", link=_edit_link),
        Column("bank_label", "Banco", sort="bank_code"),
        Column("group_label", "Grupo", sort="group__code"),
        Column("agency", "Agência"),
        Column("account", "Conta"),
        Column("wallet", "Carteira"),
        Column("first_nosso_numero", "Nosso número de", numeric=True),
        Column("last_nosso_numero", "até", sort="last_nosso_numero", numeric=True),
        Column("next_nosso_numero", "Próximo", numeric=True),
        Column("is_active", "Ativo", format="bool", sort="is_active"),
    )
    search_fields = ("agreement_code", "agency", "account", "beneficiary_name")
    search_placeholder = "Buscar por convênio, agência, conta ou beneficiário"
    default_sort = "bank_code"
    empty_message = "Nenhum convênio bancário cadastrado."
    empty_hint = "Sem convênio, as cobranças são emitidas sem boleto."

    @property
    def filters(self) -> tuple[ChoiceFilter, ...]:  # type: ignore[override]
        return (
            ChoiceFilter("banco", "Banco", list(supported_banks().items()), lookup="bank_code"),
            ChoiceFilter(
                "grupo",
                "Grupo",
                [(str(g.pk), g.code) for g in group_selectors.groups()],
                lookup="group_id",
                coerce=int,
            ),
            ChoiceFilter(
                "situacao",
                "Situação",
                _ACTIVE_CHOICES,
                lookup="is_active",
                coerce=lambda value: value == "ativos",
            ),
        )

    def get_queryset(self) -> QuerySet[BankAgreement]:
        """Every agreement (finance keeps them all)."""
        return agreement_selectors.bank_agreements()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The table with each row's bank and group as staff read them, and the add button."""
        context = super().get_context_data(**kwargs)
        banks = supported_banks()
        for agreement in context["table"].page_obj.object_list:
            agreement.bank_label = f"{agreement.bank_code} {banks.get(agreement.bank_code, '')}"
            agreement.group_label = agreement.group.code if agreement.group else "Padrão"
        context["may_add"] = self.request.user.has_perm(ADD_PERMISSION)
        return context


class BankAgreementForm(forms.Form):
    """The fields of an agreement; the service decides whether they make a valid one."""

    group = forms.ModelChoiceField(
        label="Grupo",
        queryset=group_selectors.groups(),
        required=False,
        empty_label="Padrão (grupos sem convênio próprio)",
    )
    bank_code = forms.ChoiceField(label="Banco")
    agency = forms.CharField(label="Agência (ou cooperativa)", max_length=5)
    agency_digit = forms.CharField(label="Dígito da agência", max_length=1, required=False)
    account = forms.CharField(label="Conta", max_length=12)
    account_digit = forms.CharField(label="Dígito da conta", max_length=1, required=False)
    wallet = forms.CharField(label="Carteira", max_length=3)
    agreement_code = forms.CharField(
        label="Código do convênio",
        max_length=20,
        help_text="BB: convênio (4, 6 ou 7 dígitos); Caixa e Santander: código do "
        "beneficiário; Sicoob: código do cliente.",
    )
    variant = forms.CharField(
        label="Variante do leiaute",
        max_length=10,
        required=False,
        help_text="BB: «nn17» para nosso número livre; Sicoob: modalidade (01).",
    )
    beneficiary_name = forms.CharField(label="Beneficiário", max_length=120)
    beneficiary_document = forms.CharField(label="CNPJ do beneficiário", max_length=18)
    pix_key = forms.CharField(label="Chave PIX", max_length=77, required=False)
    first_nosso_numero = forms.IntegerField(label="Primeiro nosso número", min_value=0)
    last_nosso_numero = forms.IntegerField(label="Último nosso número", min_value=0)
    is_active = forms.BooleanField(label="Ativo", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(code, f"{code} {name}") for code, name in supported_banks().items()]
        self.fields["bank_code"].choices = [("", "Escolha o banco"), *choices]  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, agreement: BankAgreement) -> dict[str, Any]:
        """The form's initial values from a stored agreement."""
        return {name: getattr(agreement, name) for name in cls.base_fields if name != "group"} | {
            "group": agreement.group_id
        }

    def terms(self) -> bank_agreements.BankAgreementTerms:
        """The cleaned data as the service's terms."""
        data = self.cleaned_data
        return bank_agreements.BankAgreementTerms(**{name: data[name] for name in self.fields})

    def add_service_errors(self, refused: bank_agreements.BankAgreementInvalid) -> None:
        """Show a refusal next to the fields it names (others on top of the form)."""
        errors = refused.extra.get("errors") or {}
        if not errors:
            self.add_error(None, refused.detail)
        for field, texts in errors.items():
            for text in texts:
                self.add_error(field if field in self.fields else None, text)


def _require(request: HttpRequest, permission: str) -> AbstractBaseUser:
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not user.has_perm(permission):
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def bank_agreement_create(request: HttpRequest) -> HttpResponse:
    """Register an agreement; its counter starts at the first number of its range."""
    actor = _require(request, ADD_PERMISSION)
    form = BankAgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = bank_agreements.create_bank_agreement(terms=form.terms(), actor=actor)
        except bank_agreements.BankAgreementInvalid as refused:
            form.add_service_errors(refused)
        else:
            messages.success(request, f"Convênio {agreement.agreement_code} cadastrado.")
            return redirect("finance:bank_agreement_list")
    return render(request, "finance/bank_agreement_form.html", {"form": form, "agreement": None})


@login_required
@require_http_methods(["GET", "POST"])
def bank_agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An agreement's data and counter; finance staff edit it (the service says what may
    change once boletos were issued)."""
    _require(request, VIEW_PERMISSION)
    agreement = get_object_or_404(agreement_selectors.bank_agreements(), pk=pk)
    may_change = request.user.has_perm(CHANGE_PERMISSION)
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    form = BankAgreementForm(request.POST or None, initial=BankAgreementForm.initial_for(agreement))
    issued = agreement_selectors.numbers_issued(agreement)
    if issued:  # shown as they stay (the service refuses a change anyway)
        for name in bank_agreements.FIELDS_FIXED_ONCE_ISSUED:
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            bank_agreements.update_bank_agreement(
                agreement=agreement, terms=form.terms(), actor=_require(request, CHANGE_PERMISSION)
            )
        except bank_agreements.BankAgreementInvalid as refused:
            form.add_service_errors(refused)
        else:
            messages.success(request, f"Convênio {agreement.agreement_code} atualizado.")
            return redirect("finance:bank_agreement_list")
    context = {
        "form": form,
        "agreement": agreement,
        "may_change": may_change,
        "issued": issued,
        "left": agreement_selectors.numbers_left(agreement),
    }
    return render(request, "finance/bank_agreement_form.html", context)
