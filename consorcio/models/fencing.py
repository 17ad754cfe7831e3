"""The highest fencing token a protected resource has accepted (kernel §4 critical sections)."""

from __future__ import annotations

from django.db import models


class LockFence(models.Model):
    """A write guarded by a lock checks its token here: an older token is refused."""

    key = models.CharField(max_length=200, primary_key=True)
    last_token = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "cerca de bloqueio"
        verbose_name_plural = "cercas de bloqueio"

    def __str__(self) -> str:
        return f"{self.key} ≤ {self.last_token}"
