"""Staff downloads of a charge's boleto PDF and of its second copy (2ª via).

Thin: ``services.boleto_pdf`` renders; the charge must belong to a quota version the user's
scope reaches (``groups.selectors.scoped_quota_versions``), else 404. Permission
``finance.view_charge``. The second copy's new due date comes from ``?vencimento=aaaa-mm-dd``
(default: today); a refusal (a paid or cancelled charge, a date before the due date) answers a
Portuguese message with status 409.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.finance.models import Charge
from apps.finance.selectors import payments as payment_selectors
from apps.finance.services import boleto_pdf
from apps.groups import selectors as group_selectors

CHARGE_PERMISSION = "finance.view_charge"


def _charge(request: HttpRequest, pk: int) -> Charge:
    if not request.user.has_perm(CHARGE_PERMISSION):
        raise PermissionDenied
    charge = payment_selectors.charge_for_payment(pk)
    if charge is None:
        raise Http404
    get_object_or_404(
        group_selectors.scoped_quota_versions(request.user), pk=charge.quota_version_id
    )
    return charge


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET"])
def charge_boleto(request: HttpRequest, pk: int) -> HttpResponse:
    """The charge's boleto with its PIX code, as stored."""
    charge = _charge(request, pk)
    return _pdf(boleto_pdf.charge_pdf(charge), f"boleto-{charge.pk}.pdf")


@login_required
@require_http_methods(["GET"])
def charge_second_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The 2ª via for payment on ``?vencimento=`` (default today), late charges recomputed."""
    charge = _charge(request, pk)
    try:
        due = dt.date.fromisoformat(request.GET.get("vencimento", "").strip())
    except ValueError:
        due = timezone.localdate()
    try:
        data = boleto_pdf.second_copy_pdf(charge, due)
    except boleto_pdf.SecondCopyRefused as refusal:
        return HttpResponse(refusal.detail, status=409, content_type="text/plain; charset=utf-8")
    return _pdf(data, f"boleto-{charge.pk}-2via.pdf")
