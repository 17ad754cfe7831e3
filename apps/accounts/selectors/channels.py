"""Reads of sales channels and representatives, scoped to what the actor may reach."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import SalesChannel, SalesRepresentative, User
from apps.accounts.selectors.authorization import Actor, scope_queryset


def visible_channels(actor: Actor) -> QuerySet[SalesChannel]:
    """The channels the actor's scope reaches (a representative: its own), by name."""
    return scope_queryset(SalesChannel.objects.all(), actor).order_by("name")


def visible_representatives(actor: Actor) -> QuerySet[SalesRepresentative]:
    """The representatives the actor reaches (a representative: itself), with user and channel."""
    return (
        scope_queryset(SalesRepresentative.objects.all(), actor)
        .select_related("user", "channel")
        .order_by("channel__name", "user__full_name", "user__username")
    )


def users_available_as_representatives() -> QuerySet[User]:
    """Active staff users that do not sell for a channel yet."""
    return User.objects.filter(
        kind=User.Kind.STAFF, is_active=True, sales_representative__isnull=True
    ).order_by("full_name", "username")
