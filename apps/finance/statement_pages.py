"""Staff pages of the finance read side: a quota's statement (extrato) and the payments list.

Thin: ``selectors.statements`` builds the statement, ``selectors.payments`` lists payments;
quota versions come from the groups context scoped to the user's channel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.finance.models import PaymentSource
from apps.finance.selectors import payments as payment_selectors
from apps.finance.selectors import statements
from apps.groups import selectors as group_selectors
from consorcio.ui import ChoiceFilter, Column, FilterState, ListPageView

STATEMENT_PERMISSION = "finance.view_installment"
PAYMENTS_PERMISSION = "finance.view_payment"


@login_required
@require_http_methods(["GET"])
def quota_statement(request: HttpRequest, version_pk: int) -> HttpResponse:
    """A quota version's extrato: installments, charges, payments, paid and owed per component."""
    if not request.user.has_perm(STATEMENT_PERMISSION):
        raise PermissionDenied
    version = get_object_or_404(group_selectors.scoped_quota_versions(request.user), pk=version_pk)
    statement = statements.quota_statement(
        quota_version_id=version.pk, group=version.quota.group, on=timezone.localdate()
    )
    context = {
        "version": version,
        "group": version.quota.group,
        "statement": statement,
        "show_payments": request.user.has_perm(PAYMENTS_PERMISSION),
    }
    return render(request, "finance/statement.html", context)


def _date(text: str) -> dt.date | None:
    """A ``aaaa-mm-dd`` (date input) or ``dd/mm/aaaa`` value; None when empty or invalid."""
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _statement_link(payment: Any) -> str:
    return reverse("finance:statement", args=[payment.quota_version_id])


class PaymentListView(ListPageView):
    """Every applied payment (reversals included): by group, source and payment date; search
    by settlement id or nosso número."""

    template_name = "finance/payment_list.html"
    table_id = "payments"
    permission_required = PAYMENTS_PERMISSION
    columns = (
        Column("paid_on", "Pagamento", sort="paid_on", format="data"),
        Column("credited_on", "Crédito", sort="credited_on", format="data"),
        Column("group.code", "Grupo", sort="group__code"),
        Column("quota_version.quota.number", "Cota", link=_statement_link),
        Column("source", "Origem", format="choice"),
        Column("settlement_id", "Liquidação"),
        Column("charge.nosso_numero", "Nosso número"),
        Column("amount", "Valor pago", sort="amount", format="brl", numeric=True),
        Column("late_fine", "Multa", format="brl", numeric=True),
        Column("late_interest", "Juros", format="brl", numeric=True),
        Column("difference", "Diferença", format="brl", numeric=True),
    )
    search_fields = ("settlement_id", "charge__nosso_numero")
    search_placeholder = "Buscar por liquidação ou nosso número"
    default_sort = "-paid_on"
    empty_message = "Nenhum pagamento registrado."

    @property
    def filters(self) -> tuple[ChoiceFilter, ...]:  # type: ignore[override]
        groups = group_selectors.groups().order_by("code")
        return (
            ChoiceFilter(
                "grupo",
                "Grupo",
                [(str(g.pk), g.code) for g in groups],
                lookup="group_id",
                coerce=int,
            ),
            ChoiceFilter("origem", "Origem", PaymentSource.choices, lookup="source"),
        )

    def get_queryset(self) -> QuerySet[Any]:
        """Every payment with its charge, group and quota (finance reads all channels)."""
        return payment_selectors.payments().select_related("quota_version__quota")

    def apply_filters(
        self, queryset: QuerySet[Any], params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], list[FilterState]]:
        """The choice filters, then the payment date range (``de``/``ate``)."""
        queryset, states = super().apply_filters(queryset, params)
        start, end = _date(params.get("de", "")), _date(params.get("ate", ""))
        if start is not None:
            queryset = queryset.filter(paid_on__gte=start)
        if end is not None:
            queryset = queryset.filter(paid_on__lte=end)
        return queryset, states

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The table plus the date range as chosen (for the date inputs)."""
        context = super().get_context_data(**kwargs)
        start, end = _date(self.request.GET.get("de", "")), _date(self.request.GET.get("ate", ""))
        context.update(date_from=start, date_to=end)
        return context
