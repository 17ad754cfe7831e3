"""Deactivating a user on the "Usuários" page ends its sessions and its API refresh tokens."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import TokenFamily
from apps.accounts.roles import Role
from apps.accounts.services import identity
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/contas/senha/"


def _sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.embedded
def test_deactivating_a_user_signs_it_out_everywhere_and_blacklists_its_refresh_tokens(
    admin_user, signed_in
):
    target = UserFactory(username="igor")
    laptop = _sign_in("igor")
    phone = _sign_in("igor")
    tokens = [RefreshToken.for_user(target) for _ in range(2)]
    family = TokenFamily.objects.create(user=target)
    admin = signed_in(admin_user)

    response = admin.post(reverse("accounts:user_deactivate", args=[target.pk]))

    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert laptop.get(STAFF_PAGE).status_code == 302
    assert phone.get(STAFF_PAGE).status_code == 302
    blacklisted = set(BlacklistedToken.objects.values_list("token__jti", flat=True))
    assert {token["jti"] for token in tokens} <= blacklisted
    family.refresh_from_db()
    assert family.revoked_at is not None
    assert family.revoked_reason == "user_deactivated"
    page = admin.get(reverse("accounts:user_detail", args=[target.pk])).content.decode()
    assert "Desativado" in page


def test_a_deactivated_user_that_is_reactivated_signs_in_again(admin_user, signed_in):
    target = UserFactory(username="igor", is_active=False)
    admin = signed_in(admin_user)

    admin.post(reverse("accounts:user_reactivate", args=[target.pk]))

    target.refresh_from_db()
    assert target.is_active
    assert _sign_in("igor").get(STAFF_PAGE).status_code == 200


def test_nobody_deactivates_its_own_account(admin_user, signed_in):
    admin = signed_in(admin_user)
    RefreshToken.for_user(admin_user)

    response = admin.post(reverse("accounts:user_deactivate", args=[admin_user.pk]), follow=True)

    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert "não pode desativar a sua própria conta" in response.content.decode()
    assert not BlacklistedToken.objects.exists()


def test_only_who_may_change_users_deactivates_them(signed_in):
    target = UserFactory(username="igor")
    operator = signed_in(UserFactory(roles=[Role.OPERATIONS]))
    auditor = signed_in(UserFactory(roles=[Role.AUDITOR]))
    RefreshToken.for_user(target)

    refused = [
        operator.post(reverse("accounts:user_deactivate", args=[target.pk])).status_code,
        auditor.post(reverse("accounts:user_deactivate", args=[target.pk])).status_code,
    ]

    assert refused == [403, 403]
    target.refresh_from_db()
    assert target.is_active
    assert not BlacklistedToken.objects.exists()


def test_ending_sessions_twice_changes_nothing_the_second_time():
    user = UserFactory()
    RefreshToken.for_user(user)
    TokenFamily.objects.create(user=user)
    first = identity.end_user_sessions(user, "password_changed")

    second = identity.end_user_sessions(user, "user_deactivated")

    assert (first.blacklisted_tokens, first.revoked_families) == (1, 1)
    assert (second.blacklisted_tokens, second.revoked_families) == (0, 0)
    assert TokenFamily.objects.get(user=user).revoked_reason == "password_changed"
