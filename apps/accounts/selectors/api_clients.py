"""Reads of API clients (integrators' machine accounts)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import ApiClient

__all__ = ["api_client_of_user", "api_clients"]


def api_clients() -> QuerySet[ApiClient]:
    """Every API client with its role, channel, machine user and creator loaded (for lists)."""
    return ApiClient.objects.select_related("role", "channel", "user", "created_by")


def api_client_of_user(user_id: int) -> ApiClient | None:
    """The API client whose machine account is this user, or None for a staff user."""
    return ApiClient.objects.select_related("role", "channel").filter(user_id=user_id).first()
