"""A staff user walks the shell in a real Chromium: login, menu by role, live search, a job's
progress bar reaching 100%, the confirm dialog and toast of an htmx POST, logout — with no
Content-Security-Policy violation on any page."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.accounts.roles import Role
from consorcio.jobs import claim_chunk, complete_chunk, plan_chunks, start_job
from consorcio.models import Job
from tests.kernel.celery_app.support import routed_to, unique_queue_name
from tests.ui.support import ensure_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "senha-do-navegador-123"
SCREENSHOT = "/tmp/consorcio-home.png"


@pytest.fixture
def operator() -> User:
    ensure_roles()  # an earlier transactional test may have flushed the migration's groups
    user = User.objects.create_user(
        username="olivia", password=PASSWORD, full_name="Olívia Operações"
    )
    user.groups.add(Group.objects.get(name=Role.OPERATIONS.value))
    return user


@pytest.fixture
def private_queue():
    """plan_chunks enqueues real task messages after commit: send them to a queue of ours."""
    with routed_to(unique_queue_name()) as name:
        yield name


def _log_in(page, check) -> None:
    page.goto("/")
    assert re.search(r"/contas/entrar/\?next=/$", page.url)
    check(page)
    page.get_by_label("Usuário").fill("olivia")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_staff_user_walks_the_shell_without_csp_violations(
    page, live_server, operator, private_queue, assert_no_csp_violations
):
    check = assert_no_csp_violations
    for description in ("Remessa de março", "Relatório de cotas", "Remessa de abril"):
        start_job(kind="reports.export", description=description, started_by=operator)

    # Login through the real sign-in page; the home page greets the user.
    _log_in(page, check)
    header = page.locator("header.site-header")
    assert header.get_by_test_id("user-name").inner_text() == "Olívia Operações"
    assert page.locator("h1").inner_text() == "Início"
    menu = page.locator("ul.main-nav a").all_inner_texts()
    assert "Minhas tarefas" in menu
    assert "Administração" not in menu
    assert "API" not in menu
    page.screenshot(path=SCREENSHOT, full_page=True)
    check(page)

    # The data table's live search swaps only the results (no page load) and keeps the URL.
    page.get_by_role("link", name="Minhas tarefas").first.click()
    page.wait_for_url(re.compile(r"/tarefas/$"))
    rows = page.locator("#jobs-results tbody tr")
    assert rows.count() == 3
    page.evaluate("window.__samePage = true")
    page.get_by_placeholder("Buscar por descrição ou tipo").press_sequentially("remessa")
    expect(rows).to_have_count(2)
    assert page.evaluate("window.__samePage") is True  # htmx swapped a fragment
    assert sorted(rows.locator("td:first-child").all_inner_texts()) == [
        "Remessa de abril",
        "Remessa de março",
    ]
    page.wait_for_url(re.compile(r"/tarefas/\?q=remessa"))
    page.get_by_placeholder("Buscar por descrição ou tipo").fill("nada-assim")
    page.get_by_test_id("empty-state").wait_for()
    check(page)

    # A job's page polls its progress until the bar reaches 100%, then stops polling.
    job = start_job(kind="reports.export", description="Cobrança de teste", started_by=operator)
    plan_chunks(job, [{}, {}, {}, {}], sizes=[5, 5, 5, 5])
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/progresso/" in r.url else None)
    page.goto(f"/tarefas/{job.pk}/")
    progress = page.get_by_test_id("job-progress")
    assert progress.get_attribute("data-percent") == "0"
    for index in range(4):
        complete_chunk(claim_chunk(job.pk, index), 5)
        time.sleep(0.3)
    page.wait_for_selector('[data-testid="job-progress"][data-job-state="succeeded"]', timeout=5000)
    assert page.get_by_test_id("job-percent").inner_text() == "100%"
    assert page.locator("progress").get_attribute("value") == "100"
    assert "20 de 20" in progress.inner_text()
    page.locator(".toast-success", has_text="Tarefa concluída.").wait_for()
    polls_when_done = len(polls)
    assert polls_when_done >= 1
    page.wait_for_timeout(1500)
    assert len(polls) == polls_when_done  # the finished partial has no trigger: polling stopped
    check(page)

    # An htmx POST (CSRF header from <body hx-headers>) behind the styled confirm dialog.
    other = start_job(kind="reports.export", description="Exportação longa", started_by=operator)
    page.goto(f"/tarefas/{other.pk}/")
    page.get_by_test_id("job-cancel").click()
    dialog = page.locator("dialog#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "Cancelar esta tarefa?" in dialog.inner_text()
    dialog.get_by_role("button", name="Voltar").click()  # backs out: nothing is sent
    page.wait_for_timeout(300)
    other.refresh_from_db()
    assert other.state == Job.State.PENDING
    page.get_by_test_id("job-cancel").click()
    dialog.get_by_role("button", name="Confirmar").click()
    page.locator(".toast-success", has_text="Tarefa cancelada.").wait_for()
    page.wait_for_selector('[data-testid="job-progress"][data-job-state="cancelled"]')
    other.refresh_from_db()
    assert other.state == Job.State.CANCELLED
    check(page)

    # Logout (a POST form in the header) ends the session.
    page.locator("form.logout-form button").click()
    page.wait_for_url(re.compile(r"/contas/entrar/"))
    check(page)
    page.goto("/tarefas/")
    assert "/contas/entrar/" in page.url
    check(page)


def test_a_progress_poll_the_server_refuses_stops_polling_and_warns_once(
    page, operator, assert_no_csp_violations
):
    job = start_job(kind="reports.export", description="Exportação apagada", started_by=operator)
    _log_in(page, assert_no_csp_violations)
    page.goto(f"/tarefas/{job.pk}/")
    page.get_by_test_id("job-progress").wait_for()

    Job.objects.filter(pk=job.pk).delete()  # the next poll answers 404

    page.wait_for_selector('[data-testid="job-progress"][data-poll-stopped="404"]', timeout=5000)
    page.wait_for_timeout(2200)  # two more polling periods: nothing more is asked or shown
    assert page.locator(".toast-warning").count() == 1
    assert "O progresso deixou de ser atualizado (erro 404)" in page.locator(".toasts").inner_text()
    assert_no_csp_violations(page)


def test_the_browser_enforces_the_csp_and_the_watch_reports_a_violation(page):
    page.goto("/contas/entrar/")
    assert page.csp_watch.violations(page) == []

    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__inlineRan = true";
          document.body.appendChild(s);
          const d = document.createElement("div");
          d.setAttribute("style", "color: red");
          document.body.appendChild(d);
        }"""
    )
    page.wait_for_timeout(200)

    assert page.evaluate("window.__inlineRan === true") is False  # blocked, not run
    violations = " ".join(page.csp_watch.violations(page))
    assert "script-src" in violations
    assert "style-src" in violations
