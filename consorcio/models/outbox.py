"""Outbox: domain events written in the publisher's transaction, delivered after commit."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """One domain event. Append-only: its own audit trail (not registered with auditlog)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=120, db_index=True)  # e.g. "groups.quota.sold"
    aggregate_type = models.CharField(max_length=80)
    aggregate_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["aggregate_type", "aggregate_id"])]
        verbose_name = "evento de domínio"
        verbose_name_plural = "eventos de domínio"

    def __str__(self) -> str:
        return f"{self.type} {self.aggregate_type}:{self.aggregate_id}"


class OutboxDelivery(models.Model):
    """The delivery of one event to one subscriber: the subscriber's idempotency record."""

    class Status(models.TextChoices):
        PENDING = "pending", "pendente"
        DELIVERED = "delivered", "entregue"
        DEAD = "dead", "falhou definitivamente"

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="outbox_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_delivery_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["created_at"],
                name="outbox_delivery_dead",
                condition=models.Q(status="dead"),
            ),
        ]
        verbose_name = "entrega de evento"
        verbose_name_plural = "entregas de eventos"

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscriber} ({self.status})"
