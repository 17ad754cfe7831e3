"""The dashboard (home page and /painel/): counts and charts of members, groups and quotas."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups.services import lifecycle, sales
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory
from tests.api.conftest import unique_address
from tests.groups.conftest import make_group
from tests.members.factories import new_cnpj, register
from tests.members.support import ensure_member_permissions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roles():
    ensure_member_permissions()


def _browser(user):
    browser = Client(REMOTE_ADDR=unique_address())
    browser.force_login(user)
    return browser


def _staff(role=Role.OPERATIONS):
    return roles.assign_roles(user=UserFactory(), roles=[role])


def _table(html, chart_id):
    """The rows of a chart's data table as lists of cell texts."""
    table = re.search(rf'data-testid="chart-{chart_id}-data">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_the_home_page_shows_members_by_type_and_groups_by_state():
    staff = _staff()
    register(actor=staff, name="Ana")
    register(actor=staff, name="Bruno")
    register(actor=staff, kind="PJ", document=new_cnpj(), name="Padaria Pão Bom Ltda")
    make_group()
    running = make_group()
    lifecycle.constitute_group(group=running, on_date=dt.date(2026, 3, 10))

    html = _browser(staff).get("/").content.decode()

    assert 'data-testid="figure-members">3<' in html
    assert _table(html, "membros-por-tipo") == [["Pessoa física", "2"], ["Pessoa jurídica", "1"]]
    assert 'data-testid="figure-groups">2<' in html
    assert _table(html, "grupos-por-situacao") == [
        ["Em formação", "1"],
        ["Em andamento", "1"],
        ["Em encerramento", "0"],
        ["Encerrado", "0"],
    ]
    assert "Consorciados por tipo. Pessoa física: 2; Pessoa jurídica: 1." in html  # <desc>
    assert "Tarefas recentes" in html  # the home page is still the home page


def test_quotas_sold_reserved_and_free_per_group_in_portuguese_numbers():
    staff = _staff()
    member = register(actor=staff)
    big = make_group(code="IMV-0001", max_quotas=2500)
    sold = sales.reserve_quota(actor=staff, group=big, member=member, number=1)
    sales.confirm_sale(actor=staff, reservation=sold, contract_accepted=True)
    sales.reserve_quota(actor=staff, group=big, member=member, number=2)
    make_group(code="AUT-0001", max_quotas=80)

    html = _browser(staff).get("/painel/").content.decode()

    assert _table(html, "cotas-por-grupo") == [
        ["AUT-0001", "0", "0", "80", "80"],
        ["IMV-0001", "1", "1", "2.498", "2.500"],
    ]
    assert "1 de 2.500 (0,0%)" in html
    assert "0 de 80 (0,0%)" in html
    assert 'data-testid="figure-quotas-sold">1 <small>(0,0%)</small>' in html
    assert "2.578 livres" in html


def test_a_closed_group_leaves_the_quota_chart():
    staff = _staff()
    group = make_group(code="MOT-0001")
    lifecycle.constitute_group(group=group, on_date=dt.date(2026, 3, 10))
    lifecycle.start_closing(group=group, on_date=dt.date(2034, 7, 10))
    lifecycle.close_group(group=group, on_date=dt.date(2034, 11, 10))

    html = _browser(staff).get("/painel/").content.decode()

    assert "Nenhum grupo em formação ou em andamento." in html
    assert ["Encerrado", "1"] in _table(html, "grupos-por-situacao")


def test_a_representative_counts_only_the_members_it_brought_in():
    channel = SalesChannelFactory()
    rep = roles.assign_roles(
        user=SalesRepresentativeFactory(channel=channel).user, roles=[Role.SALES]
    )
    register(actor=rep, name="Cliente do representante")
    register(actor=_staff(), name="Cliente da matriz")

    html = _browser(rep).get("/painel/").content.decode()

    assert 'data-testid="figure-members">1<' in html


def test_the_dashboard_reads_a_fixed_number_of_queries_however_many_groups():
    staff = _staff()
    browser = _browser(staff)
    make_group()
    browser.get("/painel/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        browser.get("/painel/")
    for _ in range(6):
        make_group()
    with CaptureQueriesContext(connection) as many:
        browser.get("/painel/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/painel/")
    assert response.status_code == 302
    assert "next=" in response["Location"]
