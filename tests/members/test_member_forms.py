"""The member page's fragments: addresses, phones and LGPD consents added and removed by staff."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.members.models import Consent
from consorcio.access_log import accesses_for_subject
from tests.members.factories import address, register

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NEW_ADDRESS = {
    "endereco-street": "Rua XV de Novembro",
    "endereco-number": "300",
    "endereco-district": "Centro",
    "endereco-city": "Curitiba",
    "endereco-uf": "PR",
    "endereco-cep": "80020-310",
}


@pytest.fixture
def member():
    return register(name="Joana Prates", phones=["11912345678"], addresses=[address()])


def test_the_member_page_offers_the_three_forms_to_who_may_change_it(browser, staff_user, member):
    page = browser(staff_user(Role.SALES)).get(f"/membros/{member.pk}/").content.decode()
    for testid in ("address-form", "phone-form", "consent-form"):
        assert f'data-testid="{testid}"' in page
    assert "(11) 91234-5678" in page

    auditor = browser(staff_user(Role.AUDITOR)).get(f"/membros/{member.pk}/").content.decode()
    assert 'data-testid="address-form"' not in auditor
    assert "Remover" not in auditor


def test_staff_add_an_address_and_get_the_fragment_back_with_a_toast(browser, staff_user, member):
    page = browser(staff_user(Role.OPERATIONS))

    response = page.post(f"/membros/{member.pk}/enderecos/", NEW_ADDRESS, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="member-addresses"' in html
    assert "Rua XV de Novembro, 300" in html
    assert "Endereço incluído." in response["HX-Trigger"]
    assert member.addresses.count() == 2
    assert member.addresses.get(is_primary=True).street == "Avenida Paulista"


def test_an_address_marked_primary_takes_the_place_of_the_former(browser, staff_user, member):
    page = browser(staff_user(Role.OPERATIONS))
    page.post(
        f"/membros/{member.pk}/enderecos/", {**NEW_ADDRESS, "endereco-is_primary": "on"}, **HTMX
    )
    assert member.addresses.get(is_primary=True).city == "Curitiba"


def test_a_wrong_cep_is_shown_next_to_the_field_and_nothing_is_added(browser, staff_user, member):
    page = browser(staff_user(Role.SALES))

    response = page.post(
        f"/membros/{member.pk}/enderecos/", {**NEW_ADDRESS, "endereco-cep": "8002"}, **HTMX
    )

    html = response.content.decode()
    assert 'data-testid="field-errors-endereco-cep"' in html
    assert "CEP deve ter 8 dígitos." in html
    assert member.addresses.count() == 1


def test_removing_the_primary_address_makes_the_oldest_left_primary(browser, staff_user, member):
    page = browser(staff_user(Role.OPERATIONS))
    page.post(f"/membros/{member.pk}/enderecos/", NEW_ADDRESS, **HTMX)
    primary = member.addresses.get(is_primary=True)

    response = page.post(
        f"/membros/{member.pk}/enderecos/remover/", {"endereco": primary.pk}, **HTMX
    )

    assert "Endereço removido." in response["HX-Trigger"]
    assert "Avenida Paulista" not in response.content.decode()
    assert member.addresses.get().is_primary


def test_the_primary_address_can_be_switched(browser, staff_user, member):
    page = browser(staff_user(Role.OPERATIONS))
    page.post(f"/membros/{member.pk}/enderecos/", NEW_ADDRESS, **HTMX)
    other = member.addresses.get(is_primary=False)

    page.post(f"/membros/{member.pk}/enderecos/principal/", {"endereco": other.pk}, **HTMX)

    assert member.addresses.get(is_primary=True).pk == other.pk


def test_another_members_address_cannot_be_removed_through_this_member(browser, staff_user, member):
    other = register(addresses=[address(city="Santos")])
    page = browser(staff_user(Role.OPERATIONS))
    target = other.addresses.get()

    response = page.post(
        f"/membros/{member.pk}/enderecos/remover/", {"endereco": target.pk}, **HTMX
    )

    assert "Endereço não encontrado." in response.content.decode()
    assert other.addresses.count() == 1


def test_staff_add_and_remove_a_phone(browser, staff_user, member):
    page = browser(staff_user(Role.SALES))

    added = page.post(
        f"/membros/{member.pk}/telefones/", {"telefone-phone": "(21) 3456-7890"}, **HTMX
    )

    assert "(21) 3456-7890" in added.content.decode()
    member.refresh_from_db()
    assert member.phones == ["11912345678", "2134567890"]

    page.post(f"/membros/{member.pk}/telefones/remover/", {"telefone": "11912345678"}, **HTMX)
    member.refresh_from_db()
    assert member.phones == ["2134567890"]


def test_an_invalid_phone_is_refused_in_portuguese_and_nothing_changes(browser, staff_user, member):
    page = browser(staff_user(Role.SALES))
    response = page.post(f"/membros/{member.pk}/telefones/", {"telefone-phone": "1234"}, **HTMX)
    assert "Telefone inválido" in response.content.decode()
    member.refresh_from_db()
    assert member.phones == ["11912345678"]


def test_staff_record_and_revoke_a_consent(browser, staff_user, member):
    user = staff_user(Role.OPERATIONS)
    page = browser(user)

    given = page.post(
        f"/membros/{member.pk}/consentimentos/",
        {"consentimento-purpose": "Comunicações de marketing", "consentimento-text_version": "v3"},
        **HTMX,
    )

    assert "Consentimento registrado: Comunicações de marketing." in given["HX-Trigger"]
    consent = Consent.objects.get(member=member)
    assert (consent.text_version, consent.given_by, consent.revoked_at) == ("v3", user, None)
    assert "Revogar" in given.content.decode()

    revoked = page.post(
        f"/membros/{member.pk}/consentimentos/revogar/",
        {"finalidade": "Comunicações de marketing"},
        **HTMX,
    )

    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert consent.revoked_by == user
    assert "Consentimento revogado" in revoked["HX-Trigger"]
    assert "Revogar" not in revoked.content.decode()


def test_revoking_a_consent_not_in_force_is_refused_in_portuguese(browser, staff_user, member):
    page = browser(staff_user(Role.OPERATIONS))
    response = page.post(
        f"/membros/{member.pk}/consentimentos/revogar/", {"finalidade": "Marketing"}, **HTMX
    )
    assert "Não há consentimento vigente para “Marketing”." in response.content.decode()
    assert not Consent.objects.exists()


def test_a_plain_form_post_goes_back_to_the_member_page_with_a_message(browser, staff_user, member):
    page = browser(staff_user(Role.OPERATIONS))
    response = page.post(f"/membros/{member.pk}/enderecos/", NEW_ADDRESS, follow=True)
    assert response.redirect_chain[-1][0] == f"/membros/{member.pk}/"
    assert "Endereço incluído." in response.content.decode()


def test_read_only_roles_may_not_change_and_nothing_changes(browser, staff_user, member):
    page = browser(staff_user(Role.AUDITOR))
    response = page.post(f"/membros/{member.pk}/enderecos/", NEW_ADDRESS, **HTMX)
    assert response.status_code == 403
    assert member.addresses.count() == 1


def test_a_representative_cannot_reach_another_channels_member(browser, representative, member):
    page = browser(representative())
    response = page.post(f"/membros/{member.pk}/telefones/", {"telefone-phone": "11987654321"})
    assert response.status_code == 404


def test_each_change_is_written_to_the_personal_data_access_log(browser, staff_user, member):
    user = staff_user(Role.OPERATIONS)
    browser(user).post(
        f"/membros/{member.pk}/telefones/", {"telefone-phone": "11987654321"}, **HTMX
    )
    entries = list(accesses_for_subject("members.member", member.pk))
    assert [(e.actor_id, e.purpose) for e in entries] == [
        (user.pk, "Alteração do cadastro pela equipe")
    ]
