"""Back-office views of the kernel's operational rows: outbox events and deliveries, jobs.

All read-only: these rows are written by the machinery. The one action is "reenviar" on dead
deliveries, the same as ``manage.py outbox retry``; it needs the change permission on
deliveries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from consorcio.models import Job, JobChunk, JobMessage, OutboxDelivery, OutboxEvent
from consorcio.outbox import retry_dead_deliveries


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Nothing can be added, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Rows come from the machinery only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Rows are never edited by hand."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Append-only / operational history is kept."""
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """An inline that only shows rows."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Rows come from the machinery only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Rows are never edited by hand."""
        return False


class DeliveryInline(ReadOnlyInline):
    model = OutboxDelivery
    fields = readonly_fields = (
        "subscriber",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "type", "aggregate_type", "aggregate_id", "request_id"]
    list_filter = ["type", "aggregate_type"]
    search_fields = ["=id", "type", "aggregate_id", "=request_id"]
    date_hierarchy = "occurred_at"
    inlines = [DeliveryInline]


@admin.register(OutboxDelivery)
class OutboxDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event_type",
        "subscriber",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "error_summary",
    ]
    list_filter = ["status", "subscriber"]
    search_fields = ["=id", "subscriber", "=event__id", "event__type"]
    list_select_related = ["event"]
    actions = ["resend"]

    @admin.display(description="tipo de evento", ordering="event__type")
    def event_type(self, obj: OutboxDelivery) -> str:
        """The type of the delivered event."""
        return obj.event.type

    @admin.display(description="último erro")
    def error_summary(self, obj: OutboxDelivery) -> str:
        """The last line of the last error (the exception), in full on the detail page."""
        return (obj.last_error.strip().splitlines() or [""])[-1][:120]

    def has_resend_permission(self, request: HttpRequest) -> bool:
        """Resending needs the change permission on deliveries (read-only admin otherwise)."""
        return request.user.has_perm("consorcio.change_outboxdelivery")

    @admin.action(
        description="Reenviar entregas que falharam definitivamente", permissions=["resend"]
    )
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboxDelivery]) -> None:
        """Put the selected dead deliveries back in the queue with attempts reset."""
        result = retry_dead_deliveries(list(queryset.values_list("id", flat=True)))
        if result.retried:
            self.message_user(
                request, f"{len(result.retried)} entrega(s) devolvida(s) à fila.", messages.SUCCESS
            )
        if result.refused:
            self.message_user(
                request,
                f"{len(result.refused)} entrega(s) ignorada(s): só as que falharam "
                "definitivamente são reenviadas.",
                messages.WARNING,
            )


class ChunkInline(ReadOnlyInline):
    """The chunks not yet done (a big job has thousands of done ones, not worth a page)."""

    model = JobChunk
    verbose_name_plural = "partes não concluídas"
    fields = readonly_fields = (
        "index",
        "state",
        "size",
        "attempts",
        "claimed_at",
        "heartbeat_at",
        "error",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobChunk]:
        """Only pending, running and failed chunks."""
        return super().get_queryset(request).exclude(state=JobChunk.State.DONE)


class MessageInline(ReadOnlyInline):
    model = JobMessage
    fields = readonly_fields = ("created_at", "level", "text")


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "description", "state", "done", "total", "started_by"]
    list_filter = ["state", "kind"]
    search_fields = ["=id", "kind", "description"]
    list_select_related = ["started_by"]
    date_hierarchy = "created_at"
    inlines = [MessageInline, ChunkInline]
