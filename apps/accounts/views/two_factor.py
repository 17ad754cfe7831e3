"""Two-factor pages: enroll an authenticator app (QR code), verify a code, new backup codes."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.forms import TwoFactorCodeForm
from apps.accounts.selectors.two_factor import has_confirmed_device, is_two_factor_required
from apps.accounts.services import two_factor
from apps.accounts.views.access import posted
from apps.accounts.views.auth import safe_next_url


def _qr_svg(device: TOTPDevice) -> str:
    # segno draws the otpauth:// URL as an inline SVG: no image service, nothing external.
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def _grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def _show_backup_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    return render(
        request,
        "accounts/two_factor_backup_codes.html",
        {"codes": codes, "next_url": safe_next_url(request)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enroll an authenticator app: scan the QR code, confirm with a code, see backup codes."""
    user = request.user
    if has_confirmed_device(user):
        if not user.is_verified():  # type: ignore[union-attr]
            return HttpResponseRedirect(reverse("accounts:two_factor_verify"))
        return render(request, "accounts/two_factor_status.html", {"enrolled": True})
    device = two_factor.start_totp_enrollment(user=user)  # type: ignore[arg-type]
    form = TwoFactorCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_totp_device(
                user=user,  # type: ignore[arg-type]
                token=form.cleaned_data["token"],
            )
        except two_factor.InvalidTwoFactorCodeError as error:
            form.add_error("token", error.detail)
        else:
            otp_login(request, device)
            return _show_backup_codes(request, codes)
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device)),  # noqa: S308 - segno's own SVG markup
        "secret": _grouped_secret(device),
        "is_required": is_two_factor_required(user),
        "next_url": request.GET.get("next", ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Type the code of the authenticator app (or a backup code) to finish signing in."""
    user = request.user
    if not has_confirmed_device(user):
        return HttpResponseRedirect(reverse("accounts:two_factor_setup"))
    form = TwoFactorCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify_second_factor(
                user=user,  # type: ignore[arg-type]
                token=form.cleaned_data["token"],
            )
        except two_factor.InvalidTwoFactorCodeError as error:
            form.add_error("token", error.detail)
        else:
            otp_login(request, device)
            return HttpResponseRedirect(safe_next_url(request))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next_url": request.GET.get("next", "")},
    )


@never_cache
@login_required
@require_POST
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """Issue new backup codes (the old ones stop working); only from a verified session."""
    if not request.user.is_verified():  # type: ignore[union-attr]
        return HttpResponseRedirect(reverse("accounts:two_factor_verify"))
    codes = two_factor.regenerate_backup_codes(user=request.user)  # type: ignore[arg-type]
    return _show_backup_codes(request, codes)
