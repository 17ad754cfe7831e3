"""Admin of installments, charges and billing runs (imported by ``apps.finance.admin``).

Read-only: schedules, installments and charges are written by the services (sales' events,
billing runs) and a hand edit would break the A1 arithmetic the database checks; credit values
come from ``record_credit_adjustment``; bank agreements are registered and edited on the staff
page (Financeiro → Convênios bancários), whose service checks each bank's rules and refuses
overlapping nosso número ranges, which a form here would bypass.
"""

from __future__ import annotations

from django.contrib import admin

from apps.finance.models import (
    BankAgreement,
    BillingRun,
    Charge,
    CreditValue,
    Installment,
    InstallmentSchedule,
    PriceDifference,
)
from consorcio.admin import ReadOnlyAdmin, ReadOnlyInline


class InstallmentInline(ReadOnlyInline):
    model = Installment
    fields = readonly_fields = (
        "number",
        "due_date",
        "common_fund",
        "reserve_fund",
        "admin_fee",
        "insurance",
        "catch_up",
        "status",
    )


@admin.register(InstallmentSchedule)
class InstallmentScheduleAdmin(ReadOnlyAdmin):
    list_display = ("id", "group", "quota", "quota_version", "status", "sold_on")
    list_filter = ("status",)
    search_fields = ("=quota__id", "group__code")
    list_select_related = ("group", "quota", "quota_version")
    raw_id_fields = ("quota", "quota_version", "group")
    show_full_result_count = False
    inlines = [InstallmentInline]


@admin.register(Installment)
class InstallmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "schedule", "number", "due_date", "status")
    list_filter = ("status",)
    search_fields = ("=schedule__quota__id",)
    raw_id_fields = ("schedule",)
    show_full_result_count = False


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "group", "quota", "period", "due_date", "amount", "status")
    list_filter = ("kind", "status")
    search_fields = ("=id", "=quota__id", "nosso_numero", "group__code")
    list_select_related = ("group", "quota")
    raw_id_fields = ("group", "quota", "quota_version", "schedule", "obligation", "billing_run")
    date_hierarchy = "due_date"
    show_full_result_count = False


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "period", "group", "quotas_planned", "job", "created_at")
    list_select_related = ("group", "job")


@admin.register(CreditValue)
class CreditValueAdmin(ReadOnlyAdmin):
    list_display = ("group", "effective_from", "previous_value", "value", "index", "variation")
    list_select_related = ("group",)
    search_fields = ("group__code",)


@admin.register(PriceDifference)
class PriceDifferenceAdmin(ReadOnlyAdmin):
    list_display = ("id", "quota", "reason", "amount", "charge", "created_at")
    list_filter = ("reason",)
    raw_id_fields = ("quota", "schedule", "source_charge", "credit_value", "charge")
    show_full_result_count = False


@admin.register(BankAgreement)
class BankAgreementAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "group",
        "bank_code",
        "agency",
        "account",
        "wallet",
        "agreement_code",
        "next_nosso_numero",
        "last_nosso_numero",
        "is_active",
    )
    list_filter = ("bank_code", "is_active")
    search_fields = ("agreement_code", "agency", "account")
