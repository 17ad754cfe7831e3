"""Fixtures of the staff-UI tests: staff users with a role, and clients signed in as them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from tests.ui.support import ensure_roles


@pytest.fixture
def make_staff(db) -> Callable[..., User]:
    """Create a staff user holding the given roles (Django groups made by the migration)."""
    ensure_roles()
    counter = iter(range(1, 10_000))

    def _make(*roles: Role, username: str | None = None, full_name: str = "", **extra) -> User:
        user = User.objects.create_user(
            username=username or f"colaborador{next(counter)}",
            password="senha-de-teste-123",
            full_name=full_name,
            **extra,
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return _make


@pytest.fixture
def signed_in(make_staff) -> Callable[[User], Client]:
    """A test client signed in as ``user`` (force_login: django-axes needs a real request)."""

    def _client(user: User, **client_kwargs) -> Client:
        client = Client(**client_kwargs)
        client.force_login(user)
        return client

    return _client
