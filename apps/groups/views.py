"""Staff pages of the groups context, mounted at ``/grupos/`` (namespace ``groups``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.groups import group_pages, selectors
from apps.groups.models import ConsortiumGroup, GroupState, Segment
from apps.groups.services import calendar, fractions, plans
from consorcio.ui import ChoiceFilter, Column, ListPageView

PREVIEW_ASSEMBLIES = 6
PERCENT_FIELDS = (
    "admin_fee_total",
    "reserve_fund",
    "late_fine",
    "late_interest_monthly",
    "late_group_share",
    "refund_penalty",
)


def _group_link(group: ConsortiumGroup) -> str:
    return reverse("groups:detail", args=[group.pk])


class GroupListView(ListPageView):
    """Every group: search by code or name, filter by state and segment."""

    template_name = "groups/list.html"
    permission_required = "groups.view_consortiumgroup"
    table_id = "groups"
    columns = (
        Column("code", "Código", sort="code", link=_group_link),
        Column("name", "Nome", sort="name"),
        Column("segment", "Segmento", format="choice", sort="segment"),
        Column("state", "Situação", format="choice", sort="state"),
        Column("reference_credit_value", "Crédito de referência", format="brl", numeric=True),
        Column("term_months", "Prazo (meses)", sort="term_months", numeric=True),
        Column("max_quotas", "Cotas", numeric=True),
    )
    search_fields = ("code", "name")
    search_placeholder = "Buscar por código ou nome"
    filters = (
        ChoiceFilter("situacao", "Situação", GroupState.choices, "state"),
        ChoiceFilter("segmento", "Segmento", Segment.choices, "segment"),
    )
    default_sort = "code"
    paginate_by = 25
    empty_message = "Nenhum grupo cadastrado."

    def get_queryset(self) -> QuerySet[ConsortiumGroup]:
        return selectors.groups()


def _percent(fraction: Decimal) -> Decimal:
    return fraction * 100


def _fraction_rows(group: ConsortiumGroup) -> list[dict[str, Any]]:
    terms = plans.plan_terms(group)
    numbers = sorted({1, 2, terms.term_months - 1, terms.term_months} - {0})
    rows = []
    for number in numbers:
        parts = fractions.installment_fractions(terms, number)
        reais = fractions.installment_reais(terms, number, group.reference_credit_value)
        rows.append(
            {
                "number": number,
                "components": [
                    (label, _percent(getattr(parts, name)), reais[name])
                    for name, label in (
                        ("common_fund", "Fundo comum"),
                        ("admin_fee", "Taxa de administração"),
                        ("reserve_fund", "Fundo de reserva"),
                        ("insurance", "Seguro"),
                    )
                ],
                "total_percent": _percent(parts.total),
                "total_reais": reais["total"],
            }
        )
    return rows


@login_required
@require_http_methods(["GET"])
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A group: fixed terms, rules in force, next assemblies and its installment fractions."""
    if not request.user.has_perm("groups.view_consortiumgroup"):
        raise PermissionDenied
    group = get_object_or_404(selectors.groups(), pk=pk)
    terms = plans.plan_terms(group)
    context = {
        "group": group,
        "rules": group.current_rules,
        "percents": {name: _percent(getattr(group.current_rules, name)) for name in PERCENT_FIELDS},
        "history": list(selectors.rules_history(group)),
        "assemblies": calendar.assembly_dates(group, timezone.localdate(), PREVIEW_ASSEMBLIES),
        "fraction_rows": _fraction_rows(group),
        "upfront_percent": _percent(fractions.upfront_fee_fraction(terms)),
        "upfront_reais": fractions.upfront_fee_reais(terms, group.reference_credit_value),
        "plan_total_percent": _percent(fractions.plan_total_fraction(terms)),
        **group_pages.group_actions(request, group),
    }
    return render(request, "groups/detail.html", context)
