"""A NUL character in a query string is refused up front, never a server error.

PostgreSQL text cannot hold NUL; schemathesis found a member search (``?q=…%00…``) that
reached the database and answered 500. The kernel middleware answers 400 instead: problem+json
on the API, a Portuguese message on pages. Runs against the real URLs, signed in.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import User
from consorcio.errors import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser(username="raiz", password="senha-de-teste")


def test_an_api_search_with_a_nul_character_answers_400_problem(admin_user: User) -> None:
    api = APIClient()
    api.force_authenticate(admin_user)

    response = api.get("/api/v1/members/", {"q": "Mar\x00ia"})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["code"] == "invalid_characters"


def test_a_page_filter_with_a_nul_character_answers_400_in_portuguese(admin_user: User) -> None:
    client = Client()
    client.force_login(admin_user)

    response = client.get("/membros/", {"q": "\x00"})

    assert response.status_code == 400
    assert "caractere nulo" in response.content.decode()


def test_an_ordinary_search_still_works(admin_user: User) -> None:
    api = APIClient()
    api.force_authenticate(admin_user)

    assert api.get("/api/v1/members/", {"q": "Maria"}).status_code == 200
