"""Personal-data access log: who read whose personal data, when, which fields and why."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class PersonalDataAccess(models.Model):
    """One read of personal data. Append-only: the database refuses UPDATE and DELETE."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)  # kept even if the actor is renamed
    subject_type = models.CharField(max_length=80)  # e.g. "members.member"
    subject_id = models.CharField(max_length=64)
    fields = ArrayField(models.CharField(max_length=80))
    purpose = models.CharField(max_length=200)
    request_id = models.CharField(max_length=64, blank=True, default="")
    accessed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "-accessed_at"])]
        verbose_name = "acesso a dado pessoal"
        verbose_name_plural = "acessos a dados pessoais"

    def __str__(self) -> str:
        return f"{self.actor_label} → {self.subject_type}:{self.subject_id}"
