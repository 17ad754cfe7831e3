"""HTML fragments of quotas (htmx): the group's quota grid and a member's participation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from apps.groups import selectors
from apps.groups.models import QuotaStatus
from apps.members import selectors as member_selectors


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm("groups.view_quotaversion"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def quota_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's quota numbers coloured by status; ``?situacao=`` keeps one status."""
    _require_view(request)
    group = get_object_or_404(selectors.groups(), pk=pk)
    wanted = request.GET.get("situacao", "")
    cells: list[tuple[int, str]] = [
        (quota.number, selectors.quota_status(quota)) for quota in selectors.group_quotas(group)
    ]
    counts: dict[str, int] = {str(value): 0 for value in QuotaStatus.values}
    for _, status in cells:
        counts[status] += 1
    if not cells:
        counts[QuotaStatus.AVAILABLE] = group.max_quotas
    if wanted in QuotaStatus.values:
        cells = [cell for cell in cells if cell[1] == wanted]
    context = {
        "group": group,
        "cells": [{"number": number, "status": status} for number, status in cells],
        "wanted": wanted,
        "legend": [(value, label, counts[value]) for value, label in QuotaStatus.choices],
    }
    return render(request, "groups/_quota_grid.html", context)


@login_required
@require_http_methods(["GET"])
def member_quotas(request: HttpRequest, member_pk: int) -> HttpResponse:
    """Every quota the member holds or held (for the member page)."""
    _require_view(request)
    if not member_selectors.visible_members(request.user).filter(pk=member_pk).exists():
        raise Http404
    history = list(selectors.participation_history(member_pk))
    return render(request, "groups/_member_quotas.html", {"history": history})
