"""The finance issue's "done when", in a real Chromium: a finance user registers the group's bank
agreement, bills the month and watches the run finish, opens a boleto and the second copy of an
overdue charge, imports the bank's return file and reads its line-by-line result, finds the
payment on the quota's statement, and sees the holder who did not pay in the delinquency list
after the daily marking ran for a later date — with no CSP violation on the way.

The test's own thread plays the worker: it runs the chunks of the jobs the pages start (as
``run_job_chunk`` would), so no broker or worker process is needed.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.finance import tasks  # noqa: F401 - registers the job kinds the test runs
from apps.finance.models import BankAgreement, BankFile, BillingRun, Charge, Installment
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services.cnab.writer import ReturnEntry, write_cnab240_return
from consorcio.models import JobChunk
from consorcio.money import format_brl
from consorcio.tasks import run_job_chunk
from tests.finance.billing_support import billing_group
from tests.finance.delinquency_support import holder
from tests.groups.test_contract import pdf_text
from tests.ui.support import ensure_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "senha-do-fechamento-123"
HOLDERS = (1, 2, 3)  # quota 3 never pays


@pytest.fixture
def month_end():
    """A running group whose three holders joined 45 days ago: an installment fell due since."""
    ensure_roles()  # an earlier transactional test may have flushed the migration's groups
    user = User.objects.create_user(
        username="fernanda", password=PASSWORD, full_name="Fernanda Finanças"
    )
    user.groups.add(Group.objects.get(name=Role.FINANCE.value))
    group = billing_group(user, constituted_months_ago=6, code="AUT-0777")
    sold_on = timezone.localdate() - dt.timedelta(days=45)
    versions = {n: holder(group, n, actor=user, sold_on=sold_on) for n in HOLDERS}
    due = (
        Installment.objects.filter(schedule__group=group, due_date__gt=sold_on)
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    assert due is not None
    assert due < timezone.localdate()
    return user, group, versions, due


def _sign_in(page) -> None:
    page.goto("/contas/entrar/")
    page.get_by_label("Usuário").fill("fernanda")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/$"))


def _field(page, label: str):
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def _run_chunks_of(job_id) -> None:
    """Play the worker: run the job's chunks as ``run_job_chunk`` does."""
    for index in JobChunk.objects.filter(job_id=job_id).values_list("index", flat=True):
        assert run_job_chunk(str(job_id), index) in ("done", "skipped")


def _wait_for(query, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while (found := query()) is None:
        assert time.monotonic() < deadline, "the page did not create what it should"
        time.sleep(0.1)
    return found


def _register_agreement(page, group, check) -> None:
    page.locator("ul.main-nav").get_by_role("link", name="Convênios bancários").click()
    page.wait_for_url(re.compile(r"/financeiro/convenios/$"))
    page.get_by_test_id("bank-agreement-create").click()
    _field(page, "Grupo").select_option(str(group.pk))
    _field(page, "Banco").select_option("237")
    _field(page, "Agência (ou cooperativa)").fill("1234")
    _field(page, "Conta").fill("1234567")
    _field(page, "Carteira").fill("09")
    _field(page, "Código do convênio").fill("4455667")
    _field(page, "Beneficiário").fill("Administradora Exemplo Ltda")
    _field(page, "CNPJ do beneficiário").fill("11.222.333/0001-81")
    _field(page, "Chave PIX").fill("financeiro@exemplo.com.br")
    _field(page, "Primeiro nosso número").fill("1000")
    # A range past what Bradesco's 11-digit nosso número carries is refused next to the field.
    _field(page, "Último nosso número").fill("100000000000")
    page.get_by_role("button", name="Salvar").click()
    errors = page.get_by_test_id("field-errors-last_nosso_numero")
    assert "99999999999" in errors.inner_text()
    _field(page, "Último nosso número").fill("999999")
    page.get_by_role("button", name="Salvar").click()
    page.wait_for_url(re.compile(r"/financeiro/convenios/$"))
    assert "4455667" in page.locator("main").inner_text()
    check(page)


def _bill(page, group, due: dt.date, check) -> None:
    page.goto(reverse("finance:billing_run_list"))
    _field(page, "Competência (AAAA-MM)").fill(f"{due:%Y-%m}")
    _field(page, "Grupo").select_option(str(group.pk))
    page.get_by_role("button", name="Faturar").click()
    page.wait_for_url(re.compile(r"/financeiro/faturamento/\d+/$"))
    run = _wait_for(lambda: BillingRun.objects.filter(group=group).first())
    _run_chunks_of(run.job_id)
    page.locator("[data-testid=job-progress][data-job-state=succeeded]").wait_for()
    page.reload()
    summary = page.get_by_test_id("billing-summary").inner_text()
    assert re.search(r"Cobranças geradas\s+3\b", summary), summary
    check(page)


def _open_boleto_and_second_copy(page, charge: Charge) -> None:
    boleto = page.request.get(reverse("finance:charge_boleto", args=[charge.pk]))
    assert boleto.headers["content-type"] == "application/pdf"
    text = pdf_text(boleto.body())
    assert format_brl(charge.amount) in text
    assert charge.digitable_line[:5] in text.replace(".", "").replace(" ", "")
    second = page.request.get(reverse("finance:charge_second_copy", args=[charge.pk]))
    assert second.status == 200
    assert second.headers["content-type"] == "application/pdf"
    second_text = pdf_text(second.body())
    assert "2ª via do boleto" in second_text
    assert "dias de atraso" in second_text


def _upload_return_file(page, charges: list[Charge], check) -> BankFile:
    entries = [
        ReturnEntry(
            nosso_numero=charge.nosso_numero,
            title_value=charge.amount,
            due_date=charge.due_date,
            occurrence_date=charge.due_date,
            credit_date=charge.due_date + dt.timedelta(days=1),
            amount_paid=charge.amount,
            bank_fee=Decimal("1.50"),
        )
        for charge in charges
    ]
    data = write_cnab240_return(
        bank_code="237", entries=entries, generated_on=timezone.localdate(), agreement="4455667"
    )
    page.locator("ul.main-nav").get_by_role("link", name="Arquivos de retorno").click()
    page.get_by_test_id("bank-file-upload").click()
    page.get_by_label(re.compile("Arquivo de retorno")).set_input_files(
        {"name": "RETORNO-BRADESCO.RET", "mimeType": "text/plain", "buffer": data}
    )
    page.get_by_role("button", name="Enviar").click()
    page.wait_for_url(re.compile(r"/financeiro/retornos/\d+/$"))
    bank_file = _wait_for(lambda: BankFile.objects.filter(filename="RETORNO-BRADESCO.RET").first())
    _run_chunks_of(bank_file.job_id)
    page.reload()
    assert page.get_by_test_id("bank-file-status").inner_text() == "Aplicado"
    lines = page.get_by_test_id("bank-file-lines").inner_text()
    for charge in charges:
        assert charge.nosso_numero in lines
    assert "Aplicados: 2" in page.get_by_test_id("bank-file-counts").inner_text()
    check(page)
    return bank_file


def test_finance_runs_a_month_end_in_the_browser(page, month_end, assert_no_csp_violations):
    check = assert_no_csp_violations
    _user, group, versions, due = month_end
    started = time.monotonic()
    _sign_in(page)

    _register_agreement(page, group, check)
    agreement = BankAgreement.objects.get(group=group)
    assert (agreement.first_nosso_numero, agreement.next_nosso_numero) == (1000, 1000)

    _bill(page, group, due, check)
    charges = {
        charge.quota.number: charge
        for charge in Charge.objects.filter(group=group, kind="installment").select_related("quota")
    }
    assert sorted(charges) == list(HOLDERS)
    assert all(charge.bank_agreement_id == agreement.pk for charge in charges.values())

    _open_boleto_and_second_copy(page, charges[3])
    _upload_return_file(page, [charges[1], charges[2]], check)

    page.goto(reverse("finance:statement", args=[versions[1].pk]))
    paid = page.get_by_test_id("payments-total").inner_text()
    assert paid.replace("\xa0", " ") == format_brl(charges[1].amount)
    assert "Arquivo de retorno" in page.locator("main").inner_text()
    check(page)

    # The daily marking, run by the operator's command for a date before the next due date.
    later = due + dt.timedelta(days=20)
    call_command("mark_delinquency", "--date", later.isoformat(), stdout=StringIO())
    page.locator("ul.main-nav").get_by_role("link", name="Inadimplência").click()
    rows = page.locator("#delinquency-results tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[:2] == [group.code, "3"]
    assert format_brl(charges[3].amount) in cells
    check(page)

    assert find_ledger_violations() == []
    assert time.monotonic() - started < 40
