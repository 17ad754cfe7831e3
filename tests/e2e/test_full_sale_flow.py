"""The issue's "done when", in a real Chromium: a staff user registers a member, creates a
group, sells it a quota through the wizard and downloads the contract of adhesion as a PDF
that names the member — with no CSP violation on the way."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.groups.models import ConsortiumGroup, QuotaStatus, QuotaVersion
from apps.members.models import Member
from tests.groups.test_contract import pdf_text
from tests.ui.support import ensure_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "senha-do-fluxo-123"
MEMBER_NAME = "Beatriz Adesão"


@pytest.fixture
def operator() -> User:
    ensure_roles()  # an earlier transactional test may have flushed the migration's groups
    user = User.objects.create_user(
        username="otavio", password=PASSWORD, full_name="Otávio Operações"
    )
    user.groups.add(Group.objects.get(name=Role.OPERATIONS.value))
    return user


def _field(page, label: str):
    """The form field labelled exactly ``label`` (a required one's label ends in " *")."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def _sign_in(page) -> None:
    page.goto("/contas/entrar/")
    page.get_by_label("Usuário").fill("otavio")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/$"))


def _register_member(page, check) -> None:
    page.goto(reverse("members:create"))
    _field(page, "Tipo").select_option("PF")
    page.get_by_label("CPF ou CNPJ").fill("529.982.247-25")
    _field(page, "Nome").fill(MEMBER_NAME)
    page.get_by_label("E-mail").fill("beatriz@example.com")
    page.get_by_label("Renda mensal declarada (R$)").fill("6500.00")
    page.get_by_label("Logradouro").fill("Rua XV de Novembro")
    _field(page, "Número").fill("700")
    page.get_by_label("Bairro").fill("Centro")
    page.get_by_label("Cidade").fill("Curitiba")
    _field(page, "UF").select_option("PR")
    page.get_by_label("CEP").fill("80020-310")
    check(page)
    page.get_by_role("button", name="Salvar").click()
    page.wait_for_url(re.compile(r"/membros/\d+/$"))
    check(page)


def _create_group(page, check) -> None:
    page.goto(reverse("groups:list"))
    page.get_by_test_id("group-create").click()
    page.wait_for_url(re.compile(r"/grupos/novo/$"))
    _field(page, "Código").fill("IMV-0101")
    _field(page, "Nome").fill("Imóveis 100 meses")
    page.get_by_label("Segmento").select_option("real_estate")
    page.get_by_label("Valor do crédito de referência (R$)").fill("100.000,00")
    page.get_by_label("Prazo (meses)").fill("100")
    page.get_by_label("Número máximo de cotas").fill("200")
    page.get_by_label("Versão do contrato").fill("2026.1")
    page.get_by_label("Índice de reajuste").select_option("incc")
    check(page)
    page.get_by_role("button", name="Criar grupo").click()
    page.wait_for_url(re.compile(r"/grupos/\d+/$"))
    check(page)


def _sell_quota(page, check) -> None:
    page.locator("ul.main-nav").get_by_role("link", name="Vender cota").click()
    page.wait_for_url(re.compile(r"/grupos/vender/$"))
    page.get_by_test_id("sale-group-IMV-0101").click()
    page.get_by_label("Número da cota").select_option("12")
    page.get_by_role("button", name="Continuar").click()
    page.wait_for_url(re.compile(r"/consorciado/\?cota=12"))
    page.get_by_label("Buscar consorciado (nome, CPF/CNPJ ou e-mail)").press_sequentially("beatriz")
    found = page.locator("#sale-members").get_by_role("link", name=MEMBER_NAME)
    found.wait_for()
    found.click()
    page.wait_for_url(re.compile(r"/revisao/"))
    # Worked example 1: R$100,000, 100 months, 15% fee, 2% reserve → R$ 1.170,00.
    assert "R$ 1.170,00" in page.get_by_test_id("first-installment").inner_text()
    page.get_by_role("button", name="Reservar cota").click()
    page.get_by_test_id("reservation-deadline").wait_for()
    page.get_by_label("Li e aceito o contrato de adesão").check()
    page.get_by_role("button", name="Confirmar venda").click()
    page.get_by_test_id("sale-done").wait_for()
    check(page)


def test_staff_registers_a_member_creates_a_group_sells_a_quota_and_downloads_the_contract(
    page, live_server, operator, assert_no_csp_violations, tmp_path: Path
):
    check = assert_no_csp_violations
    _sign_in(page)
    _register_member(page, check)
    _create_group(page, check)
    _sell_quota(page, check)

    table = page.get_by_test_id("sale-first-installment").inner_text()
    assert "R$ 1.000,00" in table  # common fund, 1,0000%
    assert "1,1700%" in table
    with page.expect_download() as pending:
        page.get_by_role("button", name="Baixar contrato (PDF)").click()
    download = pending.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()

    assert saved.suffix == ".pdf"
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert MEMBER_NAME in text
    assert "529.982.247-25" in text
    assert "Parcela mensal 1,1700% R$ 1.170,00" in text
    member = Member.objects.get(document="52998224725")
    version = QuotaVersion.objects.get(member=member)
    assert (version.status, version.quota.number) == (QuotaStatus.ACTIVE, 12)
    assert version.quota.group == ConsortiumGroup.objects.get(code="IMV-0101")
    assert version.contract is not None
    assert version.contract.sha256 == hashlib.sha256(content).hexdigest()
