"""Long-running work and its progress (kernel §4 jobs and progress)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Job(models.Model):
    """A unit of long work (billing run, bank file, report) that chunked tasks advance."""

    class State(models.TextChoices):
        PENDING = "pending", "aguardando"
        RUNNING = "running", "em execução"
        SUCCEEDED = "succeeded", "concluído"
        FAILED = "failed", "falhou"
        CANCELLED = "cancelled", "cancelado"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=80, db_index=True)
    description = models.CharField(max_length=200, blank=True, default="")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result_url = models.CharField(max_length=500, blank=True, default="")
    error = models.TextField(blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                name="job_done_within_total",
            ),
        ]
        verbose_name = "tarefa longa"
        verbose_name_plural = "tarefas longas"

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.state})"


class JobChunk(models.Model):
    """One chunk of a job: the database, not the broker, records what is left to do."""

    class State(models.TextChoices):
        PENDING = "pending", "aguardando"
        RUNNING = "running", "em execução"
        DONE = "done", "concluído"
        FAILED = "failed", "falhou"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    payload = models.JSONField(default=dict, blank=True)
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="job_chunk_index_unique"),
        ]
        # The stalled-chunk sweeper reads only the unfinished chunks: keep that read small.
        indexes = [
            models.Index(
                fields=["enqueued_at"],
                name="job_chunk_pending",
                condition=models.Q(state="pending"),
            ),
            models.Index(
                fields=["heartbeat_at"],
                name="job_chunk_running",
                condition=models.Q(state="running"),
            ),
        ]
        verbose_name = "parte de tarefa"
        verbose_name_plural = "partes de tarefas"

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index} ({self.state})"


class JobMessage(models.Model):
    """A message shown with a job's progress (warnings, a line that failed, the outcome)."""

    class Level(models.TextChoices):
        INFO = "info", "informação"
        WARNING = "warning", "aviso"
        ERROR = "error", "erro"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="messages")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "mensagem de tarefa"
        verbose_name_plural = "mensagens de tarefas"

    def __str__(self) -> str:
        return f"{self.level}: {self.text[:60]}"
