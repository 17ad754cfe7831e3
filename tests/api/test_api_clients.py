"""API clients: hashed secrets shown once, client-credentials tokens, rotation, deactivation."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.accounts.models import ApiClient, TokenFamily, User
from apps.accounts.roles import Role
from apps.accounts.services import api_clients
from tests.accounts.factories import SalesChannelFactory
from tests.api.conftest import (
    API_CLIENTS_URL,
    CHANNELS_URL,
    bearer,
    obtain_client_tokens,
)

pytestmark = pytest.mark.django_db


def test_a_new_client_gets_a_machine_account_in_its_role_and_a_hashed_secret(make_api_client):
    channel = SalesChannelFactory()

    client, secret = make_api_client(role=Role.SALES, channel=channel)

    assert len(secret) >= 43
    assert secret not in client.secret_hash
    assert check_password(secret, client.secret_hash)
    user = client.user
    assert user.kind == User.Kind.API_CLIENT
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["sales"]
    assert client.channel == channel


@pytest.mark.embedded
def test_a_client_obtains_tokens_with_its_credentials_and_calls_the_api(api, make_api_client):
    client, secret = make_api_client(role=Role.SALES)

    response = obtain_client_tokens(api, client, secret)

    assert response.status_code == 200
    assert bearer(response.json()["access"]).get(CHANNELS_URL).status_code == 200
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_a_wrong_secret_gets_401_and_no_tokens(api, make_api_client):
    client, _secret = make_api_client()

    response = obtain_client_tokens(api, client, "nao-e-o-segredo")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"
    client.refresh_from_db()
    assert client.last_used_at is None
    assert not TokenFamily.objects.filter(user=client.user).exists()


def test_an_unknown_client_id_gets_the_same_answer_as_a_wrong_secret(api):
    response = api.post(
        "/api/v1/auth/client-token/",
        {"client_id": "cli_inexistente", "client_secret": "x"},
        format="json",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"


def test_a_deactivated_client_cannot_obtain_tokens_and_its_tokens_stop_working(
    api, make_api_client
):
    client, secret = make_api_client()
    access = obtain_client_tokens(api, client, secret).json()["access"]

    api_clients.deactivate_api_client(api_client=client)

    assert obtain_client_tokens(api, client, secret).status_code == 401
    assert bearer(access).get(CHANNELS_URL).status_code == 401
    assert TokenFamily.objects.filter(user=client.user, revoked_at=None).count() == 0


def test_rotating_the_secret_invalidates_the_old_secret_and_its_tokens(api, make_api_client):
    client, old_secret = make_api_client()
    old_tokens = obtain_client_tokens(api, client, old_secret).json()

    new_secret = api_clients.rotate_secret(api_client=client)

    assert new_secret != old_secret
    assert obtain_client_tokens(api, client, old_secret).status_code == 401
    assert bearer(old_tokens["access"]).get(CHANNELS_URL).status_code == 401
    refreshed = api.post(
        "/api/v1/auth/token/refresh/", {"refresh": old_tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    assert obtain_client_tokens(api, client, new_secret).status_code == 200


def test_admin_creates_a_client_through_the_api_and_sees_the_secret_only_once(as_staff):
    admin = as_staff(Role.ADMIN)
    channel = SalesChannelFactory()

    created = admin.post(
        API_CLIENTS_URL,
        {"name": "Parceiro X", "role": "sales", "channel": channel.pk},
        format="json",
    )

    assert created.status_code == 201
    body = created.json()
    secret = body["client_secret"]
    client = ApiClient.objects.get(client_id=body["client_id"])
    assert check_password(secret, client.secret_hash)
    assert body["role"] == "sales"
    assert body["channel"] == channel.pk
    listed = admin.get(API_CLIENTS_URL).json()["results"]
    assert [row["client_id"] for row in listed] == [client.client_id]
    assert "client_secret" not in listed[0]
    detail = admin.get(f"{API_CLIENTS_URL}{client.pk}/").json()
    assert "client_secret" not in detail
    assert secret not in str(detail)


def test_admin_rotates_a_secret_through_the_api(api, as_staff, make_api_client):
    client, old_secret = make_api_client()
    admin = as_staff(Role.ADMIN)

    response = admin.post(f"{API_CLIENTS_URL}{client.pk}/rotate-secret/")

    assert response.status_code == 200
    new_secret = response.json()["client_secret"]
    assert obtain_client_tokens(api, client, new_secret).status_code == 200
    assert obtain_client_tokens(api, client, old_secret).status_code == 401


def test_admin_deactivates_a_client_through_the_api(api, as_staff, make_api_client):
    client, secret = make_api_client()
    admin = as_staff(Role.ADMIN)

    response = admin.post(f"{API_CLIENTS_URL}{client.pk}/deactivate/")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert obtain_client_tokens(api, client, secret).status_code == 401


@pytest.mark.parametrize("role", [Role.SALES, Role.OPERATIONS, Role.AUDITOR])
def test_only_admins_create_clients(as_staff, role):
    caller = as_staff(role)

    response = caller.post(API_CLIENTS_URL, {"name": "X", "role": "admin"}, format="json")

    assert response.status_code == 403
    assert not ApiClient.objects.exists()


def test_non_admins_cannot_rotate_a_secret(api, as_staff, make_api_client):
    client, secret = make_api_client()
    hash_before = client.secret_hash
    operations = as_staff(Role.OPERATIONS)

    response = operations.post(f"{API_CLIENTS_URL}{client.pk}/rotate-secret/")

    assert response.status_code == 403
    client.refresh_from_db()
    assert client.secret_hash == hash_before
    assert obtain_client_tokens(api, client, secret).status_code == 200


def test_client_list_filters_by_role_and_activity(as_staff, make_api_client):
    sales, _ = make_api_client(role=Role.SALES, name="Vendas")
    finance, _ = make_api_client(role=Role.FINANCE, name="Financeiro")
    api_clients.deactivate_api_client(api_client=finance)
    admin = as_staff(Role.ADMIN)

    by_role = admin.get(API_CLIENTS_URL, {"role": "sales"}).json()["results"]
    active = admin.get(API_CLIENTS_URL, {"is_active": "true"}).json()["results"]
    searched = admin.get(API_CLIENTS_URL, {"search": "Financ"}).json()["results"]

    assert [row["id"] for row in by_role] == [sales.pk]
    assert [row["id"] for row in active] == [sales.pk]
    assert [row["id"] for row in searched] == [finance.pk]


def test_client_list_pages_by_cursor(as_staff, make_api_client):
    created = [make_api_client(name=f"Cliente {n}")[0] for n in range(5)]
    admin = as_staff(Role.ADMIN)

    first = admin.get(API_CLIENTS_URL, {"page_size": 2}).json()
    second = admin.get(first["next"]).json()

    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [client.pk for client in reversed(created)][:4]
    assert "cursor=" in first["next"]
    assert OutstandingToken.objects.filter(user__kind=User.Kind.API_CLIENT).count() == 0
