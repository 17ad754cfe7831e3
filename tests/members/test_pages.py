"""The "Consorciados" pages: list with search, detail (logged, masked), create and edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.members.models import Member
from consorcio.access_log import accesses_for_subject
from consorcio.models import PersonalDataAccess
from tests.accounts.factories import SalesChannelFactory
from tests.members.factories import new_cnpj, new_cpf, register

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "PF",
    "document": "529.982.247-25",
    "name": "Luíza Conceição",
    "email": "luiza@example.com",
    "phones": "(11) 91234-5678",
    "monthly_income": "4200.00",
    "street": "Rua das Flores",
    "number": "15",
    "district": "Centro",
    "city": "Curitiba",
    "uf": "PR",
    "cep": "80010-000",
}


def test_staff_registers_a_member_and_lands_on_its_record(browser, staff_user):
    page = browser(staff_user(Role.OPERATIONS))

    response = page.post(reverse("members:create"), FORM, follow=True)

    assert response.status_code == 200
    member = Member.objects.get()
    assert member.document == "52998224725"
    assert member.addresses.get().is_primary
    assert "Luíza Conceição" in response.content.decode()
    assert "529.982.247-25" in response.content.decode()


def test_an_invalid_cpf_shows_a_portuguese_error_next_to_the_field_and_saves_nothing(
    browser, staff_user
):
    page = browser(staff_user(Role.SALES))

    response = page.post(reverse("members:create"), {**FORM, "document": "529.982.247-24"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="field-errors-document"' in html
    assert "CPF inválido" in html
    assert Member.objects.count() == 0


def test_a_duplicate_cpf_is_shown_on_the_form_and_the_first_member_stays(browser, staff_user):
    register(document=FORM["document"], name="Primeira")
    page = browser(staff_user(Role.OPERATIONS))

    response = page.post(reverse("members:create"), FORM)

    assert "Já existe um consorciado com este CPF/CNPJ" in response.content.decode()
    assert list(Member.objects.values_list("name", flat=True)) == ["Primeira"]


def test_the_list_masks_documents_for_sales_and_shows_them_to_operations(browser, staff_user):
    register(name="Pedro Álvares", document="529.982.247-25")

    sales_html = browser(staff_user(Role.SALES)).get(reverse("members:list")).content.decode()
    ops_html = browser(staff_user(Role.OPERATIONS)).get(reverse("members:list")).content.decode()

    assert "***.982.247-**" in sales_html
    assert "529.982.247-25" not in sales_html
    assert "529.982.247-25" in ops_html


def test_the_live_search_returns_only_the_matching_rows(browser, staff_user):
    register(name="Pedro Álvares")
    register(name="Outra Pessoa")
    page = browser(staff_user(Role.OPERATIONS))

    response = page.get(
        reverse("members:list"),
        {"q": "alvares"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="members-results",
    )

    html = response.content.decode()
    assert "Pedro Álvares" in html
    assert "Outra Pessoa" not in html
    assert "<html" not in html  # only the results fragment


def test_opening_a_record_writes_an_access_entry_with_the_fields_seen(browser, staff_user):
    member = register(document="529.982.247-25")
    seller = staff_user(Role.SALES)

    response = browser(seller).get(reverse("members:detail", args=[member.pk]))

    assert response.status_code == 200
    assert "***.982.247-**" in response.content.decode()
    entry = accesses_for_subject("members.member", member.pk).get()
    assert entry.actor == seller
    assert "document" not in entry.fields  # masked for sales: not read
    assert "addresses" in entry.fields


def test_a_representative_sees_only_the_members_it_brought_in(browser, representative):
    channel_a, channel_b = SalesChannelFactory(), SalesChannelFactory()
    seller_a, seller_b = representative(channel_a), representative(channel_b)
    mine = register(actor=seller_a, name="Cliente de A", document=new_cpf())
    theirs = register(actor=seller_b, name="Cliente de B", document=new_cpf())
    page = browser(seller_a)

    listed = page.get(reverse("members:list")).content.decode()
    other = page.get(reverse("members:detail", args=[theirs.pk]))
    edit = page.post(reverse("members:edit", args=[theirs.pk]), {"name": "X", "monthly_income": 1})

    assert "Cliente de A" in listed
    assert "Cliente de B" not in listed
    assert page.get(reverse("members:detail", args=[mine.pk])).status_code == 200
    assert other.status_code == 404
    assert edit.status_code == 404
    assert Member.objects.get(pk=theirs.pk).name == "Cliente de B"
    assert not PersonalDataAccess.objects.filter(subject_id=str(theirs.pk)).exists()


def test_editing_changes_the_member_and_invalid_phones_change_nothing(browser, staff_user):
    member = register(name="Antes", phones=["11912345678"])
    page = browser(staff_user(Role.OPERATIONS))
    url = reverse("members:edit", args=[member.pk])

    refused = page.post(url, {"name": "Depois", "phones": "123", "monthly_income": "10"})
    member.refresh_from_db()
    assert "Telefone inválido" in refused.content.decode()
    assert member.name == "Antes"

    accepted = page.post(url, {"name": "Depois", "phones": "", "monthly_income": "10.50"})

    assert accepted.status_code == 302
    member.refresh_from_db()
    assert member.name == "Depois"
    assert member.phones == []


def test_the_auditor_reads_but_may_not_open_the_create_page(browser, staff_user):
    page = browser(staff_user(Role.AUDITOR))

    assert page.get(reverse("members:list")).status_code == 200
    assert page.get(reverse("members:create")).status_code == 403


def test_the_list_filters_by_kind_and_channel(browser, staff_user, representative):
    channel = SalesChannelFactory(name="Parceiro Sul")
    register(actor=representative(channel), name="Vendida no Sul", document=new_cpf())
    register(name="Empresa Matriz", kind="PJ", document=new_cnpj())
    page = browser(staff_user(Role.OPERATIONS))

    companies = page.get(reverse("members:list"), {"tipo": "PJ"}).content.decode()
    south = page.get(reverse("members:list"), {"canal": str(channel.pk)}).content.decode()

    assert "Empresa Matriz" in companies
    assert "Vendida no Sul" not in companies
    assert "Vendida no Sul" in south
    assert "Empresa Matriz" not in south
