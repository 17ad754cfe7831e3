"""Password change and reset: every other session and every refresh token of the user ends."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Outra-Senha-Bem-Longa-77"
PROTECTED = "/contas/senha/"


def _signed_in_with_password(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(PROTECTED).status_code == 200


def test_changing_the_password_keeps_this_session_and_ends_the_other_ones():
    user = UserFactory(username="carla")
    laptop = _signed_in_with_password("carla")
    phone = _signed_in_with_password("carla")

    response = laptop.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    assert _is_signed_in(laptop)
    assert not _is_signed_in(phone)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_changing_the_password_blacklists_every_refresh_token_of_the_user():
    user = UserFactory(username="carla")
    tokens = [RefreshToken.for_user(user) for _ in range(2)]
    someone_else = RefreshToken.for_user(UserFactory())
    client = _signed_in_with_password("carla")

    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    blacklisted = set(BlacklistedToken.objects.values_list("token__jti", flat=True))
    assert {token["jti"] for token in tokens} <= blacklisted
    assert someone_else["jti"] not in blacklisted


def test_a_wrong_current_password_changes_nothing_and_ends_no_session():
    user = UserFactory(username="carla")
    laptop = _signed_in_with_password("carla")
    phone = _signed_in_with_password("carla")
    RefreshToken.for_user(user)

    response = laptop.post(
        reverse("accounts:password_change"),
        {"old_password": "errada", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "field-errors" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert _is_signed_in(phone)
    assert not BlacklistedToken.objects.exists()


def test_a_weak_new_password_is_refused_in_portuguese():
    user = UserFactory(username="carla")
    client = _signed_in_with_password("carla")

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )

    assert response.status_code == 200
    assert "Esta senha é muito curta" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def _reset_link(mailoutbox) -> str:
    assert len(mailoutbox) == 1
    match = re.search(r"https?://[^/\s]+(/contas/senha/redefinir/\S+/)", mailoutbox[0].body)
    assert match, mailoutbox[0].body
    return match.group(1)


@pytest.mark.embedded
def test_password_reset_by_email_sets_the_new_password_and_ends_all_sessions_and_tokens(
    client, mailoutbox
):
    user = UserFactory(username="carla", email="carla@example.com")
    old_session = _signed_in_with_password("carla")
    refresh = RefreshToken.for_user(user)

    response = client.post(reverse("accounts:password_reset"), {"email": "carla@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox[0].to == ["carla@example.com"]
    assert "Recuperação de senha" in mailoutbox[0].subject
    form_url = client.get(_reset_link(mailoutbox))["Location"]  # Django hides the token
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not _is_signed_in(old_session)
    assert BlacklistedToken.objects.filter(token__jti=refresh["jti"]).exists()
    reused = client.get(form_url)
    assert "inválido" in reused.content.decode()


def test_password_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(
    client, mailoutbox
):
    response = client.post(reverse("accounts:password_reset"), {"email": "ninguem@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_machine_accounts_of_api_clients_never_receive_a_reset_link(client, mailoutbox):
    UserFactory(username="maquina", email="integracao@example.com", kind=User.Kind.API_CLIENT)

    client.post(reverse("accounts:password_reset"), {"email": "integracao@example.com"})

    assert mailoutbox == []
