"""Two-factor state of a staff user: whether a TOTP step is pending before it may go on."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.accounts.selectors.authorization import Actor, user_roles


class PendingStep(StrEnum):
    """What a signed-in user must still do before reaching staff pages."""

    NONE = "none"
    ENROLL = "enroll"  # its role requires 2FA and it has no confirmed device yet
    VERIFY = "verify"  # it has a confirmed device: the code of this session is missing


def has_confirmed_device(user: Actor) -> bool:
    """Whether the user has a confirmed second factor (TOTP app or backup codes)."""
    return any(True for _ in devices_for_user(user, confirmed=True))


def is_two_factor_required(user: Actor) -> bool:
    """Whether one of the user's roles is in ``settings.OTP_REQUIRED_ROLES``."""
    required = {str(role) for role in getattr(settings, "OTP_REQUIRED_ROLES", [])}
    if not required or not user.is_authenticated:
        return False
    if user.is_superuser and getattr(settings, "OTP_REQUIRED_FOR_SUPERUSERS", True):
        return True
    return any(str(role) in required for role in user_roles(user))


def pending_step(user: Actor, *, is_verified: bool) -> PendingStep:
    """The two-factor step the signed-in user still owes in this session, if any.

    A user with a confirmed device always verifies (whatever its role); a user whose role
    requires 2FA and has no device enrolls first. Machine accounts (API clients) never use
    sessions, so they owe nothing here.
    """
    if not user.is_authenticated or is_verified or user.kind == User.Kind.API_CLIENT:
        return PendingStep.NONE
    if has_confirmed_device(user):
        return PendingStep.VERIFY
    if is_two_factor_required(user):
        return PendingStep.ENROLL
    return PendingStep.NONE


def unconfirmed_totp_device(user: User) -> TOTPDevice | None:
    """The TOTP device the user started enrolling and has not confirmed yet."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
