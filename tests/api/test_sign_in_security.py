"""Staff sign-in through the API: two-factor codes and the lockout after repeated failures."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import TokenFamily
from apps.accounts.roles import Role
from apps.accounts.services import two_factor
from tests.api.conftest import TOKEN_URL, obtain_staff_tokens

pytestmark = pytest.mark.django_db


def _enrolled(user):
    device = two_factor.start_totp_enrollment(user=user)
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"
    _device, backup_codes = two_factor.confirm_totp_device(user=user, token=code)
    return backup_codes


def test_a_user_with_two_factor_must_send_a_code(api, staff):
    user = staff(Role.FINANCE)
    _enrolled(user)

    response = obtain_staff_tokens(api, user.username)

    assert response.status_code == 401
    assert response.json()["code"] == "two_factor_code_required"
    assert not TokenFamily.objects.filter(user=user).exists()


def test_a_user_with_two_factor_gets_tokens_with_a_valid_code(api, staff):
    user = staff(Role.FINANCE)
    backup_codes = _enrolled(user)

    response = api.post(
        TOKEN_URL,
        {
            "username": user.username,
            "password": "Correta-Cavalo-Bateria-42",
            "otp": backup_codes[0],
        },
        format="json",
    )

    assert response.status_code == 200
    assert TokenFamily.objects.filter(user=user).count() == 1


def test_a_wrong_two_factor_code_is_refused(api, staff):
    user = staff(Role.FINANCE)
    _enrolled(user)

    response = api.post(
        TOKEN_URL,
        {"username": user.username, "password": "Correta-Cavalo-Bateria-42", "otp": "000000"},
        format="json",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "two_factor_code_invalid"
    assert not TokenFamily.objects.filter(user=user).exists()


@override_settings(OTP_REQUIRED_ROLES=["admin"])
def test_a_role_that_requires_two_factor_must_enroll_before_using_the_api(api, staff):
    user = staff(Role.ADMIN)

    response = obtain_staff_tokens(api, user.username)

    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_enrollment_required"
    assert not TokenFamily.objects.filter(user=user).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_username_out_with_429(api, staff):
    user = staff(Role.OPERATIONS)
    for _ in range(3):
        assert obtain_staff_tokens(api, user.username, "errada").status_code in (401, 429)

    response = obtain_staff_tokens(api, user.username)

    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"
    assert int(response["Retry-After"]) > 0
    assert not TokenFamily.objects.filter(user=user).exists()
