"""Staff pages of billing runs: start the month's billing (one group or all), follow it.

Thin: ``services.billing.start_billing_run`` plans the run as a chunked job (idempotent: a
period billed again bills only what was not billed), ``selectors.billing`` lists runs and sums
what each produced. The progress is the kernel's progress component over the run's job.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.finance.models import BillingRun
from apps.finance.selectors import billing as billing_selectors
from apps.finance.services import billing
from apps.groups import selectors as group_selectors

VIEW_PERMISSION = "finance.view_billingrun"
START_PERMISSION = "finance.add_billingrun"
RECENT_RUNS = 50


class BillingRunForm(forms.Form):
    period = forms.CharField(
        label="Competência (AAAA-MM)",
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "2026-12", "inputmode": "numeric"}),
    )
    group = forms.ModelChoiceField(
        label="Grupo",
        queryset=group_selectors.groups(),
        required=False,
        empty_label="Todos os grupos",
    )

    def clean_period(self) -> object:
        try:
            return billing.parse_period(self.cleaned_data["period"])
        except billing.BillingPeriodInvalid as error:
            raise forms.ValidationError(error.detail) from error


def _require(request: HttpRequest, permission: str) -> AbstractBaseUser:
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not user.has_perm(permission):
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def billing_run_list(request: HttpRequest) -> HttpResponse:
    """The recent runs and, for finance staff, the form that starts one."""
    _require(request, VIEW_PERMISSION)
    may_start = request.user.has_perm(START_PERMISSION)
    form = BillingRunForm(request.POST or None) if may_start else None
    if request.method == "POST":
        actor = _require(request, START_PERMISSION)
        assert form is not None
        if form.is_valid():
            run = billing.start_billing_run(
                period=form.cleaned_data["period"],
                group=form.cleaned_data["group"],
                actor=actor,
            )
            messages.success(
                request,
                f"Faturamento de {run.period:%m/%Y} iniciado: {run.quotas_planned} cotas a "
                "faturar. Uma competência já faturada não gera cobranças de novo.",
            )
            return redirect("finance:billing_run_detail", pk=run.pk)
    return render(
        request,
        "finance/billing_run_list.html",
        {"runs": billing_selectors.billing_runs()[:RECENT_RUNS], "form": form},
    )


@login_required
@require_http_methods(["GET"])
def billing_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its progress (live while it runs) and the charges it produced."""
    _require(request, VIEW_PERMISSION)
    try:
        run = billing_selectors.billing_run(pk)
    except BillingRun.DoesNotExist as missing:
        raise Http404("Faturamento não encontrado.") from missing
    return render(
        request,
        "finance/billing_run_detail.html",
        {"run": run, "summary": billing_selectors.billing_run_summary(run)},
    )
