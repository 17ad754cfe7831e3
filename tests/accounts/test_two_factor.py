"""TOTP two-factor authentication: enrollment with a QR code, sign-in with a real code,
backup codes, and the roles that must use it (settings.OTP_REQUIRED_ROLES)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.roles import Role
from apps.accounts.services import two_factor
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/contas/senha/"
SETUP = "/contas/duas-etapas/"
VERIFY = "/contas/duas-etapas/verificar/"


def _code(device: TOTPDevice) -> str:
    # The code an authenticator app shows now, computed from the device's own secret.
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def _sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.embedded
def test_enrollment_shows_a_qr_code_then_a_real_code_confirms_it_and_backup_codes_appear_once(
    signed_in,
):
    user = UserFactory()
    client = signed_in(user)

    page = client.get(SETUP)
    content = page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert "<svg" in content
    assert "otpauth" not in content  # the secret travels only inside the QR code and as text
    assert not device.confirmed
    shown_secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', content).group(1)
    assert shown_secret.replace(" ", "")

    response = client.post(SETUP, {"token": _code(device)})

    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert client.get(STAFF_PAGE).status_code == 200
    again = client.get(SETUP).content.decode()
    assert "está ativa" in again
    assert not any(code in again for code in codes)


def test_a_wrong_code_does_not_confirm_the_device():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(SETUP, {"token": wrong})

    assert response.status_code == 200
    assert "Código inválido" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.exists()


@pytest.mark.embedded
def test_a_user_with_a_device_signs_in_with_password_then_the_current_code():
    user = UserFactory(username="fabio")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)

    client = _sign_in("fabio")
    blocked = client.get(STAFF_PAGE)
    response = client.post(
        f"{VERIFY}?next={STAFF_PAGE}", {"token": _code(device), "next": STAFF_PAGE}
    )

    assert blocked.status_code == 302
    assert blocked["Location"] == f"{VERIFY}?next=%2Fcontas%2Fsenha%2F"
    assert response.status_code == 302
    assert response["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200


def test_a_wrong_code_at_sign_in_keeps_every_staff_page_closed():
    user = UserFactory(username="fabio")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = _sign_in("fabio")
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"token": wrong})

    assert response.status_code == 200
    assert "Código inválido" in response.content.decode()
    assert client.get(STAFF_PAGE).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_a_backup_code_signs_in_once_and_is_then_used_up():
    user = UserFactory(username="fabio")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    first = _sign_in("fabio")
    codes = two_factor.regenerate_backup_codes(user=user)

    ok = first.post(VERIFY, {"token": codes[0]})
    second = _sign_in("fabio")
    reused = second.post(VERIFY, {"token": codes[0]})

    assert ok.status_code == 302
    assert first.get(STAFF_PAGE).status_code == 200
    assert reused.status_code == 200
    assert second.get(STAFF_PAGE).status_code == 302
    assert StaticToken.objects.count() == 9


@pytest.fixture
def finance_requires_two_factor(settings):
    settings.OTP_REQUIRED_ROLES = [Role.FINANCE.value]


def test_a_finance_user_must_enroll_before_any_staff_page_or_the_admin(
    finance_requires_two_factor,
):
    UserFactory(username="gabi", roles=[Role.FINANCE], is_staff=True)
    client = _sign_in("gabi")

    page = client.get(reverse("accounts:channel_list"))
    admin = client.get("/admin/")

    assert page.status_code == 302
    assert page["Location"].startswith(f"{SETUP}?next=")
    assert admin.status_code == 302
    assert admin["Location"].startswith(f"{SETUP}?next=")
    setup = client.get(SETUP)
    assert "O seu papel exige" in setup.content.decode()


def test_once_enrolled_the_finance_user_reaches_its_pages(finance_requires_two_factor):
    user = UserFactory(username="gabi", roles=[Role.FINANCE])
    client = _sign_in("gabi")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)

    client.post(SETUP, {"token": _code(device)})

    assert client.get(reverse("accounts:channel_list")).status_code == 200


def test_probes_logout_and_the_api_stay_reachable_while_the_step_is_pending(
    finance_requires_two_factor,
):
    UserFactory(username="gabi", roles=[Role.FINANCE])
    client = _sign_in("gabi")

    health = client.get("/health/live")
    api = client.get(f"/api/v1/jobs/{uuid.uuid4()}/")
    logout = client.post(reverse("accounts:logout"))

    assert health.status_code == 200
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    assert logout.status_code == 302
    assert "_auth_user_id" not in client.session


def test_roles_not_listed_sign_in_without_a_second_factor(finance_requires_two_factor):
    UserFactory(username="hugo", roles=[Role.SALES])
    client = _sign_in("hugo")

    assert client.get(reverse("accounts:channel_list")).status_code == 200


def test_without_required_roles_a_finance_user_needs_no_second_factor(settings):
    settings.OTP_REQUIRED_ROLES = []
    UserFactory(username="gabi", roles=[Role.FINANCE])
    client = _sign_in("gabi")

    assert client.get(reverse("accounts:channel_list")).status_code == 200


def test_superusers_must_enroll_when_any_role_requires_two_factor(finance_requires_two_factor):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    client = _sign_in("root")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
