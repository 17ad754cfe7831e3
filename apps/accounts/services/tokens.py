"""JWT token families: issue a pair, rotate a refresh token (reuse revokes), end a session.

Every sign-in (staff password, API client credentials) opens a ``TokenFamily``; its id travels
in the ``fam`` claim of the refresh token and of every access token derived from it. Refresh
tokens rotate: each refresh blacklists the presented token and issues a new one of the same
family (simplejwt's ``OutstandingToken``/``BlacklistedToken`` tables). Presenting a refresh
token that was already rotated (or blacklisted by a logout) is *reuse*: the token was copied,
so the whole family is revoked (``revoked_reason="reuse"``) and every outstanding token of it
blacklisted; the API refuses access tokens of a revoked family on their next request
(``authenticated_user``). Ending all of a user's tokens (password change, deactivation,
secret rotation) is ``apps.accounts.services.identity.end_user_sessions``.

Lifetimes are read from ``settings.SIMPLE_JWT`` when a token is issued (simplejwt's own token
classes freeze them at import), so a settings override takes effect immediately.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from apps.accounts.models import TokenFamily, User
from apps.accounts.selectors.two_factor import PendingStep, pending_step
from apps.accounts.services import two_factor
from consorcio.errors import DomainError

__all__ = [
    "FAMILY_CLAIM",
    "AccountInactive",
    "FamilyAccessToken",
    "FamilyRefreshToken",
    "RefreshTokenReused",
    "TokenInvalid",
    "TokenPair",
    "TokenRevoked",
    "TwoFactorCodeInvalid",
    "TwoFactorCodeRequired",
    "TwoFactorEnrollmentRequired",
    "Unauthenticated",
    "authenticated_user",
    "issue_staff_token_pair",
    "issue_token_pair",
    "logout",
    "revoke_family",
    "rotate_refresh_token",
]

FAMILY_CLAIM = "fam"
USER_CLAIM = "user_id"
_JTI_CLAIM = "jti"


class Unauthenticated(DomainError):
    """A 401 refusal: the client must (again) prove who it is; names the Bearer scheme."""

    status = 401

    def response_headers(self) -> dict[str, str]:
        """RFC 9110: a 401 names the scheme the client should use."""
        return {"WWW-Authenticate": 'Bearer realm="api"'}


class TokenInvalid(Unauthenticated):
    """The token is malformed, forged, expired or not one this API issued."""

    code = "token_not_valid"
    title = "Token inválido"
    default_detail = "O token é inválido ou expirou. Autentique-se novamente."


class RefreshTokenReused(Unauthenticated):
    """A refresh token was presented again after rotation: its family is now revoked."""

    code = "token_reused"
    title = "Token de renovação reutilizado"
    default_detail = (
        "Este token de renovação já foi usado. Por segurança, todas as sessões abertas com "
        "ele foram encerradas. Autentique-se novamente."
    )


class TokenRevoked(Unauthenticated):
    """The token's family was revoked (logout, secret rotation, reuse, deactivation)."""

    code = "token_revoked"
    title = "Sessão encerrada"
    default_detail = "Esta sessão foi encerrada. Autentique-se novamente."


class AccountInactive(Unauthenticated):
    """The account the token belongs to was deactivated."""

    code = "account_inactive"
    title = "Conta inativa"
    default_detail = "A conta está inativa."


class TwoFactorCodeRequired(Unauthenticated):
    """The account signs in with a second factor and the request carried no code."""

    code = "two_factor_code_required"
    title = "Código de verificação obrigatório"
    default_detail = "Informe o código de verificação em duas etapas (campo otp)."


class TwoFactorCodeInvalid(Unauthenticated):
    """The second-factor code is wrong, expired, already used or tried too often."""

    code = "two_factor_code_invalid"
    title = "Código de verificação recusado"
    default_detail = "Código de verificação inválido ou expirado."


class TwoFactorEnrollmentRequired(DomainError):
    """The role requires 2FA and the account has not enrolled an authenticator yet."""

    code = "two_factor_enrollment_required"
    status = 403
    title = "Verificação em duas etapas pendente"
    default_detail = (
        "O seu papel exige verificação em duas etapas: configure o aplicativo autenticador "
        "ao entrar pelo navegador antes de usar a API."
    )


def _lifetime(name: str) -> timedelta:
    value = settings.SIMPLE_JWT[name]
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


class FamilyAccessToken(AccessToken):
    """An access token whose lifetime comes from the current settings."""

    def __init__(self, token: Any = None, verify: bool = True) -> None:
        self.lifetime = _lifetime("ACCESS_TOKEN_LIFETIME")
        super().__init__(token, verify)


class FamilyRefreshToken(RefreshToken):
    """A refresh token (carrying ``fam``) whose lifetime comes from the current settings."""

    access_token_class: ClassVar[type[AccessToken]] = FamilyAccessToken  # type: ignore[misc]

    def __init__(self, token: Any = None, verify: bool = True) -> None:
        self.lifetime = _lifetime("REFRESH_TOKEN_LIFETIME")
        super().__init__(token, verify)


@dataclass(frozen=True)
class TokenPair:
    """What a successful sign-in or refresh answers."""

    access: str
    refresh: str
    expires_in: int  # seconds the access token is valid for


def issue_token_pair(*, user: User) -> TokenPair:
    """Open a new token family for ``user`` and return its first access/refresh pair.

    The caller has already authenticated the user (password and OTP, or client credentials).
    """
    if not user.is_active:
        raise AccountInactive()
    with transaction.atomic():
        family = TokenFamily.objects.create(user=user)
        refresh = FamilyRefreshToken()
        refresh[USER_CLAIM] = str(user.pk)
        refresh[FAMILY_CLAIM] = str(family.pk)
        refresh.outstand()
    return _pair(refresh)


def issue_staff_token_pair(*, user: User, otp: str | None) -> TokenPair:
    """Tokens for a staff member whose password was checked; the second factor is checked here.

    A user with a confirmed device must send its code (``otp``: TOTP or a backup code); a user
    whose role requires 2FA but never enrolled is refused until it enrolls in the browser.
    Machine accounts never sign in with a password.
    """
    if user.kind != User.Kind.STAFF:
        raise TokenInvalid("Contas de máquina usam client id e segredo.")
    step = pending_step(user, is_verified=False)
    if step is PendingStep.ENROLL:
        raise TwoFactorEnrollmentRequired()
    if step is PendingStep.VERIFY:
        if not otp:
            raise TwoFactorCodeRequired()
        try:
            two_factor.verify_second_factor(user=user, token=otp)
        except two_factor.InvalidTwoFactorCodeError:
            raise TwoFactorCodeInvalid() from None
    return issue_token_pair(user=user)


def rotate_refresh_token(*, raw_refresh: str) -> TokenPair:
    """Blacklist the presented refresh token and answer a new pair of the same family.

    Reuse of an already rotated (blacklisted) token revokes the family and raises
    ``RefreshTokenReused``; the revocation commits before the refusal. Two concurrent
    refreshes with one token serialise on the outstanding-token row: the second is reuse.
    """
    refresh, family_id, user_id = _decode_refresh(raw_refresh)
    refusal: DomainError | None = None
    with transaction.atomic():
        outstanding = (
            OutstandingToken.objects.select_for_update()
            .filter(jti=refresh[_JTI_CLAIM], user_id=user_id)
            .first()
        )
        family = TokenFamily.objects.select_for_update().filter(pk=family_id).first()
        if outstanding is None or family is None or family.user_id != user_id:
            raise TokenInvalid()
        if BlacklistedToken.objects.filter(token=outstanding).exists():
            if family.revoked_at is None:
                _revoke_locked(family, reason="reuse")
            refusal = RefreshTokenReused()
        elif family.revoked_at is not None:
            refusal = TokenRevoked()
        elif not User.objects.filter(pk=user_id, is_active=True).exists():
            refusal = AccountInactive()
        else:
            BlacklistedToken.objects.create(token=outstanding)
            successor = FamilyRefreshToken()
            successor[USER_CLAIM] = str(user_id)
            successor[FAMILY_CLAIM] = str(family.pk)
            successor.outstand()
    # Raised outside the transaction so that a revocation for reuse commits.
    if refusal is not None:
        raise refusal
    return _pair(successor)


def logout(*, raw_refresh: str) -> None:
    """End the session the refresh token belongs to: revoke its family (reason "logout").

    Every outstanding token of the family is blacklisted and its access tokens are refused
    from now on. An already revoked family is left as it is (its first reason stays).
    """
    _refresh, family_id, user_id = _decode_refresh(raw_refresh)
    with transaction.atomic():
        family = TokenFamily.objects.select_for_update().filter(pk=family_id).first()
        if family is None or family.user_id != user_id:
            raise TokenInvalid()
        if family.revoked_at is None:
            _revoke_locked(family, reason="logout")


def revoke_family(*, family_id: uuid.UUID | str, reason: str) -> bool:
    """Revoke one family (if still active) and blacklist its outstanding tokens.

    Returns whether this call revoked it (False when it was already revoked or is unknown).
    """
    with transaction.atomic():
        family = TokenFamily.objects.select_for_update().filter(pk=family_id).first()
        if family is None or family.revoked_at is not None:
            return False
        _revoke_locked(family, reason=reason)
        return True


def authenticated_user(*, family_id: str, user_id: str) -> User | None:
    """The user an access token speaks for, or None if its family is revoked or unknown.

    One query (the family with its user), the same cost as simplejwt's own user lookup, so a
    revocation (logout, reuse, password change, secret rotation) is honoured on the next
    request without any cache to go stale. Inactive users are the caller's to refuse.
    """
    try:
        family_uuid = uuid.UUID(str(family_id))
    except ValueError:
        return None
    family = (
        TokenFamily.objects.select_related("user")
        .filter(pk=family_uuid, revoked_at__isnull=True)
        .first()
    )
    if family is None or str(family.user_id) != str(user_id):
        return None
    return family.user


class _RefreshTokenPresented(FamilyRefreshToken):
    """A refresh token checked for signature, expiry and type, but not yet the blacklist."""

    def verify(self) -> None:
        Token.verify(self)


def _decode_refresh(raw: str) -> tuple[FamilyRefreshToken, uuid.UUID, int]:
    """Check signature, expiry and type (not the blacklist: the caller decides about reuse)."""
    try:
        refresh = _RefreshTokenPresented(raw)
        family_id = uuid.UUID(str(refresh[FAMILY_CLAIM]))
        user_id = int(refresh[USER_CLAIM])
    except (TokenError, KeyError, ValueError, TypeError):
        raise TokenInvalid() from None
    return refresh, family_id, user_id


def _revoke_locked(family: TokenFamily, *, reason: str) -> None:
    family.revoked_at = timezone.now()
    family.revoked_reason = reason[:60]
    family.save(update_fields=["revoked_at", "revoked_reason"])
    _blacklist(
        token
        for token in OutstandingToken.objects.filter(
            user_id=family.user_id, expires_at__gt=family.revoked_at, blacklistedtoken__isnull=True
        )
        if _family_of(token.token) == str(family.pk)
    )


def _blacklist(tokens: Any) -> None:
    for token in tokens:
        BlacklistedToken.objects.get_or_create(token=token)


def _family_of(raw: str) -> str | None:
    """The ``fam`` claim of a stored token, without verifying it (it is our own record)."""
    try:
        return str(FamilyRefreshToken(raw, verify=False)[FAMILY_CLAIM])
    except (TokenError, KeyError):
        return None


def _pair(refresh: FamilyRefreshToken) -> TokenPair:
    access = refresh.access_token
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        expires_in=int(_lifetime("ACCESS_TOKEN_LIFETIME").total_seconds()),
    )


def flush_expired_tokens(*, now: datetime | None = None) -> FlushedTokens:
    """Delete refresh tokens past their expiry and token families revoked long enough ago.

    An expired token can no longer be presented, so neither its outstanding row nor its
    blacklist entry (deleted with it) protects anything. A revoked family is kept for one
    refresh-token lifetime after its revocation — as long as any token of it could still be
    presented — and then deleted.
    """
    now = now or timezone.now()
    with transaction.atomic():
        tokens, _ = OutstandingToken.objects.filter(expires_at__lte=now).delete()
        families, _ = TokenFamily.objects.filter(
            revoked_at__lte=now - _lifetime("REFRESH_TOKEN_LIFETIME")
        ).delete()
    return FlushedTokens(deleted_rows=tokens, deleted_families=families)


@dataclass(frozen=True)
class FlushedTokens:
    """What ``flush_expired_tokens`` deleted (token rows include their blacklist entries)."""

    deleted_rows: int
    deleted_families: int
