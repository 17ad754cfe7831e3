"""Admin of the groups context: groups with their rules versions (read-only history).

Rules versions are never edited here once the group has members: the admin shows them
read-only; changes go through the services (edit in formation, amendment afterwards).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.permissions import ScopedAdminMixin
from apps.groups.models import ConsortiumGroup, GroupRules, Quota, QuotaObligation, QuotaVersion


class GroupRulesInline(admin.TabularInline):
    model = GroupRules
    extra = 0
    can_delete = False
    fields = ("version", "effective_from", "reason", "regime", "contract_version", "created_by")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsortiumGroup)
class ConsortiumGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "segment", "state", "term_months", "max_quotas")
    list_filter = ("state", "segment")
    search_fields = ("code", "name")
    readonly_fields = (
        "state",
        "current_rules",
        "constituted_on",
        "closing_started_on",
        "closed_on",
        "created_at",
        "updated_at",
    )
    inlines = [GroupRulesInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Groups are created through the service (rules version 1 and the event with it).
        return False


@admin.register(GroupRules)
class GroupRulesAdmin(admin.ModelAdmin):
    list_display = ("group", "version", "effective_from", "regime", "contract_version")
    list_filter = ("regime",)
    search_fields = ("group__code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Quotas change only through the sale services: the admin only shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Quota)
class QuotaAdmin(_ReadOnlyAdmin):
    list_display = ("group", "number", "current_version")
    search_fields = ("group__code",)
    list_select_related = ("group", "current_version")


@admin.register(QuotaVersion)
class QuotaVersionAdmin(ScopedAdminMixin, _ReadOnlyAdmin):
    list_display = ("quota", "version", "status", "member", "sales_channel", "sold_at")
    list_filter = ("status",)
    search_fields = ("quota__group__code",)
    list_select_related = ("quota", "quota__group", "member", "sales_channel")
    raw_id_fields = ("member", "reserved_by", "sales_channel", "sales_representative")


@admin.register(QuotaObligation)
class QuotaObligationAdmin(_ReadOnlyAdmin):
    list_display = ("quota_version", "kind", "amount", "due_date")
    list_filter = ("kind",)
