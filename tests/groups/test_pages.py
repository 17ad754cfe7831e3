"""Staff pages: the groups list and a group's detail with rules, calendar and fractions."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.accounts.services import roles
from tests.accounts.factories import UserFactory
from tests.api.conftest import unique_address

pytestmark = pytest.mark.django_db


def _browser(role):
    browser = Client(REMOTE_ADDR=unique_address())
    browser.force_login(roles.assign_roles(user=UserFactory(), roles=[role]))
    return browser


def test_sales_staff_see_the_group_in_the_list_and_its_detail(group):
    browser = _browser(Role.SALES)
    listing = browser.get("/grupos/")
    assert listing.status_code == 200
    assert group.code in listing.content.decode()
    detail = browser.get(f"/grupos/{group.pk}/").content.decode()
    assert "Em formação" in detail
    # Worked example 1: 1,00% + 0,15% + 0,02% = R$ 1.170,00 per month.
    assert "R$ 1.170,00" in detail
    assert "R$ 1.000,00" in detail
    assert "Próximas assembleias" in detail


def test_the_groups_list_searches_by_code(group, staff_user):
    from tests.groups.conftest import make_group

    other = make_group(name="Veículos 60")
    page = _browser(Role.OPERATIONS).get("/grupos/", {"q": other.code}).content.decode()
    assert other.code in page
    assert group.code not in page


def test_anonymous_visitors_are_sent_to_sign_in(group):
    response = Client().get(f"/grupos/{group.pk}/")
    assert response.status_code == 302
    assert "next=" in response["Location"]
