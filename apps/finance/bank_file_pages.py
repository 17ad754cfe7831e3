"""Staff pages of bank return files: upload one, follow its import, read its line-by-line result.

Thin: ``services.bank_files`` receives and applies the file (validated whole first; a file
received before applies nothing again), ``selectors.bank_files`` lists files and lines.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from apps.finance.models import LineOutcome
from apps.finance.selectors import bank_files as bank_file_selectors
from apps.finance.services import bank_files

VIEW_PERMISSION = "finance.view_bankfile"
IMPORT_PERMISSION = "finance.add_bankfile"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class BankFileUploadForm(forms.Form):
    file = forms.FileField(label="Arquivo de retorno (CNAB 240 ou 400)")

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Arquivo grande demais (máximo 50 MB).")
        return upload


def _require(request: HttpRequest, permission: str) -> AbstractBaseUser:
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not user.has_perm(permission):
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET"])
def bank_file_list(request: HttpRequest) -> HttpResponse:
    """The imported files, newest first."""
    _require(request, VIEW_PERMISSION)
    return render(
        request,
        "finance/bank_file_list.html",
        {
            "files": bank_file_selectors.bank_files()[:100],
            "may_import": request.user.has_perm(IMPORT_PERMISSION),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bank_file_upload(request: HttpRequest) -> HttpResponse:
    """Upload a return file; its import then runs in the background (progress on its page)."""
    actor = _require(request, IMPORT_PERMISSION)
    form = BankFileUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        received = bank_files.receive_bank_file(
            data=upload.read(), filename=upload.name or "retorno", actor=actor
        )
        bank_file = received.bank_file
        if not received.created:
            messages.warning(
                request,
                f"Este arquivo já foi recebido em {bank_file.created_at:%d/%m/%Y %H:%M}: "
                "nada foi aplicado de novo.",
            )
        elif bank_file.status == "rejected":
            messages.error(request, "Arquivo rejeitado: nada foi aplicado. Veja as linhas.")
        else:
            messages.success(request, "Arquivo recebido; a aplicação está em andamento.")
        return redirect("finance:bank_file_detail", pk=bank_file.pk)
    return render(request, "finance/bank_file_upload.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def bank_file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A file's progress and its line-by-line result, filtered by outcome."""
    _require(request, VIEW_PERMISSION)
    bank_file = get_object_or_404(bank_file_selectors.bank_files(), pk=pk)
    outcome = request.GET.get("resultado", "")
    if outcome not in LineOutcome.values:
        outcome = ""
    return render(
        request,
        "finance/bank_file_detail.html",
        {
            "bank_file": bank_file,
            "lines": bank_file_selectors.file_lines(bank_file, outcome=outcome or None)[:2000],
            "outcomes": LineOutcome.choices,
            "outcome": outcome,
        },
    )
