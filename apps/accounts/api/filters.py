"""Query filters of the accounts API lists (django-filter)."""

from __future__ import annotations

import django_filters

from apps.accounts.models import ApiClient, SalesChannel, SalesRepresentative
from apps.accounts.roles import ROLE_CHOICES


class ApiClientFilter(django_filters.FilterSet):
    """``?is_active=``, ``?role=`` (role name), ``?channel=`` (channel id)."""

    role = django_filters.ChoiceFilter(field_name="role__name", choices=ROLE_CHOICES)

    class Meta:
        model = ApiClient
        fields = ["is_active", "role", "channel"]


class SalesChannelFilter(django_filters.FilterSet):
    """``?kind=`` (branch|partner), ``?is_active=``."""

    class Meta:
        model = SalesChannel
        fields = ["kind", "is_active"]


class SalesRepresentativeFilter(django_filters.FilterSet):
    """``?channel=`` (channel id), ``?is_active=``."""

    class Meta:
        model = SalesRepresentative
        fields = ["channel", "is_active"]
