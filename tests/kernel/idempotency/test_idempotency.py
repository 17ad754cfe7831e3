"""Idempotency-Key on API POSTs: replay, mismatch, expiry, retention and key rules."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from consorcio.idempotency import REPLAYED_HEADER, purge_expired, request_fingerprint
from consorcio.models import IdempotencyRecord

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.kernel.idempotency.urls")]


@pytest.fixture
def staff() -> User:
    return User.objects.create_user(username="operadora", password="senha-de-teste")


@pytest.fixture
def api(staff: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client


def post(api: APIClient, body: dict[str, Any], key: str | None, path: str = "/users") -> Any:
    headers: dict[str, Any] = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.post(path, body, format="json", **headers)


def usernames(name: str) -> int:
    return User.objects.filter(username=name).count()


@pytest.mark.embedded
def test_replay_returns_the_first_response_and_creates_nothing_new(api: APIClient) -> None:
    first = post(api, {"username": "ana"}, "chave-1")
    again = post(api, {"username": "ana"}, "chave-1")

    assert first.status_code == 201
    assert REPLAYED_HEADER not in first
    assert again.status_code == 201
    assert again[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    assert again["Content-Type"] == first["Content-Type"]
    assert usernames("ana") == 1


def test_json_key_order_and_spacing_do_not_make_a_different_request(api: APIClient) -> None:
    first = api.post(
        "/users",
        b'{"username": "bia", "pause": 0}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    again = api.post(
        "/users",
        b'{"pause":0,"username":"bia"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert again[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()


def test_same_key_with_a_different_body_is_refused_and_changes_nothing(api: APIClient) -> None:
    post(api, {"username": "caio"}, "chave-2")
    stored = IdempotencyRecord.objects.get(key="chave-2")

    response = post(api, {"username": "davi"}, "chave-2")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_mismatch"
    assert usernames("davi") == 0
    assert usernames("caio") == 1
    after = IdempotencyRecord.objects.get(key="chave-2")
    assert (after.request_fingerprint, bytes(after.response_body or b"")) == (
        stored.request_fingerprint,
        bytes(stored.response_body or b""),
    )


def test_same_key_on_another_endpoint_is_a_different_request(api: APIClient) -> None:
    post(api, {"username": "edu"}, "chave-3")

    response = post(api, {"username": "edu"}, "chave-3", path="/users-required")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_mismatch"
    assert usernames("edu") == 1


def test_expired_key_may_be_used_again_for_a_new_request(api: APIClient) -> None:
    post(api, {"username": "fabi"}, "chave-4")
    IdempotencyRecord.objects.filter(key="chave-4").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = post(api, {"username": "gil"}, "chave-4")

    assert response.status_code == 201
    assert REPLAYED_HEADER not in response
    assert usernames("gil") == 1
    record = IdempotencyRecord.objects.get(key="chave-4")
    assert record.expires_at > timezone.now() + timedelta(hours=23)


def test_each_owner_has_its_own_keys(api: APIClient, staff: User) -> None:
    other = APIClient()
    other.force_authenticate(User.objects.create_user(username="outro", password="x"))

    mine = post(api, {"username": "hugo"}, "mesma-chave")
    theirs = post(other, {"username": "iara"}, "mesma-chave")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED_HEADER not in theirs
    assert usernames("hugo") == usernames("iara") == 1
    owners = set(IdempotencyRecord.objects.values_list("owner", flat=True))
    assert f"user:{staff.pk}" in owners
    assert len(owners) == 2


def test_validation_refusal_is_stored_and_replayed(api: APIClient) -> None:
    first = post(api, {"hold": True}, "chave-5")
    again = post(api, {"hold": True}, "chave-5")

    assert first.status_code == again.status_code == 400
    assert first.json()["code"] == "validation_error"
    assert again[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()


def test_refused_action_is_rolled_back_and_its_refusal_replayed(api: APIClient) -> None:
    first = post(api, {"username": "recusar"}, "chave-6")
    again = post(api, {"username": "recusar"}, "chave-6")

    assert first.status_code == again.status_code == 409
    assert again[REPLAYED_HEADER] == "true"
    assert usernames("recusar") == 0


def test_server_error_stores_nothing_so_the_client_may_retry_with_the_key(
    api: APIClient,
) -> None:
    api.raise_request_exception = False

    crashed = post(api, {"username": "falha"}, "chave-7")

    assert crashed.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="chave-7").exists()
    assert usernames("falha") == 0
    retried = api.post(
        "/users",
        {"username": "falha"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="chave-7",
        HTTP_X_TEST_RECOVER="1",
    )
    assert retried.status_code == 201
    assert REPLAYED_HEADER not in retried
    assert usernames("falha") == 1


def test_a_first_attempt_that_died_midway_runs_again(api: APIClient, staff: User) -> None:
    body = {"username": "joao"}
    now = timezone.now()
    # What a process killed mid-view leaves: the claim committed, the view's work rolled back.
    IdempotencyRecord.objects.create(
        owner=f"user:{staff.pk}",
        key="chave-8",
        method="POST",
        path="/users",
        request_fingerprint=request_fingerprint(
            "POST", "/users", json.dumps(body).encode(), "application/json"
        ),
        created_at=now,
        expires_at=now + timedelta(hours=24),
    )

    response = post(api, body, "chave-8")

    assert response.status_code == 201
    assert REPLAYED_HEADER not in response
    assert usernames("joao") == 1
    assert IdempotencyRecord.objects.get(key="chave-8").state == "completed"


def test_required_key_missing_is_refused_and_nothing_created(api: APIClient) -> None:
    response = post(api, {"username": "lia"}, None, path="/users-required")

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert usernames("lia") == 0


def test_without_a_key_an_optional_endpoint_works_and_stores_nothing(api: APIClient) -> None:
    response = post(api, {"username": "mel"}, None)

    assert response.status_code == 201
    assert usernames("mel") == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "acentuação"])
def test_invalid_key_is_refused_and_nothing_created(api: APIClient, key: str) -> None:
    response = post(api, {"username": "nina"}, key)

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert usernames("nina") == 0
    assert not IdempotencyRecord.objects.exists()


def test_quoted_key_is_the_same_key_as_the_bare_one(api: APIClient) -> None:
    post(api, {"username": "otto"}, "abc-123")

    again = post(api, {"username": "otto"}, '"abc-123"')

    assert again[REPLAYED_HEADER] == "true"
    assert usernames("otto") == 1


def test_function_views_beneath_api_view_are_idempotent_too(api: APIClient) -> None:
    first = post(api, {"username": "paula"}, "chave-9", path="/users-function")
    again = post(api, {"username": "paula"}, "chave-9", path="/users-function")

    assert first.status_code == 201
    assert again[REPLAYED_HEADER] == "true"
    assert usernames("paula") == 1


def test_purge_deletes_only_expired_records(staff: User) -> None:
    now = timezone.now()

    def record(key: str, expires_in: timedelta) -> None:
        IdempotencyRecord.objects.create(
            owner=f"user:{staff.pk}",
            key=key,
            method="POST",
            path="/users",
            request_fingerprint="0" * 64,
            created_at=now - timedelta(hours=24),
            expires_at=now + expires_in,
        )

    record("vencida-1", -timedelta(hours=1))
    record("vencida-2", timedelta(0))
    record("vigente", timedelta(seconds=1))

    assert purge_expired(now=now) == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["vigente"]
    assert purge_expired(now=now) == 0
