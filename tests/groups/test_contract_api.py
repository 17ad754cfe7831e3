"""The contract through the API: a confirmed sale answers its contract with a signed download
link that serves the PDF; ``GET …/contract/`` issues a fresh link; failures change nothing."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import weasyprint
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.documents.models import Document
from apps.groups.models import QuotaStatus, QuotaVersion
from tests.accounts.factories import SalesRepresentativeFactory, UserFactory
from tests.groups.conftest import make_group
from tests.groups.test_contract import pdf_text
from tests.members.factories import register

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotas/"


def _client(role=Role.SALES):
    user = roles.assign_roles(user=UserFactory(), roles=[role])
    client = APIClient(REMOTE_ADDR="10.14.0.2")
    client.force_authenticate(user)
    return client, user


def _post(client, url, body=None):
    return client.post(url, body or {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


@pytest.fixture
def world():
    client, user = _client()
    group = make_group()
    member = register(actor=user, name="Otávio Integrado")
    reserved = _post(client, f"{URL}reserve/", {"group": group.pk, "member": member.pk})
    assert reserved.status_code == 201, reserved.content
    return client, user, member, reserved.json()["id"]


def _download(url):
    """Follow a signed link as anyone would: no session, no token (the link is the key)."""
    response = Client().get(url)
    return response, b"".join(response) if response.streaming else response.content


def test_confirming_answers_the_contract_with_a_signed_link_that_downloads_the_pdf(world):
    client, _user, _member, pk = world

    confirmed = _post(client, f"{URL}{pk}/confirm/", {"contract_accepted": True})

    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    stored = QuotaVersion.objects.get(pk=pk).contract
    assert body["status"] == "active"
    assert body["contract_document"] == body["contract"]["document"] == stored.document_id
    assert body["contract"]["document_version"] == 1
    assert body["contract"]["content_type"] == "application/pdf"
    assert body["contract"]["download_url"].startswith("http://testserver/")
    response, content = _download(body["contract"]["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(content).hexdigest() == body["contract"]["sha256"] == stored.sha256
    assert "Otávio Integrado" in pdf_text(content)


def test_the_contract_endpoint_issues_a_fresh_link_to_the_latest_issue(world):
    client, _user, _member, pk = world
    _post(client, f"{URL}{pk}/confirm/", {"contract_accepted": True})

    link = client.get(f"{URL}{pk}/contract/")

    assert link.status_code == 200, link.content
    assert link.json()["document_version"] == 1
    response, content = _download(link.json()["download_url"])
    assert response.status_code == 200
    assert hashlib.sha256(content).hexdigest() == link.json()["sha256"]
    listed = client.get(URL).json()["results"]
    assert [row["contract_document"] for row in listed] == [link.json()["document"]]


def test_a_reservation_has_no_contract_yet(world):
    client, _user, _member, pk = world

    response = client.get(f"{URL}{pk}/contract/")

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "quota_contract_missing"


def test_a_channel_sale_has_its_contract_owned_by_the_channel_and_hidden_from_another():
    rep_a, rep_b = SalesRepresentativeFactory(), SalesRepresentativeFactory()
    for rep in (rep_a, rep_b):
        roles.assign_roles(user=rep.user, roles=[Role.SALES])
    client_a, client_b = APIClient(REMOTE_ADDR="10.14.0.3"), APIClient(REMOTE_ADDR="10.14.0.4")
    client_a.force_authenticate(rep_a.user)
    client_b.force_authenticate(rep_b.user)
    group, member = make_group(), register(actor=rep_a.user)
    pk = _post(client_a, f"{URL}reserve/", {"group": group.pk, "member": member.pk}).json()["id"]

    confirmed = _post(client_a, f"{URL}{pk}/confirm/", {"contract_accepted": True})

    assert confirmed.status_code == 200, confirmed.content
    document = QuotaVersion.objects.get(pk=pk).contract.document
    assert (document.sales_channel_id, document.sales_representative_id) == (
        rep_a.channel_id,
        rep_a.pk,
    )
    assert client_a.get(f"{URL}{pk}/contract/").status_code == 200
    assert client_b.get(f"{URL}{pk}/contract/").status_code == 404


def test_a_contract_that_cannot_be_generated_is_a_clear_503_and_changes_nothing(world, monkeypatch):
    client, _user, _member, pk = world

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)  # a third party failing
    refused = _post(client, f"{URL}{pk}/confirm/", {"contract_accepted": True})

    assert refused.status_code == 503
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "quota_contract_not_issued"
    assert "a venda não foi confirmada" in refused.json()["detail"]
    version = QuotaVersion.objects.get(pk=pk)
    assert (version.status, version.sold_at, version.contract_id) == (
        QuotaStatus.RESERVED,
        None,
        None,
    )
    assert Document.objects.count() == 0
