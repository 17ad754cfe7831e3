"""Back-office admin of documents, scoped like the pages and the API.

Files enter only through `apps.documents.services.storage` (sniffing, limits, checksum), so
the admin never uploads: documents' titles may be corrected, versions and the download trail
are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.permissions import ScopedAdminMixin
from apps.documents.models import Document, DocumentAccess, DocumentVersion

_VERSION_FIELDS = (
    "document",
    "number",
    "original_filename",
    "content_type",
    "size",
    "sha256",
    "file",
    "uploaded_by",
    "uploaded_at",
)


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    fields = ("number", "original_filename", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "version_count", "sales_channel", "created_by", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title", "=id")
    raw_id_fields = ("sales_channel", "sales_representative", "created_by")
    readonly_fields = ("kind", "version_count", "created_by", "created_at", "updated_at")
    inlines = [DocumentVersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Documents are uploaded through the staff pages or the API (checks run there)."""
        return False


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("document", "number", "original_filename", "content_type", "size")
    list_filter = ("content_type",)
    search_fields = ("original_filename", "=sha256", "=document__id")
    fields = _VERSION_FIELDS
    readonly_fields = _VERSION_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DocumentAccess)
class DocumentAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "event", "version", "actor", "request_id")
    list_filter = ("event",)
    search_fields = ("=version__id", "=request_id")
    fields = ("version", "event", "actor", "at", "request_id")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
