"""Idempotency-Key records for API POSTs (kernel §4 idempotency)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first request seen with a key, and its stored response once it finished."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "em andamento"
        COMPLETED = "completed", "concluída"

    # Who sent the key: "user:<id>", "client:<id>" or "anon"; a key is unique per owner.
    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_per_owner"),
        ]
        verbose_name = "chave de idempotência"
        verbose_name_plural = "chaves de idempotência"

    def __str__(self) -> str:
        return f"{self.owner} {self.key} ({self.state})"
