"""Every accounts page renders, in Portuguese, inside the staff layout."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = {
    "accounts:login": "Entrar",
    "accounts:password_reset": "Recuperar senha",
    "accounts:password_reset_done": "Verifique seu e-mail",
    "accounts:password_reset_complete": "Senha redefinida",
}
STAFF_PAGES = {
    "accounts:password_change": "Alterar senha",
    "accounts:password_change_done": "Senha alterada",
    "accounts:two_factor_setup": "Configurar a verificação em duas etapas",
    "accounts:user_list": "Usuários",
    "accounts:channel_list": "Canais de vendas",
    "accounts:channel_create": "Novo canal de vendas",
    "accounts:representative_list": "Representantes de vendas",
    "accounts:representative_create": "Novo representante",
}


@pytest.mark.parametrize(("name", "heading"), ANONYMOUS_PAGES.items())
def test_pages_open_to_everyone_render_in_portuguese(name, heading):
    response = Client().get(reverse(name))

    assert response.status_code == 200
    assert heading in response.content.decode()


@pytest.mark.parametrize(("name", "heading"), STAFF_PAGES.items())
def test_staff_pages_render_in_portuguese_for_the_admin(name, heading, admin_user, signed_in):
    response = signed_in(admin_user).get(reverse(name))

    content = response.content.decode()
    assert response.status_code == 200
    assert heading in content
    assert "Sair" in content  # inside the staff layout, with the sign-out button


def test_edit_pages_render_for_the_admin(admin_user, signed_in):
    rep = SalesRepresentativeFactory(channel=SalesChannelFactory(name="Canal Leste"))
    client = signed_in(admin_user)

    channel_page = client.get(reverse("accounts:channel_edit", args=[rep.channel.pk]))
    rep_page = client.get(reverse("accounts:representative_edit", args=[rep.pk]))
    user_page = client.get(reverse("accounts:user_detail", args=[rep.user.pk]))

    assert "Canal Leste" in channel_page.content.decode()
    assert str(rep.user) in rep_page.content.decode()
    assert "Papéis" in user_page.content.decode()
