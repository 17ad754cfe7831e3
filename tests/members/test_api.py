"""``/api/v1/members/``: create, search, retrieve (logged), update, scoped by channel."""

from __future__ import annotations

import uuid

import pytest

from apps.accounts.roles import Role
from apps.members.models import Member
from consorcio.access_log import accesses_for_subject
from tests.accounts.factories import SalesChannelFactory
from tests.members.factories import new_cpf, register

pytestmark = pytest.mark.django_db
URL = "/api/v1/members/"


def payload(**overrides):
    body = {
        "kind": "PF",
        "document": "529.982.247-25",
        "name": "José Antônio",
        "email": "jose@example.com",
        "phones": ["(11) 91234-5678"],
        "monthly_income": "7500.00",
        "refuses_disclosure": True,
        "addresses": [
            {
                "street": "Rua Direita",
                "number": "10",
                "district": "Sé",
                "city": "São Paulo",
                "uf": "SP",
                "cep": "01002-000",
            }
        ],
    }
    body.update(overrides)
    return body


def post(client, body):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def test_a_channel_client_registers_a_member_it_then_owns(api_as, channel_client):
    channel = SalesChannelFactory()
    client = api_as(channel_client(channel))

    response = post(client, payload())

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["document"] == "***.982.247-**"  # sales may not see personal data
    assert body["addresses"][0]["cep"] == "01002000"
    member = Member.objects.get(pk=body["id"])
    assert member.sales_channel == channel
    assert member.document == "52998224725"


def test_an_invalid_cpf_answers_a_validation_problem_and_saves_nothing(api_as, staff_user):
    client = api_as(staff_user(Role.OPERATIONS))

    response = post(client, payload(document="529.982.247-24"))

    assert response.status_code == 400
    problem = response.json()
    assert "document" in problem["errors"]
    assert "CPF inválido" in problem["errors"]["document"][0]
    assert Member.objects.count() == 0


def test_a_duplicate_document_answers_409_member_document_taken(api_as, staff_user):
    client = api_as(staff_user(Role.OPERATIONS))
    assert post(client, payload()).status_code == 201

    response = post(client, payload(name="Outro Nome"))

    assert response.status_code == 409
    assert response.json()["code"] == "member_document_taken"
    assert list(Member.objects.values_list("name", flat=True)) == ["José Antônio"]


def test_the_list_searches_by_name_without_accents_and_masks_for_sales(api_as, staff_user):
    register(name="José Antônio", document="529.982.247-25")
    register(name="Outra Pessoa")

    sales = api_as(staff_user(Role.SALES)).get(URL, {"q": "jose antonio"}).json()
    operations = api_as(staff_user(Role.OPERATIONS)).get(URL, {"q": "52998"}).json()

    assert [row["name"] for row in sales["results"]] == ["José Antônio"]
    assert sales["results"][0]["document"] == "***.982.247-**"
    assert operations["results"][0]["document"] == "529.982.247-25"
    assert "next" in sales


def test_the_list_pages_by_cursor(api_as, staff_user):
    for index in range(3):
        register(name=f"Pessoa {index}")
    client = api_as(staff_user(Role.OPERATIONS))

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    seen = [row["name"] for row in first["results"] + second["results"]]
    assert sorted(seen) == ["Pessoa 0", "Pessoa 1", "Pessoa 2"]


def test_retrieving_a_member_writes_a_personal_data_access_entry(api_as, staff_user):
    member = register(document="529.982.247-25")
    auditor = staff_user(Role.AUDITOR)

    response = api_as(auditor).get(f"{URL}{member.pk}/")

    assert response.status_code == 200
    assert response.json()["document"] == "529.982.247-25"
    entry = accesses_for_subject("members.member", member.pk).get()
    assert entry.actor == auditor
    assert "document" in entry.fields
    assert entry.purpose


def test_channel_a_gets_404_for_channel_b_member_and_sees_only_its_own(api_as, channel_client):
    channel_a, channel_b = SalesChannelFactory(), SalesChannelFactory()
    client_a = api_as(channel_client(channel_a))
    client_b = api_as(channel_client(channel_b))
    own = post(client_a, payload(document=new_cpf(), name="De A")).json()
    other = post(client_b, payload(document=new_cpf(), name="De B")).json()

    listed = client_a.get(URL).json()["results"]
    retrieved = client_a.get(f"{URL}{other['id']}/")
    patched = client_a.patch(f"{URL}{other['id']}/", {"name": "Invadido"}, format="json")

    assert [row["name"] for row in listed] == ["De A"]
    assert client_a.get(f"{URL}{own['id']}/").status_code == 200
    assert retrieved.status_code == 404
    assert patched.status_code == 404
    assert Member.objects.get(pk=other["id"]).name == "De B"
    assert not accesses_for_subject("members.member", other["id"]).exists()


def test_partial_update_changes_the_fields_and_refuses_bad_phones(api_as, staff_user):
    member = register(name="Antes")
    client = api_as(staff_user(Role.OPERATIONS))

    refused = client.patch(f"{URL}{member.pk}/", {"phones": ["123"]}, format="json")
    changed = client.patch(f"{URL}{member.pk}/", {"name": "Depois"}, format="json")

    assert refused.status_code == 400
    assert changed.status_code == 200
    assert changed.json()["name"] == "Depois"
    member.refresh_from_db()
    assert member.phones == []


def test_the_auditor_may_read_but_not_register(api_as, staff_user):
    response = post(api_as(staff_user(Role.AUDITOR)), payload())

    assert response.status_code == 403
    assert Member.objects.count() == 0


def test_the_list_costs_the_same_queries_for_one_member_or_twenty(
    api_as, staff_user, django_assert_max_num_queries
):
    client = api_as(staff_user(Role.OPERATIONS))
    register(name="Primeira")
    client.get(URL)  # warm the per-user caches (scope, permissions)
    with django_assert_max_num_queries(12) as one:
        client.get(URL)
    for index in range(19):
        register(name=f"Pessoa {index}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(URL)

    assert len(response.json()["results"]) == 20


def test_consent_is_given_and_revoked_through_the_api(api_as, staff_user):
    member = register()
    operator = staff_user(Role.OPERATIONS)
    client = api_as(operator)
    consents = f"{URL}{member.pk}/consents/"
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}

    given = client.post(consents, {"purpose": "marketing", "text_version": "v1"}, format="json")
    revoked = client.post(f"{consents}revoke/", {"purpose": "marketing"}, format="json", **key)
    again = client.post(
        f"{consents}revoke/",
        {"purpose": "marketing"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )

    assert given.status_code == 201
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert again.status_code == 409
    assert again.json()["code"] == "consent_not_given"
    assert member.consents.get().revoked_by == operator


def test_an_address_with_a_bad_cep_is_refused_and_the_good_one_is_added(api_as, staff_user):
    member = register()
    client = api_as(staff_user(Role.SALES))
    url = f"{URL}{member.pk}/addresses/"
    body = {
        "street": "Rua Nova",
        "number": "2",
        "district": "Centro",
        "city": "Recife",
        "uf": "PE",
        "cep": "5001",
    }

    refused = client.post(url, body, format="json")
    added = client.post(url, {**body, "cep": "50010-000", "is_primary": True}, format="json")

    assert refused.status_code == 400
    assert "cep" in refused.json()["errors"]
    assert added.status_code == 201
    assert [a.city for a in member.addresses.filter(is_primary=True)] == ["Recife"]
    assert member.addresses.count() == 2
