"""Rate limits per API client, per staff user and per address: 429 problem+json + Retry-After."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from apps.accounts.roles import Role
from tests.api.conftest import CHANNELS_URL, bearer, new_client, obtain_client_tokens

pytestmark = pytest.mark.django_db


def _rates(**rates: str):
    current = settings.REST_FRAMEWORK
    merged = {**current["DEFAULT_THROTTLE_RATES"], **rates}
    return override_settings(REST_FRAMEWORK={**current, "DEFAULT_THROTTLE_RATES": merged})


def _client_caller(make_api_client):
    client, secret = make_api_client(role=Role.SALES)
    return bearer(obtain_client_tokens(new_client(), client, secret).json()["access"])


def test_an_api_client_over_its_rate_gets_429_with_retry_after(make_api_client):
    caller = _client_caller(make_api_client)
    with _rates(client="3/minute"):
        statuses = [caller.get(CHANNELS_URL).status_code for _ in range(3)]
        refused = caller.get(CHANNELS_URL)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60


def test_one_clients_limit_does_not_slow_another_client(make_api_client):
    first = _client_caller(make_api_client)
    second = _client_caller(make_api_client)
    with _rates(client="2/minute"):
        for _ in range(3):
            first.get(CHANNELS_URL)
        assert first.get(CHANNELS_URL).status_code == 429

        assert second.get(CHANNELS_URL).status_code == 200


def test_a_staff_user_is_limited_by_the_user_rate(as_staff):
    caller = as_staff(Role.OPERATIONS)
    with _rates(user="2/minute", client="100/minute"):
        assert [caller.get(CHANNELS_URL).status_code for _ in range(2)] == [200, 200]
        refused = caller.get(CHANNELS_URL)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_sign_in_attempts_are_limited_per_address(api, staff):
    user = staff(Role.OPERATIONS)
    payload = {"username": user.username, "password": "errada"}
    with _rates(auth="2/minute"):
        for _ in range(2):
            assert api.post("/api/v1/auth/token/", payload, format="json").status_code == 401
        refused = api.post("/api/v1/auth/token/", payload, format="json")
        other_address = new_client().post("/api/v1/auth/token/", payload, format="json")

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert other_address.status_code == 401
