"""Who acts: staff users, sales channels and representatives, API clients and token families.

The custom user model exists from the first migration (Django's advice). An API client is a
machine account: it owns a `User` of kind ``api_client`` so that sessions, JWT, groups
(roles) and permissions work the same way for people and machines.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A staff member (or an API client's machine account) who acts in the system."""

    class Kind(models.TextChoices):
        STAFF = "staff", "colaborador"
        API_CLIENT = "api_client", "cliente de API"

    email = models.EmailField("e-mail", blank=True)
    full_name = models.CharField("nome completo", max_length=200, blank=True, default="")
    kind = models.CharField("tipo", max_length=12, choices=Kind.choices, default=Kind.STAFF)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        verbose_name = "usuário"
        verbose_name_plural = "usuários"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()


class SalesChannel(models.Model):
    """A partner or branch that sells quotas; records it brings in carry its id."""

    class Kind(models.TextChoices):
        BRANCH = "branch", "filial"
        PARTNER = "partner", "parceiro"

    code = models.SlugField("código", max_length=40, unique=True)
    name = models.CharField("nome", max_length=200)
    kind = models.CharField("tipo", max_length=10, choices=Kind.choices, default=Kind.BRANCH)
    is_active = models.BooleanField("ativo", default=True)
    created_at = models.DateTimeField("criado em", default=timezone.now)

    # Ownership (selectors.authorization): a channel owns itself; its representatives share it.
    owner_channel_field: ClassVar[str | None] = "pk"
    owner_representative_field: ClassVar[str | None] = None

    class Meta:
        ordering = ["name"]
        verbose_name = "canal de vendas"
        verbose_name_plural = "canais de vendas"

    def __str__(self) -> str:
        return self.name


class SalesRepresentative(models.Model):
    """A staff user who sells for a channel; sees and changes only what they brought in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sales_representative",
        verbose_name="usuário",
    )
    channel = models.ForeignKey(
        SalesChannel,
        on_delete=models.PROTECT,
        related_name="representatives",
        verbose_name="canal de vendas",
    )
    is_active = models.BooleanField("ativo", default=True)
    created_at = models.DateTimeField("criado em", default=timezone.now)

    # Ownership: a representative reaches only itself; its channel reaches all of them.
    owner_channel_field: ClassVar[str | None] = "channel"
    owner_representative_field: ClassVar[str | None] = "pk"

    class Meta:
        ordering = ["channel", "user__full_name"]
        verbose_name = "representante de vendas"
        verbose_name_plural = "representantes de vendas"

    def __str__(self) -> str:
        return f"{self.user} ({self.channel})"


class ApiClient(models.Model):
    """A machine account for an integrator: client id and a hashed secret, shown once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        verbose_name="conta de máquina",
    )
    name = models.CharField("nome", max_length=200)
    client_id = models.CharField("client id", max_length=64, unique=True)
    secret_hash = models.CharField("hash do segredo", max_length=256)
    secret_rotated_at = models.DateTimeField("segredo trocado em", default=timezone.now)
    role = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="+", verbose_name="papel"
    )
    channel = models.ForeignKey(
        SalesChannel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name="canal de vendas",
    )
    is_active = models.BooleanField("ativo", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="criado por",
    )
    created_at = models.DateTimeField("criado em", default=timezone.now)
    last_used_at = models.DateTimeField("último uso", null=True, blank=True)

    # Ownership: a client bound to a channel belongs to it; clients without one to no channel.
    owner_channel_field: ClassVar[str | None] = "channel"
    owner_representative_field: ClassVar[str | None] = None

    class Meta:
        ordering = ["name"]
        verbose_name = "cliente de API"
        verbose_name_plural = "clientes de API"

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class TokenFamily(models.Model):
    """The chain of refresh tokens issued from one login; reuse of a rotated one revokes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_families"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=60, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]
        verbose_name = "família de tokens"
        verbose_name_plural = "famílias de tokens"

    def __str__(self) -> str:
        state = "revogada" if self.revoked_at else "ativa"
        return f"{self.user_id}:{self.id} ({state})"
