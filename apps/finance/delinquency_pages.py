"""Staff pages of delinquency: the quotas in default (filters, CSV/XLSX export) and the
exclusion proposals staff confirm or dismiss.

Thin: ``selectors.delinquency`` reads what the daily job stored, ``services.exclusions``
decides proposals (confirming excludes the quota through the groups context).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from apps.accounts.selectors.authorization import scope_queryset
from apps.finance.models import DelinquencyStatus
from apps.finance.selectors import delinquency as delinquency_selectors
from apps.finance.services import exclusions
from apps.groups import selectors as group_selectors
from consorcio.errors import DomainError
from consorcio.money import format_brl, round_half_up
from consorcio.ui import ChoiceFilter, Column, ListPageView

VIEW_PERMISSION = "finance.view_delinquencystatus"
PROPOSALS_PERMISSION = "finance.view_exclusionproposal"
DECIDE_PERMISSION = "finance.change_exclusionproposal"
_MINIMUM_CHOICES = [(str(n), f"{n} ou mais") for n in (1, 2, 3, 4, 6, 12)]


def _scoped(rows: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Rows of quota versions the user's channel (or own sales) reaches."""
    return scope_queryset(
        rows,
        user,
        channel_field="quota_version__sales_channel",
        representative_field="quota_version__sales_representative",
    )


EXPORT_HEADER = (
    "Grupo",
    "Cota",
    "Consorciado",
    "Parcelas vencidas",
    "Vencimentos consecutivos",
    "Vencimento mais antigo",
    "Dias de atraso",
    "Percentual vencido",
    "Valor vencido",
    "Apurado em",
)


def _percent(fraction: Decimal) -> str:
    return f"{round_half_up(fraction * 100, 4):.4f}".replace(".", ",") + "%"


def _statement_link(row: DelinquencyStatus) -> str:
    return reverse("finance:statement", args=[row.quota_version_id])


class DelinquencyListView(ListPageView):
    """Quotas in default as the daily job last found them, worst first."""

    template_name = "finance/delinquency_list.html"
    table_id = "delinquency"
    permission_required = VIEW_PERMISSION
    columns = (
        Column("group.code", "Grupo", sort="group__code"),
        Column("quota.number", "Cota", sort="quota__number", link=_statement_link),
        Column("quota_version.member.name", "Consorciado"),
        Column("overdue_installments", "Parcelas vencidas", sort="overdue_installments"),
        Column("consecutive_overdue", "Consecutivas", sort="consecutive_overdue"),
        Column("oldest_due_date", "Vencimento mais antigo", sort="oldest_due_date", format="data"),
        Column("days_late", "Dias de atraso", sort="days_late", numeric=True),
        Column(
            "overdue_amount", "Valor vencido", sort="overdue_amount", format="brl", numeric=True
        ),
        Column("as_of", "Apurado em", format="data"),
    )
    search_fields = ("quota_version__member__name",)
    search_placeholder = "Buscar por consorciado"
    empty_message = "Nenhuma cota em atraso."

    @property
    def filters(self) -> tuple[ChoiceFilter, ...]:  # type: ignore[override]
        groups = group_selectors.groups().order_by("code")
        return (
            ChoiceFilter(
                "grupo", "Grupo", [(str(g.pk), g.code) for g in groups], "group_id", coerce=int
            ),
            ChoiceFilter(
                "minimo",
                "Vencimentos consecutivos",
                _MINIMUM_CHOICES,
                "consecutive_overdue__gte",
                coerce=int,
            ),
        )

    def get_queryset(self) -> QuerySet[Any]:
        """The rows of the user's scope (channel-scoped roles see their channel's sales)."""
        return _scoped(delinquency_selectors.delinquent_quotas(), self.request.user)

    def filtered_rows(self) -> QuerySet[Any]:
        """The rows as the page shows them (search and filters), in the page's order."""
        term = self.request.GET.get("q", "").strip()[:200]
        rows = self.apply_search(self.get_queryset(), term)
        rows, _states = self.apply_filters(rows, self.request.GET)
        return self.apply_sort(rows)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The table, the export links (same filters) and the open exclusion proposals."""
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        export = reverse("finance:delinquency_export")
        user = self.request.user
        proposals = (
            _scoped(delinquency_selectors.exclusion_proposals(), user)
            if user.has_perm(PROPOSALS_PERMISSION)
            else None
        )
        context.update(
            csv_url=f"{export}?{_with(query, formato='csv')}",
            xlsx_url=f"{export}?{_with(query, formato='xlsx')}",
            proposals=proposals,
            may_decide=user.has_perm(DECIDE_PERMISSION),
        )
        return context


def _with(query: Any, **changes: str) -> str:
    copy = query.copy()
    for key, value in changes.items():
        copy[key] = value
    return str(copy.urlencode())


def _export_rows(rows: Iterable[DelinquencyStatus]) -> Iterable[list[Any]]:
    for row in rows:
        member = row.quota_version.member
        yield [
            row.group.code,
            row.quota.number,
            member.name if member else "",
            row.overdue_installments,
            row.consecutive_overdue,
            row.oldest_due_date,
            row.days_late,
            row.overdue_fraction,
            row.overdue_amount,
            row.as_of,
        ]


@login_required
@require_http_methods(["GET"])
def delinquency_export(request: HttpRequest) -> HttpResponse:
    """The list with the page's filters as CSV (``;``, Brazilian formats) or XLSX."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    view = DelinquencyListView()
    view.setup(request)
    rows = list(_export_rows(view.filtered_rows()))
    if request.GET.get("formato") == "xlsx":
        return _xlsx(rows)
    return _csv(rows)


def _csv(rows: list[list[Any]]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        shown = list(row)
        shown[5] = row[5].strftime("%d/%m/%Y")
        shown[7] = _percent(row[7])
        shown[8] = format_brl(row[8])
        shown[9] = row[9].strftime("%d/%m/%Y")
        writer.writerow(shown)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="inadimplencia.csv"'
    return response


def _xlsx(rows: list[list[Any]]) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Inadimplência"
    sheet.append(list(EXPORT_HEADER))
    for row in rows:
        sheet.append(row)
        line = sheet.max_row
        for column in ("F", "J"):
            sheet[f"{column}{line}"].number_format = "DD/MM/YYYY"
        sheet[f"H{line}"].number_format = "0.0000%"
        sheet[f"I{line}"].number_format = '"R$" #,##0.00'
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="inadimplencia.xlsx"'
    return response


def _decider(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not user.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied
    return user


def _proposal(request: HttpRequest, pk: int) -> Any:
    proposals = delinquency_selectors.exclusion_proposals(state=None)
    return get_object_or_404(_scoped(proposals, request.user), pk=pk)


@login_required
@require_http_methods(["POST"])
def exclusion_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a proposal: the quota is excluded (refusals shown in Portuguese)."""
    actor = _decider(request)
    proposal = _proposal(request, pk)
    try:
        exclusions.confirm_exclusion(
            proposal=proposal, actor=actor, note=request.POST.get("nota", "")
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Cota {proposal.quota.number} excluída por inadimplência.")
    return redirect("finance:delinquency_list")


@login_required
@require_http_methods(["POST"])
def exclusion_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss a proposal with the mandatory justification."""
    actor = _decider(request)
    proposal = _proposal(request, pk)
    try:
        exclusions.dismiss_exclusion(
            proposal=proposal, actor=actor, reason=request.POST.get("justificativa", "")
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, f"Proposta de exclusão da cota {proposal.quota.number} descartada."
        )
    return redirect("finance:delinquency_list")
