"""Fixtures of the documents tests: users by role, clients, sample files, a clean storage."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.accounts.services import api_clients, roles, tokens
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory
from tests.support.migration_data import restore_migration_data

# The smallest files the sniffer recognises, as a scanner or a PDF writer would start them.
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.fixture(autouse=True)
def _document_roles(db: Any) -> None:
    restore_migration_data()


def stored_files() -> list[str]:
    """Every file in the local documents storage (relative paths), sorted."""
    root = Path(storages["documents"].location)  # type: ignore[attr-defined]
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def files_before() -> list[str]:
    """The storage's files before the test (the directory is shared by the test run)."""
    return stored_files()


def _address() -> str:
    return "10." + ".".join(str(random.randint(1, 254)) for _ in range(3))


@pytest.fixture
def staff_user() -> Callable[..., Any]:
    """A staff user holding ``role`` (operations by default)."""

    def make(role: Role = Role.OPERATIONS) -> Any:
        return roles.assign_roles(user=UserFactory(), roles=[role])

    return make


@pytest.fixture
def representative() -> Callable[..., Any]:
    """The user of a sales representative of ``channel`` (a new channel by default)."""

    def make(channel: Any = None) -> Any:
        rep = SalesRepresentativeFactory(channel=channel or SalesChannelFactory())
        return roles.assign_roles(user=rep.user, roles=[Role.SALES])

    return make


@pytest.fixture
def channel_client() -> Callable[[Any], Any]:
    """The machine user of a sales API client bound to ``channel``."""

    def make(channel: Any) -> Any:
        client, _secret = api_clients.create_api_client(
            name=f"Integrador {channel.code}", role=Role.SALES, channel=channel, created_by=None
        )
        return client.user

    return make


@pytest.fixture
def browser() -> Callable[[Any], Client]:
    """A page client signed in as ``user`` (anonymous with ``None``)."""

    def make(user: Any) -> Client:
        client = Client(REMOTE_ADDR=_address())
        if user is not None:
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
