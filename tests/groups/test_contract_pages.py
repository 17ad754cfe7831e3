"""The wizard's last step: after confirming, the seller sees the sale and downloads the contract
PDF through a signed link; the member's participation lists the contract too."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups.models import QuotaVersion
from apps.groups.services import sales
from tests.accounts.factories import UserFactory
from tests.groups.test_contract import pdf_text
from tests.members.factories import register


@pytest.fixture
def seller(db):
    return roles.assign_roles(user=UserFactory(), roles=[Role.SALES])


@pytest.fixture
def browser(client, seller):
    client.force_login(seller)
    return client


def _download(browser, contract_pk):
    """Press "Baixar": the documents context signs a link and sends the browser to it."""
    link = browser.post(reverse("documents:version_link", args=[contract_pk]))
    assert link.status_code == 303
    response = browser.get(link["Location"])
    return response, b"".join(response) if response.streaming else response.content


def test_confirming_leads_to_the_contract_step_and_its_pdf_downloads(browser, group, seller):
    member = register(actor=seller, name="Rita Assinante")
    version = sales.reserve_quota(actor=seller, group=group, member=member, number=9)

    confirmed = browser.post(
        reverse("groups:sale_reservation", args=[version.pk]), {"contrato": "aceito"}
    )

    assert confirmed.url == reverse("groups:sale_contract", args=[version.pk])
    page = browser.get(confirmed.url).content.decode()
    assert "Venda concluída" in page
    assert "Rita Assinante" in page
    assert "Baixar contrato (PDF)" in page
    # Worked example 1's first installment, in % and R$.
    assert "1,0000%" in page
    assert "R$ 1.000,00" in page
    assert "1,1700%" in page
    assert "R$ 1.170,00" in page
    version.refresh_from_db()
    response, content = _download(browser, version.contract_id)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(content).hexdigest() == version.contract.sha256
    assert "Rita Assinante" in pdf_text(content)


def test_the_contract_step_of_a_mere_reservation_goes_back_to_confirmation(browser, group, seller):
    version = sales.reserve_quota(actor=seller, group=group, member=register(actor=seller))

    response = browser.get(reverse("groups:sale_contract", args=[version.pk]))

    assert response.url == reverse("groups:sale_reservation", args=[version.pk])
    assert QuotaVersion.objects.get(pk=version.pk).contract_id is None


def test_the_member_participation_links_each_contract(browser, group, seller):
    member = register(actor=seller)
    version = sales.confirm_sale(
        actor=seller,
        reservation=sales.reserve_quota(actor=seller, group=group, member=member),
        contract_accepted=True,
    )

    fragment = browser.get(reverse("groups:member_quotas", args=[member.pk])).content.decode()

    assert reverse("documents:version_link", args=[version.contract_id]) in fragment
    assert f'data-testid="member-quota-contract-{version.pk}"' in fragment
