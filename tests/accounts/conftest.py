"""Fixtures of the accounts tests: staff users by role, signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.roles import Role
from tests.accounts.factories import UserFactory


@pytest.fixture
def admin_user(db):
    """A staff user holding the admin role (not a superuser)."""
    return UserFactory(username="ana.admin", full_name="Ana Admin", roles=[Role.ADMIN])


@pytest.fixture
def signed_in(db):
    """Return a client signed in as the given user (session made with force_login)."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in
