"""Login lockout (django-axes) keyed on the pair username + client address.

Requests reach the app as in production: from the ingress (REMOTE_ADDR is the ingress pod)
with X-Forwarded-For carrying the address the ingress saw, and the production settings for
reading it. One attacker locks only that username from its own address: the same user from
elsewhere and everyone else behind the same ingress still sign in.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

INGRESS = "10.0.0.5"  # every request reaches the app from the ingress pod
ATTACKER = "177.139.233.139"
OFFICE = "200.160.2.3"
COLLEAGUE = "189.6.40.12"


@pytest.fixture
def behind_ingress(settings):
    # The production defaults (config/settings/production.py), with a small limit.
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]


def _attempt(username: str, password: str, client_address: str) -> tuple[Client, int, str]:
    client = Client(REMOTE_ADDR=INGRESS, HTTP_X_FORWARDED_FOR=client_address)
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client, response.status_code, response.content.decode()


def _fail(username: str, client_address: str, times: int) -> None:
    for _ in range(times):
        _attempt(username, "errada", client_address)


@pytest.mark.embedded
def test_repeated_failures_lock_that_username_from_that_address_with_a_portuguese_page(
    behind_ingress,
):
    UserFactory(username="diana")
    _fail("diana", ATTACKER, 3)

    client, status, content = _attempt("diana", PASSWORD, ATTACKER)

    assert status == 429
    assert "Acesso temporariamente bloqueado" in content
    assert "_auth_user_id" not in client.session


def test_the_same_username_still_signs_in_from_another_address(behind_ingress):
    UserFactory(username="diana")
    _fail("diana", ATTACKER, 3)

    client, status, _ = _attempt("diana", PASSWORD, OFFICE)

    assert status == 302
    assert "_auth_user_id" in client.session


def test_other_users_behind_the_same_ingress_are_not_locked_out(behind_ingress):
    UserFactory(username="diana")
    UserFactory(username="eduardo")
    _fail("diana", ATTACKER, 3)

    client, status, _ = _attempt("eduardo", PASSWORD, COLLEAGUE)

    assert status == 302
    assert "_auth_user_id" in client.session


def test_failures_below_the_limit_do_not_lock_and_a_success_clears_them(behind_ingress):
    UserFactory(username="diana")
    _fail("diana", OFFICE, 2)

    _, status, _ = _attempt("diana", PASSWORD, OFFICE)
    _fail("diana", OFFICE, 2)
    _, second_status, _ = _attempt("diana", PASSWORD, OFFICE)

    assert status == 302
    assert second_status == 302


def test_the_lockout_records_the_client_address_not_the_ingress(behind_ingress):
    UserFactory(username="diana")

    _fail("diana", ATTACKER, 1)

    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        ("diana", ATTACKER)
    ]


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_lockout(settings):
    # Default (development) settings trust only REMOTE_ADDR: an attacker rotating
    # X-Forwarded-For values is still one address.
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="diana")
    for number in range(3):
        Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}").post(
            reverse("accounts:login"), {"username": "diana", "password": "errada"}
        )

    response = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99").post(
        reverse("accounts:login"), {"username": "diana", "password": PASSWORD}
    )

    assert response.status_code == 429
