"""Admin of the finance context.

Ledger: every ledger model is read-only here. Entries are immutable in the database (a
correction is a reversal, ``services.ledger.reverse_transaction``) and balances are derived
summaries, so the admin only shows them.
"""

from __future__ import annotations

from django.contrib import admin

from apps.finance.models import (
    AccountBalance,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    QuotaLedgerBalance,
)
from consorcio.admin import ReadOnlyAdmin, ReadOnlyInline

# --- Ledger ---------------------------------------------------------------------------------


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = readonly_fields = ("account", "amount", "quota_version", "fraction")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "group", "kind", "effective_date", "idempotency_key", "posted_at")
    list_filter = ("kind",)
    search_fields = ("=id", "idempotency_key", "group__code")
    list_select_related = ("group",)
    date_hierarchy = "effective_date"
    show_full_result_count = False
    readonly_fields = (
        "group",
        "kind",
        "memo",
        "effective_date",
        "idempotency_key",
        "actor",
        "reversal_of",
        "posted_at",
    )
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "account", "amount", "quota_version", "fraction")
    list_filter = ("account__kind",)
    search_fields = ("=transaction__id", "=quota_version__id", "account__group__code")
    list_select_related = ("transaction", "account", "account__group")
    show_full_result_count = False
    raw_id_fields = ("transaction", "account", "quota_version")


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "group", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("group__code",)
    list_select_related = ("group",)


@admin.register(AccountBalance)
class AccountBalanceAdmin(ReadOnlyAdmin):
    list_display = ("account", "kind", "balance")
    list_filter = ("kind",)
    search_fields = ("account__group__code",)
    list_select_related = ("account", "account__group")


@admin.register(QuotaLedgerBalance)
class QuotaLedgerBalanceAdmin(ReadOnlyAdmin):
    list_display = ("quota_version", "account", "amount", "fraction")
    list_filter = ("account__kind",)
    search_fields = ("=quota_version__id", "account__group__code")
    list_select_related = ("account", "account__group")
    raw_id_fields = ("account", "quota_version")
    show_full_result_count = False


# --- The other parts of the context register their own admins (one module each) -------------
from apps.finance import (  # noqa: E402, F401
    bank_files_admin,
    billing_admin,
    delinquency_admin,
    payments_admin,
)
