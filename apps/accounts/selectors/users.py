"""Reads of staff users for the users page: search, roles and two-factor state in one pass."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.accounts.roles import role_names


def staff_users() -> QuerySet[User]:
    """Staff users (machine accounts left out), with their roles and two-factor state.

    Each user carries ``role_groups`` (its role groups, prefetched) and ``has_two_factor``
    (whether it has a confirmed authenticator app).
    """
    users = User.objects.filter(kind=User.Kind.STAFF)
    roles = Prefetch(
        "groups",
        queryset=Group.objects.filter(name__in=role_names()).order_by("name"),
        to_attr="role_groups",
    )
    confirmed_device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        users.prefetch_related(roles)
        .annotate(has_two_factor=Exists(confirmed_device))
        .order_by("full_name", "username")
    )
