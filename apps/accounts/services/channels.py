"""Sales channels and their representatives: create and edit (auditlog records each change)."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import SalesChannel, SalesRepresentative, User
from consorcio.errors import DomainError


class DuplicateChannelCodeError(DomainError):
    """Another channel already uses this code."""

    code = "duplicate_channel_code"
    status = 409
    default_detail = "Já existe um canal de vendas com este código."


class NotAStaffUserError(DomainError):
    """Only active staff users sell for a channel (never an API client's machine account)."""

    code = "representative_not_staff"
    default_detail = "Somente colaboradores ativos podem ser representantes."


class AlreadyRepresentativeError(DomainError):
    """The user already sells for a channel."""

    code = "already_representative"
    status = 409
    default_detail = "Este usuário já é representante de um canal."


@transaction.atomic
def create_sales_channel(
    *, code: str, name: str, kind: str = SalesChannel.Kind.BRANCH, is_active: bool = True
) -> SalesChannel:
    """Register a branch or partner that sells quotas; the code is unique and permanent."""
    if SalesChannel.objects.filter(code=code).exists():
        raise DuplicateChannelCodeError()
    return SalesChannel.objects.create(code=code, name=name, kind=kind, is_active=is_active)


@transaction.atomic
def update_sales_channel(
    *, channel: SalesChannel, name: str, kind: str, is_active: bool
) -> SalesChannel:
    """Rename a channel, change its kind or (de)activate it; its code never changes."""
    channel = SalesChannel.objects.select_for_update().get(pk=channel.pk)
    channel.name = name
    channel.kind = kind
    channel.is_active = is_active
    channel.save(update_fields=["name", "kind", "is_active"])
    return channel


@transaction.atomic
def create_sales_representative(
    *, user: User, channel: SalesChannel, is_active: bool = True
) -> SalesRepresentative:
    """Make an active staff user a representative of the channel (one channel per user)."""
    if user.kind != User.Kind.STAFF or not user.is_active:
        raise NotAStaffUserError()
    if SalesRepresentative.objects.filter(user=user).exists():
        raise AlreadyRepresentativeError()
    return SalesRepresentative.objects.create(user=user, channel=channel, is_active=is_active)


@transaction.atomic
def update_sales_representative(
    *, representative: SalesRepresentative, channel: SalesChannel, is_active: bool
) -> SalesRepresentative:
    """Move a representative to another channel or (de)activate it.

    Records it already brought in keep their channel: ownership is set when a record is made.
    """
    representative = SalesRepresentative.objects.select_for_update().get(pk=representative.pk)
    representative.channel = channel
    representative.is_active = is_active
    representative.save(update_fields=["channel", "is_active"])
    return representative
