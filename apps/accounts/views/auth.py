"""Sign-in, sign-out, password change and password reset pages (Django's views, our forms).

Writes go through `services.identity` via the forms' ``save``: a changed or reset password
ends the user's other sessions and its refresh tokens. django-axes counts failed sign-ins and
answers a locked-out username/address pair with ``accounts/lockout.html``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.forms import ChangePasswordForm, LoginForm, ResetPasswordForm
from apps.accounts.models import User


def safe_next_url(request: HttpRequest, default: str = "home") -> str:
    """The ``next`` parameter when it points inside this site, else the named default page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


class LoginView(auth_views.LoginView):
    """Username and password; the two-factor step follows (Require2FAMiddleware)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only) and return to the sign-in page."""

    next_page = "accounts:login"


class PasswordChangeView(auth_views.PasswordChangeView):
    """The signed-in user changes its password; this session stays, all others end."""

    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class StaffPasswordResetForm(PasswordResetForm):
    """Reset links go to staff only: machine accounts of API clients have no password login."""

    def get_users(self, email: str) -> Any:
        return (user for user in super().get_users(email) if user.kind == User.Kind.STAFF)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail (the answer never says whether the address exists)."""

    template_name = "accounts/password_reset.html"
    form_class = StaffPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from the e-mailed link; every session and token of the user ends."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
