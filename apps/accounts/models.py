"""Staff users. The custom user model exists from the first migration (Django's advice)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A staff member who signs in to the pages, the admin or the API."""

    email = models.EmailField("e-mail", blank=True)
    full_name = models.CharField("nome completo", max_length=200, blank=True, default="")

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        verbose_name = "usuário"
        verbose_name_plural = "usuários"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()
