"""The staff sale wizard pages: group, quota, member, review (reserve), confirm or cancel."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups.models import QuotaStatus, QuotaVersion
from apps.groups.services import sales
from tests.accounts.factories import SalesRepresentativeFactory, UserFactory
from tests.members.factories import register


@pytest.fixture
def seller(db):
    return roles.assign_roles(user=UserFactory(), roles=[Role.OPERATIONS])


@pytest.fixture
def browser(client, seller):
    client.force_login(seller)
    return client


def _reserve_through_the_page(browser, group, member, number=None):
    data = {"membro": member.pk, "cota": number or ""}
    return browser.post(reverse("groups:sale_review", args=[group.pk]), data)


@pytest.mark.embedded
def test_a_seller_walks_the_wizard_to_an_active_quota_for_the_member(browser, group, seller):
    member = register(actor=seller, name="Joana Compradora")

    start = browser.get(reverse("groups:sale_start"))
    assert group.code in start.content.decode()
    quota_page = browser.get(reverse("groups:sale_quota", args=[group.pk]))
    assert '<option value="7">7</option>' in quota_page.content.decode()
    search = browser.get(reverse("groups:sale_member", args=[group.pk]), {"q": "joana", "cota": 7})
    assert "Joana Compradora" in search.content.decode()
    live = browser.get(
        reverse("groups:sale_member", args=[group.pk]),
        {"q": "joana"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="sale-members",
    )
    assert live.content.decode().lstrip().startswith('<div id="sale-members">')
    assert "Joana Compradora" in live.content.decode()
    review = browser.get(
        reverse("groups:sale_review", args=[group.pk]), {"membro": member.pk, "cota": 7}
    )
    body = review.content.decode()
    assert "Primeira parcela" in body
    assert "R$" in body
    assert "% do crédito" in body

    reserved = _reserve_through_the_page(browser, group, member, 7)
    assert reserved.status_code == 302, reserved.content.decode()
    version = QuotaVersion.objects.get(member=member)
    assert reserved.url == reverse("groups:sale_reservation", args=[version.pk])
    page = browser.get(reserved.url).content.decode()
    assert "Reservada até" in page
    assert "Li e aceito o contrato de adesão" in page

    done = browser.post(reserved.url, {"contrato": "aceito"}, follow=True)
    version.refresh_from_db()
    assert (version.status, version.quota.number) == (QuotaStatus.ACTIVE, 7)
    assert "Venda concluída" in done.content.decode()


def test_a_taken_quota_is_refused_on_the_page_and_nothing_changes(browser, group, seller):
    first, second = register(actor=seller), register(actor=seller)
    sales.reserve_quota(actor=seller, group=group, member=first, number=3)

    response = _reserve_through_the_page(browser, group, second, 3)

    assert response.status_code == 409
    assert "A cota 3 não está disponível." in response.content.decode()
    assert not QuotaVersion.objects.filter(member=second).exists()


def test_confirming_without_accepting_the_contract_is_refused_and_keeps_the_reservation(
    browser, group, seller
):
    member = register(actor=seller)
    version = sales.reserve_quota(actor=seller, group=group, member=member)

    response = browser.post(reverse("groups:sale_reservation", args=[version.pk]), {})

    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    version.refresh_from_db()
    assert version.status == QuotaStatus.RESERVED
    assert version.sold_at is None


def test_an_expired_reservation_cannot_be_confirmed(browser, group, seller):
    member = register(actor=seller)
    version = sales.reserve_quota(actor=seller, group=group, member=member)
    QuotaVersion.objects.filter(pk=version.pk).update(reserved_until="2000-01-01T00:00Z")

    response = browser.post(
        reverse("groups:sale_reservation", args=[version.pk]), {"contrato": "aceito"}
    )

    assert response.status_code == 409
    version.refresh_from_db()
    assert version.status == QuotaStatus.RESERVED
    assert version.sold_at is None


def test_cancelling_the_reservation_frees_the_quota(browser, group, seller):
    member = register(actor=seller)
    version = sales.reserve_quota(actor=seller, group=group, member=member, number=5)

    response = browser.post(reverse("groups:sale_cancel", args=[version.pk]))

    assert response.url == reverse("groups:sale_start")
    quota_page = browser.get(reverse("groups:sale_quota", args=[group.pk]))
    assert '<option value="5">5</option>' in quota_page.content.decode()


def test_a_seller_of_channel_a_cannot_pick_a_member_of_channel_b(client, group):
    rep_a, rep_b = SalesRepresentativeFactory(), SalesRepresentativeFactory()
    for rep in (rep_a, rep_b):
        roles.assign_roles(user=rep.user, roles=[Role.SALES])
    theirs = register(actor=rep_b.user, name="Bruno do Canal B")
    client.force_login(rep_a.user)

    search = client.get(reverse("groups:sale_member", args=[group.pk]), {"q": "bruno"})
    reserve = _reserve_through_the_page(client, group, theirs)

    assert "Bruno do Canal B" not in search.content.decode()
    assert reserve.status_code == 404
    assert not QuotaVersion.objects.filter(member=theirs).exists()


def test_a_finance_user_cannot_open_the_wizard(client, group):
    client.force_login(roles.assign_roles(user=UserFactory(), roles=[Role.FINANCE]))

    assert client.get(reverse("groups:sale_start")).status_code == 403


def test_the_first_step_counts_free_quotas_of_every_group_in_a_fixed_number_of_queries(
    browser, group, seller, django_assert_max_num_queries
):
    from tests.groups.conftest import make_group

    member = register(actor=seller)
    sales.reserve_quota(actor=seller, group=group, member=member, number=3)
    for _ in range(5):
        make_group(actor=seller)

    with django_assert_max_num_queries(12):
        response = browser.get(reverse("groups:sale_start"))

    assert response.status_code == 200
    free = {row["group"].pk: row["free"] for row in response.context["rows"]}
    assert len(free) == 6
    assert free[group.pk] == group.max_quotas - 1
