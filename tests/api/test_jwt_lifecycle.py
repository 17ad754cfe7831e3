"""JWT lifecycle: sign-in, expiry, rotation, reuse detection (family revocation), logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import TokenFamily
from apps.accounts.roles import Role
from apps.accounts.services import identity
from tests.api.conftest import (
    CHANNELS_URL,
    LOGOUT_URL,
    REFRESH_URL,
    bearer,
    obtain_staff_tokens,
)

pytestmark = pytest.mark.django_db


def _refresh(api, token):
    return api.post(REFRESH_URL, {"refresh": token}, format="json")


def test_staff_signs_in_and_calls_the_api_with_the_access_token(api, staff):
    user = staff(Role.OPERATIONS)

    response = obtain_staff_tokens(api, user.username)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert bearer(body["access"]).get(CHANNELS_URL).status_code == 200
    assert TokenFamily.objects.filter(user=user, revoked_at=None).count() == 1


def test_a_wrong_password_gets_401_and_no_tokens(api, staff):
    user = staff(Role.OPERATIONS)

    response = obtain_staff_tokens(api, user.username, "senha-errada")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_credentials"
    assert not TokenFamily.objects.filter(user=user).exists()
    assert not OutstandingToken.objects.filter(user=user).exists()


def test_an_access_token_past_its_lifetime_is_refused(api, staff):
    user = staff(Role.OPERATIONS)
    fresh = obtain_staff_tokens(api, user.username).json()["access"]
    assert bearer(fresh).get(CHANNELS_URL).status_code == 200

    # A token whose lifetime already ended (no sleeping: a one-second lifetime raced the clock,
    # as JWT times are whole seconds).
    lapsed = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(seconds=-1)}
    with override_settings(SIMPLE_JWT=lapsed):
        access = obtain_staff_tokens(api, user.username).json()["access"]
    response = bearer(access).get(CHANNELS_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_refresh_token_cannot_be_rotated(api, staff):
    user = staff(Role.OPERATIONS)
    expired = {**settings.SIMPLE_JWT, "REFRESH_TOKEN_LIFETIME": timedelta(seconds=-1)}
    with override_settings(SIMPLE_JWT=expired):
        refresh = obtain_staff_tokens(api, user.username).json()["refresh"]

    response = _refresh(api, refresh)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert OutstandingToken.objects.filter(user=user).count() == 1


def test_refresh_rotates_the_token_and_blacklists_the_one_presented(api, staff):
    user = staff(Role.OPERATIONS)
    first = obtain_staff_tokens(api, user.username).json()

    response = _refresh(api, first["refresh"])

    assert response.status_code == 200
    second = response.json()
    assert second["refresh"] != first["refresh"]
    assert bearer(second["access"]).get(CHANNELS_URL).status_code == 200
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1
    assert OutstandingToken.objects.filter(user=user).count() == 2
    # One sign-in, one family, still active.
    assert list(TokenFamily.objects.filter(user=user).values_list("revoked_at", flat=True)) == [
        None
    ]


def test_reusing_a_rotated_refresh_token_is_refused_and_revokes_the_whole_family(api, staff):
    user = staff(Role.OPERATIONS)
    first = obtain_staff_tokens(api, user.username).json()
    second = _refresh(api, first["refresh"]).json()
    other_session = obtain_staff_tokens(api, user.username).json()

    response = _refresh(api, first["refresh"])

    assert response.status_code == 401
    assert response.json()["code"] == "token_reused"
    family = TokenFamily.objects.get(user=user, revoked_reason="reuse")
    assert family.revoked_at is not None
    # The thief's (or the victim's) newer tokens of that family are dead too...
    assert _refresh(api, second["refresh"]).status_code == 401
    assert bearer(second["access"]).get(CHANNELS_URL).status_code == 401
    assert bearer(first["access"]).get(CHANNELS_URL).status_code == 401
    # ...while another sign-in of the same user goes on.
    assert bearer(other_session["access"]).get(CHANNELS_URL).status_code == 200
    assert _refresh(api, other_session["refresh"]).status_code == 200


def test_logout_blacklists_the_refresh_token_and_ends_its_access_tokens(api, staff):
    user = staff(Role.OPERATIONS)
    tokens = obtain_staff_tokens(api, user.username).json()

    response = api.post(LOGOUT_URL, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1
    assert TokenFamily.objects.get(user=user).revoked_reason == "logout"
    assert bearer(tokens["access"]).get(CHANNELS_URL).status_code == 401
    assert _refresh(api, tokens["refresh"]).status_code == 401
    # A logout does not turn into a "reuse" revocation afterwards.
    assert TokenFamily.objects.get(user=user).revoked_reason == "logout"


def test_logout_with_a_forged_token_is_refused_and_ends_nothing(api, staff):
    user = staff(Role.OPERATIONS)
    tokens = obtain_staff_tokens(api, user.username).json()
    header, payload, _signature = tokens["refresh"].split(".")

    response = api.post(LOGOUT_URL, {"refresh": f"{header}.{payload}.AAAA"}, format="json")

    assert response.status_code == 401
    assert TokenFamily.objects.get(user=user).revoked_at is None
    assert bearer(tokens["access"]).get(CHANNELS_URL).status_code == 200


def test_a_password_change_ends_the_users_api_tokens(api, staff):
    user = staff(Role.OPERATIONS)
    tokens = obtain_staff_tokens(api, user.username).json()

    identity.change_password(user=user, new_password="Outra-Senha-Bem-Longa-77")

    assert bearer(tokens["access"]).get(CHANNELS_URL).status_code == 401
    assert _refresh(api, tokens["refresh"]).status_code == 401


def test_an_access_token_is_not_accepted_as_a_refresh_token(api, staff):
    user = staff(Role.OPERATIONS)
    tokens = obtain_staff_tokens(api, user.username).json()

    response = _refresh(api, tokens["access"])

    assert response.status_code == 401
    assert BlacklistedToken.objects.filter(token__user=user).count() == 0
