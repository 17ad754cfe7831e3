"""Two-factor writes: enrolling a TOTP app, confirming it, backup codes, verifying a code.

TOTP devices and backup codes are django-otp's models. A device starts unconfirmed (the
secret is shown as a QR code) and is confirmed by the first valid code; confirmation issues
ten single-use backup codes, shown once.
"""

from __future__ import annotations

from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from consorcio.errors import DomainError

TOTP_DEVICE_NAME = "Aplicativo autenticador"
BACKUP_DEVICE_NAME = "Códigos de recuperação"
BACKUP_CODE_COUNT = 10


class InvalidTwoFactorCodeError(DomainError):
    """The code is wrong, expired, already used, or tried too often in a row."""

    code = "invalid_two_factor_code"
    title = "Código recusado"
    default_detail = "Código inválido ou expirado. Confira o aplicativo e tente de novo."


class AlreadyEnrolledError(DomainError):
    """The user already has a confirmed authenticator app."""

    code = "two_factor_already_enrolled"
    status = 409
    default_detail = "A verificação em duas etapas já está configurada para esta conta."


@transaction.atomic
def start_totp_enrollment(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device to show as a QR code (created on the first call).

    Showing the page again keeps the same secret until it is confirmed, so a code from an
    app that already scanned it still works.
    """
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise AlreadyEnrolledError()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending TOTP device with a code from the app; returns it and backup codes.

    The backup codes are returned once and never stored in clear anywhere else the user can
    read them again.
    """
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None or not device.verify_token(token.strip()):
        raise InvalidTwoFactorCodeError()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device, regenerate_backup_codes(user=user)


@transaction.atomic
def regenerate_backup_codes(*, user: User) -> list[str]:
    """Replace the user's backup codes with ten new single-use ones; returns them."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify_second_factor(*, user: User, token: str) -> Device:
    """The confirmed device (TOTP app or a backup code) that accepts the code.

    django-otp throttles repeated failures per device; a used backup code is consumed.
    """
    device = match_token(user, token.strip().replace(" ", ""))
    if device is None:
        raise InvalidTwoFactorCodeError()
    return device


@transaction.atomic
def reset_two_factor(*, user: User) -> int:
    """Remove every second-factor device of the user (lost phone); returns how many.

    The user enrolls again at its next sign-in when its role requires 2FA.
    """
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed
