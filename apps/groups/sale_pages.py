"""The staff sale wizard: group → quota number → member → review (reserve) → confirm → contract.

Each step carries its choices in the URL (``?cota=``, ``?membro=``); the reservation is the
only state, made by the review POST. Refusals (quota taken, reservation expired, contract not
accepted, contract not generated) are shown on the page in Portuguese and change nothing. The
last step shows the sale and downloads its contract of adhesion through a signed link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from apps.groups import selectors
from apps.groups.models import ConsortiumGroup, GroupState, QuotaStatus, QuotaVersion
from apps.groups.services import contracts, sales
from apps.groups.services.plans import plan_terms
from apps.members import selectors as member_selectors
from consorcio.errors import DomainError

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.members.models import Member

SALE_PERMISSION = "groups.add_quotaversion"
SELLABLE_STATES = (GroupState.FORMATION, GroupState.RUNNING)
_MEMBER_RESULTS = 20


def _seller(request: HttpRequest) -> User:
    user = request.user
    if not user.is_authenticated or not user.has_perm(SALE_PERMISSION):
        raise PermissionDenied
    return user


def _sellable_group(pk: int) -> ConsortiumGroup:
    return get_object_or_404(selectors.groups().filter(state__in=SELLABLE_STATES), pk=pk)


def _number(request: HttpRequest) -> int | None:
    """The chosen quota number from ``?cota=`` (``None`` for "qualquer")."""
    raw = request.GET.get("cota") or request.POST.get("cota") or ""
    return int(raw) if raw.isdigit() else None


def _member(actor: User, raw: str) -> Member:
    if not raw.isdigit():
        raise Http404
    member = member_selectors.visible_members(actor).filter(pk=int(raw)).first()
    if member is None:
        raise Http404
    return member


@login_required
@require_http_methods(["GET"])
def sale_start(request: HttpRequest) -> HttpResponse:
    """Step 1: the groups in formation or running that still have free quotas."""
    _seller(request)
    rows = [
        {"group": group, "free": free} for group, free in selectors.sellable_groups(SELLABLE_STATES)
    ]
    return render(request, "groups/sale_start.html", {"rows": rows})


@login_required
@require_http_methods(["GET"])
def sale_quota(request: HttpRequest, group_pk: int) -> HttpResponse:
    """Step 2: a free quota number of the group, or "qualquer" (the lowest free one)."""
    _seller(request)
    group = _sellable_group(group_pk)
    return render(
        request,
        "groups/sale_quota.html",
        {"group": group, "numbers": selectors.free_quota_numbers(group)},
    )


@login_required
@require_http_methods(["GET"])
def sale_member(request: HttpRequest, group_pk: int) -> HttpResponse:
    """Step 3: the member, by live search within the seller's scope (htmx swaps results)."""
    actor = _seller(request)
    group = _sellable_group(group_pk)
    query = request.GET.get("q", "").strip()
    found = list(member_selectors.search_members(actor, query)[:_MEMBER_RESULTS]) if query else []
    context = {"group": group, "number": _number(request), "query": query, "members": found}
    if request.htmx and request.htmx.target == "sale-members":  # type: ignore[attr-defined]
        return render(request, "groups/_sale_members.html", context)
    return render(request, "groups/sale_member.html", context)


def _review_context(group: ConsortiumGroup, number: int | None, member: Member) -> dict[str, Any]:
    # The same figures the contract will print (A1 rounding, % at 4 places).
    first = contracts.first_installment(plan_terms(group), group.reference_credit_value)
    return {
        "group": group,
        "number": number,
        "member": member,
        "first_installment": first.total_reais,
        "first_installment_pct": first.total_percent,
        "upfront_fee": first.upfront_fee_reais,
        "upfront_fee_pct": first.upfront_fee_percent,
    }


@login_required
@require_http_methods(["GET", "POST"])
def sale_review(request: HttpRequest, group_pk: int) -> HttpResponse:
    """Step 4: review the sale; the POST reserves the quota and leads to the confirmation."""
    actor = _seller(request)
    group = _sellable_group(group_pk)
    number = _number(request)
    raw_member = request.GET.get("membro") or request.POST.get("membro") or ""
    if not raw_member:
        return redirect("groups:sale_member", group_pk=group.pk)
    member = _member(actor, raw_member)
    context = _review_context(group, number, member)
    if request.method == "POST":
        try:
            reservation = sales.reserve_quota(
                actor=actor, group=group, member=member, number=number
            )
        except DomainError as error:
            context["error"] = str(error.detail)
            return render(request, "groups/sale_review.html", context, status=409)
        return redirect("groups:sale_reservation", pk=reservation.pk)
    return render(request, "groups/sale_review.html", context)


def _reservation(actor: User, pk: int) -> QuotaVersion:
    version = selectors.scoped_quota_versions(actor).filter(pk=pk).first()
    if version is None:
        raise Http404
    return version


@login_required
@require_http_methods(["GET", "POST"])
def sale_reservation(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 5: the reservation and its deadline; the POST confirms the sale (contract accepted).

    Once confirmed the same page shows the sale.
    """
    actor = _seller(request)
    version = _reservation(actor, pk)
    error = ""
    if request.method == "POST":
        try:
            version = sales.confirm_sale(
                actor=actor,
                reservation=version,
                contract_accepted=request.POST.get("contrato") == "aceito",
            )
        except DomainError as refused:
            error = str(refused.detail)
            version.refresh_from_db()
        else:
            return redirect("groups:sale_contract", pk=version.pk)
    context = {
        "version": version,
        "group": version.quota.group,
        "status": selectors.effective_status(version),
        "error": error,
    }
    return render(request, "groups/sale_reservation.html", context, status=409 if error else 200)


@login_required
@require_http_methods(["POST"])
def sale_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the reservation: the quota is free again; back to step 1."""
    actor = _seller(request)
    version = _reservation(actor, pk)
    try:
        sales.cancel_reservation(actor=actor, reservation=version)
    except DomainError as refused:
        context = {
            "version": version,
            "group": version.quota.group,
            "status": selectors.effective_status(version),
            "error": str(refused.detail),
        }
        return render(request, "groups/sale_reservation.html", context, status=409)
    return redirect("groups:sale_start")


@login_required
@require_http_methods(["GET"])
def sale_contract(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 6: the sale done, its first installment and the contract PDF to download.

    The button asks the documents context for a short-lived signed link (recorded) at click
    time. A holding without a contract (still reserved, or gone) goes back to step 5.
    """
    actor = _seller(request)
    version = _reservation(actor, pk)
    if version.contract is None or version.status not in (
        QuotaStatus.ACTIVE,
        QuotaStatus.AWARDED,
    ):
        return redirect("groups:sale_reservation", pk=version.pk)
    group = version.quota.group
    context = {
        "version": version,
        "group": group,
        "contract": version.contract,
        "contract_number": contracts.contract_number(version),
        "first": contracts.first_installment(plan_terms(group), group.reference_credit_value),
    }
    return render(request, "groups/sale_contract.html", context)
