"""Admin of the draws context.

Everything here is read-only: assemblies move through their services (the state machine),
results are computed once, awards and result events change only through services. Bids are
sealed until bidding closes (A8, "auditors included"): the admin lists only bids of
assemblies whose bidding is over, and never shows an open assembly's secret seed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.draws.models import (
    Assembly,
    AssemblyResult,
    AssemblyState,
    AssemblyTransition,
    Award,
    Bid,
    ResultEvent,
)
from consorcio.admin import ReadOnlyAdmin, ReadOnlyInline

_SEALED_STATES = (AssemblyState.SCHEDULED, AssemblyState.BIDDING_OPEN)


class AssemblyTransitionInline(ReadOnlyInline):
    model = AssemblyTransition
    fields = readonly_fields = ("from_state", "to_state", "actor", "note", "at")


@admin.register(Assembly)
class AssemblyAdmin(ReadOnlyAdmin):
    list_display = ("id", "group", "number", "date", "state", "lottery_concurso")
    list_filter = ("state",)
    search_fields = ("=id", "group__code")
    list_select_related = ("group",)
    date_hierarchy = "date"
    exclude = ("seed",)
    readonly_fields = ("revealed_seed",)
    inlines = [AssemblyTransitionInline]

    @admin.display(description="semente revelada")
    def revealed_seed(self, obj: Assembly) -> str:
        """The seed only once revealed (after the close)."""
        return obj.seed if obj.seed_revealed_at is not None else "—"


@admin.register(AssemblyTransition)
class AssemblyTransitionAdmin(ReadOnlyAdmin):
    list_display = ("id", "assembly", "from_state", "to_state", "actor", "at")
    list_filter = ("to_state",)
    search_fields = ("=assembly__id",)
    list_select_related = ("assembly",)


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ("id", "assembly", "quota", "kind", "fraction", "status", "rank", "receipt")
    list_filter = ("status", "kind")
    search_fields = ("=id", "=assembly__id", "receipt")
    list_select_related = ("assembly", "quota")
    raw_id_fields = ("assembly", "quota", "quota_version", "replaces")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bid]:
        """Sealed bids (bidding not closed) are not listed to anyone."""
        return super().get_queryset(request).exclude(assembly__state__in=_SEALED_STATES)


@admin.register(AssemblyResult)
class AssemblyResultAdmin(ReadOnlyAdmin):
    list_display = ("id", "assembly", "key", "money_available", "money_used", "carry_over")
    search_fields = ("=assembly__id",)
    list_select_related = ("assembly",)


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ("id", "assembly", "quota", "kind", "state", "credit_value", "payment_due")
    list_filter = ("kind", "state")
    search_fields = ("=id", "=assembly__id")
    list_select_related = ("assembly", "quota")
    raw_id_fields = ("assembly", "quota", "quota_version", "bid", "promoted_from")


@admin.register(ResultEvent)
class ResultEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "assembly", "kind", "award", "bid", "at")
    list_filter = ("kind",)
    search_fields = ("=assembly__id",)
    list_select_related = ("assembly",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in ResultEvent._meta.fields]
