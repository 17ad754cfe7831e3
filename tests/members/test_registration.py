"""Registering and updating members through the services: documents, uniqueness, events."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from apps.members import services
from apps.members.models import Address, Member
from consorcio.models import OutboxEvent
from tests.members.factories import address, new_cnpj, new_cpf, register

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("PF", "529.982.247-25", "52998224725"),
        ("PF", "111.444.777-35", "11144477735"),
        ("PJ", "11.222.333/0001-81", "11222333000181"),
        ("PJ", "45997418000153", "45997418000153"),
    ],
)
def test_valid_documents_are_stored_as_digits(kind, raw, stored):
    member = register(kind=kind, document=raw)

    assert Member.objects.get(pk=member.pk).document == stored


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("PF", "529.982.247-24"),  # wrong check digit
        ("PF", "111.111.111-11"),  # repeated digits
        ("PF", "5299822472"),  # too short
        ("PJ", "11.222.333/0001-82"),
        ("PJ", "52998224725"),  # a CPF given as CNPJ
    ],
)
def test_invalid_documents_are_refused_and_nothing_is_saved(kind, raw):
    with pytest.raises(services.InvalidDocumentError) as refusal:
        register(kind=kind, document=raw)

    assert refusal.value.code == "invalid_document"
    assert "inválido" in refusal.value.detail
    assert Member.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_a_registered_document_cannot_be_registered_again():
    first = register(document="529.982.247-25", name="Primeira")

    with pytest.raises(services.MemberDocumentTakenError) as refusal:
        register(document="52998224725", name="Segunda")

    assert refusal.value.code == "member_document_taken"
    assert refusal.value.status == 409
    assert list(Member.objects.values_list("name", flat=True)) == [first.name]


def test_registration_publishes_member_registered_and_makes_first_address_primary():
    member = register(addresses=[address(), address(street="Rua Augusta", uf="sp")])

    event = OutboxEvent.objects.get(type="members.member.registered")
    assert event.aggregate_id == str(member.pk)
    assert "document" not in event.payload
    primaries = list(Address.objects.filter(member=member, is_primary=True))
    assert [a.street for a in primaries] == ["Avenida Paulista"]


def test_invalid_phone_cep_or_negative_income_refuse_the_whole_registration():
    with pytest.raises(services.InvalidPhoneError):
        register(phones=["(11) 1234"])
    with pytest.raises(services.InvalidAddressError):
        register(addresses=[address(cep="0131")])
    with pytest.raises(services.InvalidMemberDataError):
        register(monthly_income=Decimal("-1.00"))

    assert Member.objects.count() == 0
    assert Address.objects.count() == 0


def test_phones_are_stored_as_digits_with_area_code():
    member = register(phones=["+55 (11) 91234-5678", "(21) 3456-7890"])

    assert member.phones == ["11912345678", "2134567890"]


def test_update_saves_only_changed_fields_and_never_the_document():
    member = register(name="Joana", email="joana@example.com")

    updated = services.update_member(member=member, name="Joana Souza", email="joana@example.com")

    assert updated.name == "Joana Souza"
    event = OutboxEvent.objects.get(type="members.member.updated")
    assert event.payload["fields"] == ["name"]
    with pytest.raises(services.InvalidMemberDataError):
        services.update_member(member=member, document=new_cpf())
    assert Member.objects.get(pk=member.pk).document == member.document


def test_set_primary_address_leaves_exactly_one_primary():
    member = register()
    other = services.add_address(member=member, address=address(street="Rua B", uf="RJ"))
    assert other.is_primary is False

    services.set_primary_address(address=other)

    primaries = list(Address.objects.filter(member=member, is_primary=True))
    assert [a.street for a in primaries] == ["Rua B"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_registrations_of_one_cpf_leave_one_member():
    document = new_cpf()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(name: str) -> None:
        try:
            barrier.wait()
            services.register_member(actor=AnonymousUser(), kind="PF", document=document, name=name)
            outcomes.append("created")
        except services.MemberDocumentTakenError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("Ana", "Bia")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "member_document_taken"]
    assert Member.objects.filter(document=document).count() == 1
    assert OutboxEvent.objects.filter(type="members.member.registered").count() == 1


def test_cnpj_member_is_a_legal_entity():
    member = register(kind="PJ", document=new_cnpj(), name="Padaria Pão Quente Ltda")

    assert member.get_kind_display() == "Pessoa jurídica"
