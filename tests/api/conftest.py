"""Fixtures of the API tests: staff users by role, API clients with their secrets, tokens."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiClient, SalesChannel
from apps.accounts.roles import Role
from apps.accounts.services import api_clients
from tests.accounts.factories import PASSWORD, UserFactory
from tests.e2e.conftest import (  # noqa: F401  (the browser tests' fixtures: Chromium, a page)
    assert_no_csp_violations,
    browser,
    page,
)
from tests.ui.support import ensure_roles

TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
LOGOUT_URL = "/api/v1/auth/logout/"
CLIENT_TOKEN_URL = "/api/v1/auth/client-token/"
CHANNELS_URL = "/api/v1/sales-channels/"
API_CLIENTS_URL = "/api/v1/api-clients/"


@pytest.fixture(autouse=True)
def _role_groups(db: Any) -> None:
    """The role groups of migration 0003 (a transactional test elsewhere may have flushed them)."""
    ensure_roles()


def unique_address() -> str:
    """A random private IPv4 address: throttles and lockouts keyed on it never leak between
    tests (or parallel runs sharing Redis)."""
    return "10." + ".".join(str(random.randint(1, 254)) for _ in range(3))


def new_client(**defaults: Any) -> APIClient:
    """A DRF test client from its own address."""
    return APIClient(REMOTE_ADDR=unique_address(), **defaults)


@pytest.fixture
def api() -> APIClient:
    """A DRF test client with no credentials, from its own address."""
    return new_client()


@pytest.fixture
def staff(db: Any) -> Callable[..., Any]:
    """Make a staff user holding the given roles (password ``PASSWORD``)."""

    def make(*roles: Role, **fields: Any) -> Any:
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def make_api_client(db: Any) -> Callable[..., tuple[ApiClient, str]]:
    """Create an API client through the service; returns it and its secret."""

    def make(
        role: Role = Role.SALES, channel: SalesChannel | None = None, name: str = "Integrador"
    ) -> tuple[ApiClient, str]:
        return api_clients.create_api_client(name=name, role=role, channel=channel, created_by=None)

    return make


def obtain_staff_tokens(api: APIClient, username: str, password: str = PASSWORD) -> Any:
    """POST the staff sign-in; the response."""
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def obtain_client_tokens(api: APIClient, client: ApiClient, secret: str) -> Any:
    """POST the client-credentials sign-in; the response."""
    return api.post(
        CLIENT_TOKEN_URL,
        {"client_id": client.client_id, "client_secret": secret},
        format="json",
    )


def bearer(access: str) -> APIClient:
    """A fresh test client sending ``Authorization: Bearer <access>``."""
    client = new_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def as_staff(staff: Callable[..., Any]) -> Callable[..., APIClient]:
    """A test client authenticated by a real token of a new staff user with these roles."""

    def make(*roles: Role) -> APIClient:
        user = staff(*roles)
        response = obtain_staff_tokens(new_client(), user.username)
        assert response.status_code == 200, response.content
        return bearer(response.json()["access"])

    return make
