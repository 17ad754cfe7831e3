"""API clients: integrators' machine accounts, their secrets, and client-credentials sign-in.

An API client owns a ``User`` of kind ``api_client`` (unusable password, member of the
client's role group), so roles, permissions, ownership scoping and JWT work for machines as
they do for people. Its secret is ``secrets.token_urlsafe(32)``, shown once (returned by
`create_api_client` and `rotate_secret`, never stored in clear) and kept as a Django password
hash with the configured hashers. Rotating the secret or deactivating the client ends every
token issued to it.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiClient, SalesChannel, User
from apps.accounts.roles import Role
from apps.accounts.services import identity
from apps.accounts.services.tokens import Unauthenticated
from consorcio.errors import DomainError

__all__ = [
    "ApiClientInactive",
    "InvalidClientCredentials",
    "UnknownRole",
    "authenticate_api_client",
    "create_api_client",
    "deactivate_api_client",
    "rotate_secret",
]

CLIENT_ID_PREFIX = "cli_"
USERNAME_PREFIX = "api-client."


class InvalidClientCredentials(Unauthenticated):
    """Unknown client id, wrong secret or inactive client (the answer never says which)."""

    code = "invalid_client"
    title = "Credenciais inválidas"
    default_detail = "Client id ou segredo inválido."


class ApiClientInactive(DomainError):
    """The API client was deactivated: it may not sign in or have its secret rotated."""

    code = "api_client_inactive"
    status = 409
    title = "Cliente de API inativo"
    default_detail = "Este cliente de API está desativado."


class UnknownRole(DomainError):
    """The role named for an API client is not one of the staff roles."""

    code = "unknown_role"
    status = 400
    title = "Papel desconhecido"
    default_detail = "O papel informado não existe."


# Compared against when the client id is unknown, so both answers take the same time.
_DUMMY_SECRET_HASH: list[str] = []


def create_api_client(
    *,
    name: str,
    role: Group | Role | str,
    channel: SalesChannel | None = None,
    created_by: User | None,
) -> tuple[ApiClient, str]:
    """Create an API client and its machine user; returns the client and its secret.

    The secret is returned this once and stored only as a hash. The machine user has an
    unusable password (it cannot sign in to pages) and belongs to the role's group.
    """
    group = _role_group(role)
    secret = _new_secret()
    with transaction.atomic():
        client_id = _new_client_id()
        user = User(
            username=f"{USERNAME_PREFIX}{client_id}",
            full_name=name,
            kind=User.Kind.API_CLIENT,
            is_staff=False,
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(group)
        client = ApiClient.objects.create(
            user=user,
            name=name,
            client_id=client_id,
            secret_hash=make_password(secret),
            secret_rotated_at=timezone.now(),
            role=group,
            channel=channel,
            created_by=created_by,
        )
    return client, secret


def rotate_secret(*, api_client: ApiClient) -> str:
    """Give the client a new secret (returned once); the old one and its tokens stop working.

    Every refresh token of the client is blacklisted and its token families revoked, so
    access tokens issued with the old secret are refused on their next request. Refused for
    an inactive client.
    """
    secret = _new_secret()
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().select_related("user").get(pk=api_client.pk)
        if not client.is_active:
            raise ApiClientInactive()
        client.secret_hash = make_password(secret)
        client.secret_rotated_at = timezone.now()
        client.save(update_fields=["secret_hash", "secret_rotated_at"])
        identity.end_user_sessions(client.user, "secret_rotated")
    api_client.secret_hash = client.secret_hash
    api_client.secret_rotated_at = client.secret_rotated_at
    return secret


def deactivate_api_client(*, api_client: ApiClient) -> ApiClient:
    """Switch the client off: its machine user is disabled and every token of it ends.

    Deactivating an inactive client changes nothing.
    """
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().select_related("user").get(pk=api_client.pk)
        if client.is_active:
            client.is_active = False
            client.save(update_fields=["is_active"])
        if client.user.is_active:
            client.user.is_active = False
            client.user.save(update_fields=["is_active"])
        identity.end_user_sessions(client.user, "api_client_deactivated")
    return client


def authenticate_api_client(*, client_id: str, secret: str) -> ApiClient:
    """The active client these credentials belong to; records when it was last used.

    Unknown id, wrong secret and inactive client all raise ``InvalidClientCredentials``
    (the same answer, in about the same time: an unknown id is still hashed against).
    """
    client = (
        ApiClient.objects.select_related("user", "role", "channel")
        .filter(client_id=client_id)
        .first()
    )
    if client is None:
        check_password(secret, _dummy_hash())
        raise InvalidClientCredentials()
    if not check_password(secret, client.secret_hash):
        raise InvalidClientCredentials()
    if not client.is_active or not client.user.is_active:
        raise InvalidClientCredentials()
    now = timezone.now()
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
    return client


def _role_group(role: Group | Role | str) -> Group:
    name = role.name if isinstance(role, Group) else str(role)
    try:
        Role(name)
    except ValueError:
        raise UnknownRole() from None
    group = Group.objects.filter(name=name).first()
    if group is None:
        raise UnknownRole()
    return group


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _new_client_id() -> str:
    while True:
        candidate = CLIENT_ID_PREFIX + secrets.token_hex(12)
        if not ApiClient.objects.filter(client_id=candidate).exists():
            return candidate


def _dummy_hash() -> str:
    if not _DUMMY_SECRET_HASH:
        _DUMMY_SECRET_HASH.append(make_password(secrets.token_urlsafe(32)))
    return _DUMMY_SECRET_HASH[0]
