"""Admin of imported bank return files (imported by ``apps.finance.admin``).

Read-only: files are received and applied by ``services.bank_files`` only.
"""

from __future__ import annotations

from django.contrib import admin

from apps.finance.models import BankFile, BankFileLine
from consorcio.admin import ReadOnlyAdmin


@admin.register(BankFile)
class BankFileAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "filename",
        "bank_code",
        "format",
        "status",
        "records_total",
        "created_at",
    )
    list_filter = ("status", "format")
    search_fields = ("=id", "filename", "sha256")
    exclude = ("content",)
    raw_id_fields = ("uploaded_by", "job")


@admin.register(BankFileLine)
class BankFileLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "bank_file", "line_number", "nosso_numero", "outcome", "message")
    list_filter = ("outcome",)
    search_fields = ("=bank_file__id", "nosso_numero")
    raw_id_fields = ("bank_file", "charge", "payment")
