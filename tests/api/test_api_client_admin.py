"""The API client admin: creation and "Gerar novo segredo" show the secret once, via messages."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.accounts.models import ApiClient
from apps.accounts.roles import Role
from tests.api.conftest import obtain_client_tokens

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/apiclient/"
_SECRET = re.compile(r"segredo (\S+) —")


def _admin_browser(staff) -> Client:
    browser = Client()
    browser.force_login(staff(Role.ADMIN, is_staff=True))
    return browser


def _secrets_shown(response) -> list[str]:
    return [
        match.group(1)
        for message in get_messages(response.wsgi_request)
        if (match := _SECRET.search(str(message)))
    ]


def test_gerar_novo_segredo_shows_the_new_secret_once_and_ends_the_old_one(
    api, staff, make_api_client
):
    client, old_secret = make_api_client()
    browser = _admin_browser(staff)

    response = browser.post(
        CHANGELIST, {"action": "rotate_secrets", "_selected_action": [client.pk]}, follow=True
    )

    assert response.status_code == 200
    (shown,) = _secrets_shown(response)
    assert obtain_client_tokens(api, client, shown).status_code == 200
    assert obtain_client_tokens(api, client, old_secret).status_code == 401
    # Shown once: the next page carries no secret.
    assert _secrets_shown(browser.get(CHANGELIST)) == []


def test_creating_a_client_in_the_admin_shows_its_secret_once(api, staff):
    browser = _admin_browser(staff)
    form = browser.get(f"{CHANGELIST}add/")
    assert form.status_code == 200
    assert b'name="role_name"' in form.content

    response = browser.post(
        f"{CHANGELIST}add/", {"name": "ERP do parceiro", "role_name": "sales"}, follow=True
    )

    assert response.status_code == 200
    client = ApiClient.objects.get(name="ERP do parceiro")
    assert client.role.name == "sales"
    (shown,) = _secrets_shown(response)
    assert obtain_client_tokens(api, client, shown).status_code == 200


def test_an_operations_user_cannot_rotate_secrets_in_the_admin(api, staff, make_api_client):
    client, secret = make_api_client()
    browser = Client()
    browser.force_login(staff(Role.OPERATIONS, is_staff=True))

    response = browser.post(
        CHANGELIST, {"action": "rotate_secrets", "_selected_action": [client.pk]}, follow=True
    )

    assert response.status_code == 403
    assert _secrets_shown(response) == []
    assert obtain_client_tokens(api, client, secret).status_code == 200


def test_deactivating_in_the_admin_ends_the_clients_access(api, staff, make_api_client):
    client, secret = make_api_client()
    browser = _admin_browser(staff)

    browser.post(CHANGELIST, {"action": "deactivate_clients", "_selected_action": [client.pk]})

    client.refresh_from_db()
    assert client.is_active is False
    assert obtain_client_tokens(api, client, secret).status_code == 401
