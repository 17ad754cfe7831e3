"""Fixtures of the members tests: role groups with their members permissions, users, clients."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import SalesChannel
from apps.accounts.roles import Role
from apps.accounts.services import api_clients, roles, tokens
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory
from tests.members.support import ensure_member_permissions


@pytest.fixture(autouse=True)
def _member_roles(db: Any) -> None:
    ensure_member_permissions()


def _address() -> str:
    return "10." + ".".join(str(random.randint(1, 254)) for _ in range(3))


@pytest.fixture
def staff_user() -> Callable[..., Any]:
    """A staff user holding ``role``."""

    def make(role: Role = Role.OPERATIONS) -> Any:
        return roles.assign_roles(user=UserFactory(), roles=[role])

    return make


@pytest.fixture
def browser() -> Callable[[Any], Client]:
    """A page client signed in as ``user``."""

    def make(user: Any) -> Client:
        client = Client(REMOTE_ADDR=_address())
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_as() -> Callable[[Any], APIClient]:
    """An API client carrying a real access token of ``user``."""

    def make(user: Any) -> APIClient:
        client = APIClient(REMOTE_ADDR=_address())
        access = tokens.issue_token_pair(user=user).access
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return make


@pytest.fixture
def channel_client() -> Callable[[SalesChannel], Any]:
    """The machine user of a sales API client bound to ``channel``."""

    def make(channel: SalesChannel) -> Any:
        client, _secret = api_clients.create_api_client(
            name=f"Integrador {channel.code}", role=Role.SALES, channel=channel, created_by=None
        )
        return client.user

    return make


@pytest.fixture
def representative() -> Callable[..., Any]:
    """The user of a sales representative of ``channel`` (a new channel by default)."""

    def make(channel: SalesChannel | None = None) -> Any:
        rep = SalesRepresentativeFactory(channel=channel or SalesChannelFactory())
        return roles.assign_roles(user=rep.user, roles=[Role.SALES])

    return make
