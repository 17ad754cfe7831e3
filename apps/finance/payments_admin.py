"""Admin of applied payments (imported by ``apps.finance.admin``).

Read-only: a payment is written by ``services.payments`` together with its ledger transaction
and corrected only by a reversal (``reverse_payment``), never edited by hand.
"""

from __future__ import annotations

from django.contrib import admin

from apps.finance.models import Payment
from consorcio.admin import ReadOnlyAdmin


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "settlement_id",
        "source",
        "charge",
        "group",
        "amount",
        "paid_on",
        "credited_on",
        "difference",
        "reversal_of",
    )
    list_filter = ("source",)
    search_fields = ("=id", "settlement_id", "=charge__id", "group__code")
    list_select_related = ("group", "charge")
    raw_id_fields = (
        "charge",
        "group",
        "quota_version",
        "price_difference",
        "ledger_transaction",
        "actor",
        "reversal_of",
    )
    date_hierarchy = "paid_on"
    show_full_result_count = False
