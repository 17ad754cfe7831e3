"""The dashboard's figures and charts, read from each context's selectors (reports reads all).

Each part is shown only to a user whose role may read it: members (``members.view_member``,
counted within the user's ownership scope), groups by state
(``groups.view_consortiumgroup``) and quotas sold vs free (``groups.view_quotaversion``).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from apps.accounts.selectors.authorization import Actor
from apps.groups import selectors as group_selectors
from apps.members import selectors as member_selectors
from consorcio.charts import ChartRow, bar_chart, format_int, format_percent

# Groups drawn in the quota chart (the rest are counted below it).
OCCUPANCY_GROUPS = 15


def _members_part(actor: Actor) -> dict[str, Any]:
    counts = member_selectors.member_counts(actor)
    chart = bar_chart(
        chart_id="membros-por-tipo",
        title="Consorciados por tipo",
        series=("Consorciados",),
        rows=[
            ChartRow("Pessoa física", [counts.persons]),
            ChartRow("Pessoa jurídica", [counts.companies]),
        ],
    )
    return {"members_total": format_int(counts.total), "members_chart": chart}


def _groups_part() -> dict[str, Any]:
    counts = group_selectors.group_counts_by_state()
    list_url = reverse("groups:list")
    chart = bar_chart(
        chart_id="grupos-por-situacao",
        title="Grupos por situação",
        series=("Grupos",),
        rows=[
            ChartRow(label, [count], link=f"{list_url}?situacao={state}")
            for state, label, count in counts
        ],
    )
    total = sum(count for _state, _label, count in counts)
    return {"groups_total": format_int(total), "groups_chart": chart}


def _quotas_part() -> dict[str, Any]:
    groups, total_groups = group_selectors.quota_occupancy(OCCUPANCY_GROUPS)
    rows = [
        ChartRow(
            group.code,
            [group.sold, group.reserved, group.free],
            note=f"{format_int(group.sold)} de {format_int(group.max_quotas)} "
            f"({format_percent(group.sold, group.max_quotas)})",
            link=reverse("groups:detail", args=[group.group_id]),
        )
        for group in groups
    ]
    chart = bar_chart(
        chart_id="cotas-por-grupo",
        title="Cotas vendidas e livres por grupo",
        series=("Vendidas", "Reservadas", "Livres"),
        rows=rows,
        empty_text="Nenhum grupo em formação ou em andamento.",
    )
    sold = sum(group.sold for group in groups)
    capacity = sum(group.max_quotas for group in groups)
    return {
        "quotas_chart": chart,
        "quotas_sold": format_int(sold),
        "quotas_free": format_int(sum(group.free for group in groups)),
        "quotas_sold_percent": format_percent(sold, capacity),
        "quotas_more_groups": max(total_groups - len(groups), 0),
    }


def dashboard_context(actor: Actor) -> dict[str, Any]:
    """The parts of the dashboard this actor may see (empty when none)."""
    parts: dict[str, Any] = {}
    if actor.has_perm("members.view_member"):
        parts.update(_members_part(actor))
    if actor.has_perm("groups.view_consortiumgroup"):
        parts.update(_groups_part())
    if actor.has_perm("groups.view_quotaversion"):
        parts.update(_quotas_part())
    return parts
