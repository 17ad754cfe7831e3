"""Staff page of the groups' fund balances: a chart of the common and reserve funds per group
and every ledger account's balance (read from ``selectors.statements.fund_balances``)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.finance.models import AccountKind
from apps.finance.selectors import statements
from apps.groups import selectors as group_selectors
from consorcio.charts import ChartRow, bar_chart
from consorcio.money import format_brl

VIEW_PERMISSION = "finance.view_accountbalance"
MAX_CHART_GROUPS = 30
# The accounts the table shows, in order (the others stay in the group's detail rows).
TABLE_KINDS: tuple[str, ...] = (
    AccountKind.COMMON_FUND,
    AccountKind.RESERVE_FUND,
    AccountKind.ADMINISTRATION_FEE,
    AccountKind.INSURANCE_PAYABLE,
    AccountKind.BANK,
)


def _whole_reais(amount: Decimal) -> int:
    """The bar length: whole Reais, never negative (the exact figure is in the label)."""
    return int(max(amount, Decimal(0)).to_integral_value(rounding=ROUND_FLOOR))


@login_required
@require_http_methods(["GET"])
def fund_balances(request: HttpRequest) -> HttpResponse:
    """The common and reserve funds of every group (chart) and their ledger balances."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    groups = list(group_selectors.groups().order_by("code"))
    balances = statements.fund_balances([group.pk for group in groups])
    rows = []
    chart_rows: list[ChartRow] = []
    for group in groups:
        kinds = balances[group.pk]
        common, reserve = kinds[AccountKind.COMMON_FUND], kinds[AccountKind.RESERVE_FUND]
        rows.append(
            {
                "group": group,
                "balances": [kinds[kind] for kind in TABLE_KINDS],
                "accounts": [
                    (label, kinds[value]) for value, label in AccountKind.choices if kinds[value]
                ],
            }
        )
        if len(chart_rows) < MAX_CHART_GROUPS:
            chart_rows.append(
                ChartRow(
                    group.code,
                    [_whole_reais(common), _whole_reais(reserve)],
                    note=format_brl(common + reserve),
                    link=reverse("groups:detail", args=[group.pk]),
                )
            )
    chart = bar_chart(
        chart_id="fundos-por-grupo",
        title="Fundo comum e fundo de reserva por grupo (R$)",
        series=("Fundo comum", "Fundo de reserva"),
        rows=chart_rows,
        empty_text="Nenhum grupo cadastrado.",
    )
    headers = [AccountKind(kind).label for kind in TABLE_KINDS]
    context = {"chart": chart, "rows": rows, "headers": headers}
    return render(request, "finance/fund_balances.html", context)
