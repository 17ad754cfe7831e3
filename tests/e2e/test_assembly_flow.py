"""The issue's "done when", in a real Chromium: an operator runs a monthly assembly from
bidding to the published minutes — opens bidding, enters a bid and sees its receipt, closes
bidding, records the five prizes, computes the results with live progress, reads the award
table, the search trace and the ranking, publishes and downloads the minutes (a PDF) — with
no CSP violation on the way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.draws import tasks  # noqa: F401 - registers the results job kind, as the worker does
from apps.draws.models import AssemblyState, Bid
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.draws.interface_support import PRIZES, prizes_day, upcoming_assembly
from tests.groups.test_contract import pdf_text
from tests.kernel.celery_app.support import routed_to, unique_queue_name
from tests.ui.support import ensure_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "senha-da-assembleia-123"


@pytest.fixture
def operator() -> User:
    ensure_roles()  # an earlier transactional test may have flushed the migration's groups
    user = User.objects.create_user(
        username="otilia", password=PASSWORD, full_name="Otília Operações"
    )
    user.groups.add(Group.objects.get(name=Role.OPERATIONS.value))
    return user


@pytest.fixture
def private_queue():
    """The results job is enqueued after commit: send its message to a queue of ours."""
    with routed_to(unique_queue_name()) as name:
        yield name


def _sign_in(page) -> None:
    page.goto("/contas/entrar/")
    page.get_by_label("Usuário").fill("otilia")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/$"))


def _confirm(page, button_test_id: str) -> None:
    """Click a state button and accept the confirm dialog; wait for the page that follows."""
    page.get_by_test_id(button_test_id).click()
    dialog = page.locator("dialog#confirm-dialog")
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Confirmar").click()


def _state(page) -> str:
    return page.get_by_test_id("assembly-state").inner_text()


def test_an_operator_runs_an_assembly_from_bidding_to_the_minutes(
    page, live_server, operator, private_queue, assert_no_csp_violations, tmp_path: Path
):
    check = assert_no_csp_violations
    assembly = upcoming_assembly(operator)
    _sign_in(page)

    # The calendar (from the menu) lists the group's assembly; its page shows the state.
    page.locator("ul.main-nav").get_by_role("link", name="Assembleias").click()
    page.wait_for_url(re.compile(r"/assembleias/$"))
    check(page)
    page.locator("#assemblies-results").get_by_role("link", name=assembly.group.code).click()
    page.wait_for_url(re.compile(rf"/assembleias/{assembly.pk}/$"))
    assert _state(page) == "Agendada"
    check(page)

    # Bidding opens; a bid for quota 7 gets its receipt.
    _confirm(page, "transition-bidding_open")
    assert _state(page) == "Lances abertos"
    page.get_by_test_id("bid-entry").click()
    page.get_by_label("Número da cota").fill("7")
    page.get_by_label("Tipo de lance").select_option("free")
    page.get_by_label("Lance (% do crédito)").fill("45")
    page.get_by_role("button", name="Registrar lance").click()
    receipt = page.get_by_test_id("bid-receipt-hash").inner_text()
    assert receipt == Bid.objects.get(assembly=assembly).receipt
    check(page)

    # Bidding closes; the operator types the extraction's five prizes.
    page.goto(f"/assembleias/{assembly.pk}/")
    _confirm(page, "transition-bidding_closed")
    assert _state(page) == "Lances encerrados"
    page.get_by_test_id("extraction-open").click()
    page.get_by_label("Concurso").fill("5000")
    page.get_by_label("Data da extração").fill(prizes_day().isoformat())
    for position, prize in enumerate(PRIZES, start=1):
        page.get_by_label(f"{position}º prêmio").fill(prize)
    page.get_by_role("button", name="Registrar prêmios").click()
    page.get_by_test_id("prizes").wait_for()
    assert "1º 48602" in page.get_by_test_id("prizes").inner_text()
    check(page)

    # The computation runs as a job whose progress the page follows to the end.
    _confirm(page, "compute")
    progress = page.get_by_test_id("job-progress")
    progress.wait_for()
    for chunk in JobChunk.objects.filter(job__params__assembly=assembly.pk, state="pending"):
        run_job_chunk(str(chunk.job_id), chunk.index)  # what the worker does
    page.wait_for_selector('[data-testid="job-progress"][data-job-state="succeeded"]')
    assert page.get_by_test_id("job-percent").inner_text() == "100%"
    page.get_by_test_id("job-result").click()
    page.get_by_test_id("award-table").wait_for()
    assert _state(page) == "Resultado apurado"
    assert page.get_by_test_id("draw-key").inner_text() == "2"  # 48602 mod 12
    awards = page.get_by_test_id("award-table").inner_text()
    assert "Sorteio" in awards
    assert "R$ 100.000,00" in awards
    assert "Cota 3 (chave +1): sorteada." in page.get_by_test_id("search-trace").inner_text()
    assert receipt in page.get_by_test_id("bid-ranking").inner_text()
    check(page)

    # Publication stores the minutes; the operator downloads the PDF.
    _confirm(page, "transition-results_published")
    assert _state(page) == "Resultado publicado"
    with page.expect_download() as pending:
        page.get_by_test_id("minutes-download").click()
    saved = tmp_path / pending.value.suggested_filename
    pending.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert f"Ata da assembleia geral ordinária nº {assembly.number}" in text
    assert "Chave: cota 2" in text
    check(page)
    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.RESULTS_PUBLISHED
