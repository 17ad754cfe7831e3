"""Admin of the groups context: groups with their rules versions (read-only history).

Rules versions are never edited here once the group has members: the admin shows them
read-only; changes go through the services (edit in formation, amendment afterwards).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.groups.models import ConsortiumGroup, GroupRules


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
