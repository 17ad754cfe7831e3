"""Back-office admin of members, addresses and consents, scoped like pages and the API."""

from __future__ import annotations

from django.contrib import admin

from apps.accounts.permissions import ScopedAdminMixin
from apps.members.models import Address, Consent, Member


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "email", "sales_channel", "created_at")
    list_filter = ("kind", "refuses_disclosure")
    search_fields = ("name", "=document", "email")
    raw_id_fields = ("sales_channel", "sales_representative")
    readonly_fields = ("created_at", "updated_at")
    inlines = [AddressInline]


@admin.register(Address)
class AddressAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "city", "uf", "cep", "is_primary")
    list_filter = ("uf", "is_primary")
    raw_id_fields = ("member",)


@admin.register(Consent)
class ConsentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "purpose", "text_version", "given_at", "revoked_at")
    list_filter = ("purpose",)
    raw_id_fields = ("member", "given_by", "revoked_by")
    readonly_fields = ("given_at",)
