"""Staff identity writes: deactivating users, changing and resetting passwords, ending sessions.

Ending a user's access has two halves. Browser sessions end by themselves: Django stores a
hash of the password in each session (a new password invalidates every older session on its
next request) and the authentication backend refuses inactive users. API access ends here:
every outstanding refresh token of the user is blacklisted and its token families revoked
(`end_user_sessions`), so neither a browser nor an integrator keeps a way in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import TokenFamily, User
from consorcio.audit import record_batch_audit
from consorcio.errors import DomainError


class WeakPasswordError(DomainError):
    """The new password fails the password validators."""

    code = "weak_password"
    title = "Senha recusada"


class CannotDeactivateSelfError(DomainError):
    """Nobody deactivates their own account (it would lock the last admin out by accident)."""

    code = "cannot_deactivate_self"
    default_detail = "Você não pode desativar a sua própria conta."


@dataclass(frozen=True)
class EndedSessions:
    """What `end_user_sessions` revoked."""

    blacklisted_tokens: int
    revoked_families: int


@transaction.atomic
def end_user_sessions(user: User, reason: str) -> EndedSessions:
    """Blacklist every refresh token of the user and revoke all its token families.

    ``reason`` (short, English, e.g. ``"password_changed"``) is stored on the revoked
    families. Idempotent: tokens already blacklisted and families already revoked stay as
    they were. Browser sessions are ended by the callers' own change (see module docstring).
    """
    pending = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    blacklisted = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in pending.only("pk")],
        ignore_conflicts=True,
    )
    families = TokenFamily.objects.filter(user=user, revoked_at__isnull=True)
    revoked = families.update(revoked_at=timezone.now(), revoked_reason=reason[:60])
    if revoked:
        # QuerySet.update bypasses auditlog's signals: one entry stands for the batch.
        record_batch_audit(
            actor=None,
            action="accounts.token_families.revoked",
            model=TokenFamily,
            count=revoked,
            details={"user_id": user.pk, "reason": reason},
        )
    return EndedSessions(blacklisted_tokens=len(blacklisted), revoked_families=revoked)


def _validated(password: str, user: User) -> str:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise WeakPasswordError(" ".join(error.messages)) from None
    return password


@transaction.atomic
def change_password(*, user: User, new_password: str) -> User:
    """Set a new password chosen by the user; every other session and refresh token ends.

    The caller keeps its own browser session with ``update_session_auth_hash``; all older
    sessions fail the session hash check on their next request.
    """
    user.set_password(_validated(new_password, user))
    user.save(update_fields=["password"])
    end_user_sessions(user, "password_changed")
    return user


@transaction.atomic
def reset_password(*, user: User, new_password: str) -> User:
    """Set a new password through the e-mailed reset link; all sessions and tokens end."""
    user.set_password(_validated(new_password, user))
    user.save(update_fields=["password"])
    end_user_sessions(user, "password_reset")
    return user


@transaction.atomic
def deactivate_user(*, user: User, actor: User | None) -> User:
    """Disable a user: it can no longer sign in, its sessions and refresh tokens end.

    Refused for the actor's own account. Deactivating an inactive user changes nothing.
    """
    if actor is not None and actor.pk == user.pk:
        raise CannotDeactivateSelfError()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    end_user_sessions(user, "user_deactivated")
    return user


@transaction.atomic
def reactivate_user(*, user: User) -> User:
    """Let a disabled user sign in again (with its current password and roles)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user
