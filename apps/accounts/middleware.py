"""Two-factor enforcement for signed-in staff: enroll or verify before any other page.

Placed after django-otp's ``OTPMiddleware`` (which sets ``request.user.is_verified()``). A
user owing a step (`selectors.two_factor.pending_step`) is sent to the enrollment or the
verification page, with ``next`` pointing back where it was going; an API call answers 403
problem+json instead of a redirect. The sign-in, two-factor and sign-out pages, static files,
health probes and metrics stay reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from apps.accounts.selectors.two_factor import PendingStep, pending_step

# URL names reachable while a two-factor step is pending.
EXEMPT_URL_NAMES = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor_setup",
        "accounts:two_factor_verify",
        "health-live",
        "health-ready",
        "metrics",
    }
)
_STEP_URLS = {
    PendingStep.ENROLL: "accounts:two_factor_setup",
    PendingStep.VERIFY: "accounts:two_factor_verify",
}


def _is_exempt(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is not None and match.view_name in EXEMPT_URL_NAMES:
        return True
    prefixes = [settings.STATIC_URL, *getattr(settings, "OTP_EXEMPT_PATH_PREFIXES", [])]
    return any(prefix and request.path.startswith(str(prefix)) for prefix in prefixes)


class Require2FAMiddleware:
    """Send signed-in users who owe a two-factor step to that step first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _is_exempt(request):
            return None
        is_verified = bool(getattr(user, "is_verified", lambda: False)())
        step = pending_step(user, is_verified=is_verified)
        if step is PendingStep.NONE:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Verificação em duas etapas pendente",
                    "status": 403,
                    "code": "two_factor_required",
                    "detail": "Conclua a verificação em duas etapas antes de continuar.",
                },
                status=403,
                content_type="application/problem+json",
            )
        target = reverse(_STEP_URLS[step])
        location = f"{target}?{urlencode({'next': request.get_full_path()})}"
        response: HttpResponse = HttpResponseRedirect(location)
        if getattr(request, "htmx", False):
            # htmx would swap the verification page into a fragment: make it navigate.
            response = HttpResponse(status=204, headers={"HX-Redirect": location})
        return response
