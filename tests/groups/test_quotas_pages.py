"""Quota fragments: the group's quota grid and the member's participation history."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups.services import quotas, sales
from tests.accounts.factories import UserFactory
from tests.api.conftest import unique_address
from tests.members.factories import register

pytestmark = pytest.mark.django_db


def _browser(role):
    browser = Client(REMOTE_ADDR=unique_address())
    browser.force_login(roles.assign_roles(user=UserFactory(), roles=[role]))
    return browser


def test_the_group_page_loads_a_grid_coloured_by_status_with_a_filter(group, staff_user):
    member = register(actor=staff_user)
    sold = sales.reserve_quota(actor=staff_user, group=group, member=member, number=1)
    sales.confirm_sale(actor=staff_user, reservation=sold, contract_accepted=True)
    sales.reserve_quota(actor=staff_user, group=group, member=member, number=2)
    browser = _browser(Role.SALES)

    detail = browser.get(f"/grupos/{group.pk}/").content.decode()
    assert f'hx-get="/grupos/{group.pk}/cotas/"' in detail

    grid = browser.get(f"/grupos/{group.pk}/cotas/").content.decode()
    assert "Ativa: 1" in grid
    assert "Reservada: 1" in grid
    assert f"Disponível: {group.max_quotas - 2}" in grid
    assert '<li class="quota-active" title="Cota 1">1</li>' in grid

    only_reserved = browser.get(f"/grupos/{group.pk}/cotas/", {"situacao": "reserved"})
    cells = re.findall(r'<li class="quota-(\w+)"', only_reserved.content.decode())
    assert cells == ["reserved"]


def test_a_group_without_sales_shows_every_quota_available(group):
    quotas.ensure_quotas(group)
    grid = _browser(Role.AUDITOR).get(f"/grupos/{group.pk}/cotas/").content.decode()
    assert f"Disponível: {group.max_quotas}" in grid


def test_the_member_page_loads_the_participation_history(group, staff_user):
    member = register(actor=staff_user, name="Helena Prado")
    version = sales.reserve_quota(actor=staff_user, group=group, member=member, number=8)
    sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=True)
    browser = _browser(Role.OPERATIONS)

    page = browser.get(f"/membros/{member.pk}/").content.decode()
    assert f'hx-get="/grupos/consorciados/{member.pk}/cotas/"' in page
    fragment = browser.get(f"/grupos/consorciados/{member.pk}/cotas/").content.decode()
    assert group.code in fragment
    assert "<td>8</td>" in fragment
    assert "Ativa" in fragment


def test_a_member_without_quotas_says_so(staff_user):
    member = register(actor=staff_user)
    fragment = _browser(Role.AUDITOR).get(f"/grupos/consorciados/{member.pk}/cotas/")
    assert fragment.status_code == 200
    assert "ainda não participa" in fragment.content.decode()
