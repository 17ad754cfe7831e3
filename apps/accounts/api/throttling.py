"""Request rate limits per API client, per staff user, per anonymous address (Redis-backed).

DRF's throttles count in the Django cache, which is Redis here, so every web process shares
the counters. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (environment
variables ``API_THROTTLE_*``) and are read at each request, so a settings change applies at
once. A refused request answers 429 problem+json with ``Retry-After`` (kernel handler).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.models import User

if TYPE_CHECKING:
    # Not at run time: DRF imports the default throttles while rest_framework.views loads.
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _RateFromSettings(SimpleRateThrottle):
    """Reads the scope's rate from the current settings (DRF binds them at import)."""

    def get_rate(self) -> str | None:
        """The rate of this scope, e.g. ``"600/minute"``; None disables the throttle."""
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        rate = rates.get(self.scope or "")
        return str(rate) if rate else None


class AnonymousRateThrottle(_RateFromSettings):
    """Anonymous requests, per client address (scope ``anon``)."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        """Throttle only unauthenticated requests, keyed on the client address."""
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StaffUserRateThrottle(_RateFromSettings):
    """Staff users (JWT or session), per user (scope ``user``)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        """Throttle authenticated people, keyed on the user id."""
        user = request.user
        if not (user and user.is_authenticated) or getattr(user, "kind", None) != User.Kind.STAFF:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class ApiClientRateThrottle(_RateFromSettings):
    """API clients' machine accounts, per client (scope ``client``)."""

    scope = "client"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        """Throttle machine accounts, keyed on their user id (one per API client)."""
        user = request.user
        if not (user and user.is_authenticated):
            return None
        if getattr(user, "kind", None) != User.Kind.API_CLIENT:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class SignInRateThrottle(_RateFromSettings):
    """The token endpoints, per client address (scope ``auth``): slows credential guessing."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        """Keyed on the client address, whoever the caller claims to be."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
