"""A salesperson sells a quota in a real Chromium: group, quota, live member search, review,
reservation with its deadline, contract accepted, sale confirmed — with no CSP violation."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.groups.models import QuotaStatus, QuotaVersion
from tests.groups.conftest import make_group
from tests.members.factories import register
from tests.ui.support import ensure_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "senha-da-venda-123"


@pytest.fixture
def seller() -> User:
    ensure_roles()  # an earlier transactional test may have flushed the migration's groups
    user = User.objects.create_user(username="vera", password=PASSWORD, full_name="Vera Vendas")
    user.groups.add(Group.objects.get(name=Role.OPERATIONS.value))
    return user


def test_a_seller_walks_the_sale_wizard_to_a_confirmed_sale(
    page, live_server, seller, assert_no_csp_violations
):
    check = assert_no_csp_violations
    group = make_group(actor=seller)
    member = register(actor=seller, name="Helena Compradora")

    page.goto("/contas/entrar/")
    page.get_by_label("Usuário").fill("vera")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/$"))
    page.locator("ul.main-nav").get_by_role("link", name="Vender cota").click()
    page.wait_for_url(re.compile(r"/grupos/vender/$"))
    check(page)

    page.get_by_test_id(f"sale-group-{group.code}").click()
    page.get_by_label("Número da cota").select_option("4")
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url(re.compile(r"/consorciado/\?cota=4"))
    page.evaluate("window.__samePage = true")
    page.get_by_label("Buscar consorciado (nome, CPF/CNPJ ou e-mail)").press_sequentially("helena")
    found = page.locator("#sale-members").get_by_role("link", name="Helena Compradora")
    found.wait_for()
    assert page.evaluate("window.__samePage") is True  # htmx swapped the results only
    check(page)

    found.click()
    page.wait_for_url(re.compile(r"/revisao/"))
    assert "R$" in page.get_by_test_id("first-installment").inner_text()
    check(page)
    page.get_by_role("button", name="Reservar cota").click()
    deadline = page.get_by_test_id("reservation-deadline")
    assert re.fullmatch(r"Reservada até \d\d/\d\d/\d{4} \d\d:\d\d\.", deadline.inner_text())
    check(page)

    # The cancel button asks first (styled confirm dialog); backing out sends nothing.
    page.get_by_role("button", name="Cancelar reserva").click()
    dialog = page.locator("dialog#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "Cancelar esta reserva?" in dialog.inner_text()
    dialog.get_by_role("button", name="Voltar").click()
    dialog.wait_for(state="hidden")

    page.get_by_label("Li e aceito o contrato de adesão").check()
    page.get_by_role("button", name="Confirmar venda").click()
    page.get_by_test_id("sale-done").wait_for()
    check(page)
    version = QuotaVersion.objects.get(member=member)
    assert (version.status, version.quota.number) == (QuotaStatus.ACTIVE, 4)
