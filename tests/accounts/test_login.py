"""Signing in and out through the real pages (django-axes in the path, sessions in the DB)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/contas/entrar/"


@pytest.mark.embedded
def test_staff_user_signs_in_with_username_and_password_and_reaches_the_next_page(client):
    user = UserFactory(username="bruno")

    response = client.post(
        f"{LOGIN}?next=/contas/senha/",
        {"username": "bruno", "password": PASSWORD, "next": "/contas/senha/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/contas/senha/"
    assert client.get("/contas/senha/").status_code == 200
    assert int(client.session["_auth_user_id"]) == user.pk


def test_the_login_page_is_in_portuguese(client):
    response = client.get(LOGIN)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Entrar" in content
    assert "Esqueci minha senha" in content
    assert 'lang="pt-BR"' in content


def test_a_wrong_password_is_refused_with_a_portuguese_message_and_no_session(client):
    UserFactory(username="bruno")

    response = client.post(LOGIN, {"username": "bruno", "password": "errada"})

    assert response.status_code == 200
    assert "Usuário ou senha incorretos" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_disabled_user_cannot_sign_in_even_with_the_right_password(client):
    UserFactory(username="bruno", is_active=False)

    response = client.post(LOGIN, {"username": "bruno", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_next_url_pointing_to_another_site_is_ignored(client):
    UserFactory(username="bruno")

    response = client.post(
        LOGIN, {"username": "bruno", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_is_a_post_that_ends_the_session(client, signed_in):
    user = UserFactory()
    client = signed_in(user)

    refused = client.get(reverse("accounts:logout"))
    assert refused.status_code == 405
    assert client.get("/contas/senha/").status_code == 200

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    after = client.get("/contas/senha/")
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("accounts:login"))


def test_the_admin_sign_in_page_sends_to_the_staff_sign_in_keeping_next(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/admin/"


def test_pages_need_a_signed_in_user(client):
    response = client.get(reverse("accounts:channel_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_session_cookie_is_http_only_and_expires_as_configured(client, settings):
    settings.SESSION_COOKIE_AGE = 1800
    UserFactory(username="bruno")

    response = client.post(LOGIN, {"username": "bruno", "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["max-age"] == 1800
