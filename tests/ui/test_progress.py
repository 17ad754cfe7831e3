"""The progress component: a job's page polls its progress partial until the job ends."""

from __future__ import annotations

import json

import pytest

from apps.accounts.roles import Role
from consorcio.jobs import (
    add_job_message,
    claim_chunk,
    complete_chunk,
    fail_job,
    finish_job,
    plan_chunks,
    start_job,
)
from consorcio.models import Job

pytestmark = pytest.mark.django_db

POLL = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(make_staff):
    return make_staff(Role.FINANCE, full_name="Fernanda Finanças")


@pytest.fixture
def running_job(owner, django_capture_on_commit_callbacks) -> Job:
    job = start_job(kind="finance.billing_run", description="Cobrança de março", started_by=owner)
    with django_capture_on_commit_callbacks(execute=False):
        plan_chunks(job, [{}, {}, {}, {}], sizes=[25, 25, 25, 25])
    complete_chunk(claim_chunk(job.pk, 0), 25)
    add_job_message(job, "warning", "Cota 12: boleto sem vencimento.")
    job.refresh_from_db()
    return job


def test_the_job_page_shows_the_running_progress_and_polls_every_second(
    owner, running_job, signed_in
):
    html = signed_in(owner).get(f"/tarefas/{running_job.pk}/").content.decode()

    assert 'data-job-state="running"' in html
    assert f'hx-get="/tarefas/{running_job.pk}/progresso/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert '<progress value="25" max="100"' in html
    assert "25 de 100" in html
    assert "Cota 12: boleto sem vencimento." in html
    assert "Cancelar tarefa" in html


def test_each_poll_reports_the_progress_made_since_the_last_one(owner, running_job, signed_in):
    client = signed_in(owner)
    url = f"/tarefas/{running_job.pk}/progresso/"
    before = client.get(url, **POLL).content.decode()

    complete_chunk(claim_chunk(running_job.pk, 1), 25)
    after = client.get(url, **POLL)

    assert 'data-percent="25"' in before
    html = after.content.decode()
    assert 'data-percent="50"' in html
    assert "50 de 100" in html
    assert 'hx-trigger="every 1s"' in html
    assert "HX-Trigger" not in after  # no toast while it runs


def test_the_poll_of_a_finished_job_stops_polling_shows_the_result_and_a_toast(
    owner, running_job, signed_in
):
    for index in (1, 2, 3):
        complete_chunk(claim_chunk(running_job.pk, index), 25)
    finish_job(running_job, result_url="/relatorios/cobranca-marco.csv")

    response = signed_in(owner).get(f"/tarefas/{running_job.pk}/progresso/", **POLL)

    html = response.content.decode()
    assert 'data-job-state="succeeded"' in html
    assert "hx-trigger" not in html
    assert "hx-get" not in html
    assert '<progress value="100" max="100"' in html
    assert 'href="/relatorios/cobranca-marco.csv"' in html
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast == {"level": "success", "text": "Tarefa concluída. Cobrança de março"}


def test_a_failed_job_shows_its_error_and_stops_polling(owner, running_job, signed_in):
    fail_job(running_job, error="Arquivo do banco ilegível na linha 3.")

    response = signed_in(owner).get(f"/tarefas/{running_job.pk}/progresso/", **POLL)

    html = response.content.decode()
    assert 'data-testid="job-error"' in html
    assert "Arquivo do banco ilegível na linha 3." in html
    assert "hx-trigger" not in html
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "error"


def test_the_partial_shows_the_same_numbers_as_the_job_api(owner, running_job, signed_in):
    client = signed_in(owner)

    api = client.get(f"/api/v1/jobs/{running_job.pk}/").json()
    html = client.get(f"/tarefas/{running_job.pk}/progresso/", **POLL).content.decode()

    assert f'data-percent="{api["percent"]}"' in html
    assert f"{api['done']} de {api['total']}" in html
    assert f'data-job-state="{api["state"]}"' in html


def test_someone_elses_job_is_not_found_on_every_job_page(running_job, make_staff, signed_in):
    stranger = signed_in(make_staff(Role.FINANCE))

    pages = [
        stranger.get(f"/tarefas/{running_job.pk}/"),
        stranger.get(f"/tarefas/{running_job.pk}/progresso/", **POLL),
    ]
    cancel = stranger.post(f"/tarefas/{running_job.pk}/cancelar/")

    assert [page.status_code for page in pages] == [404, 404]
    assert cancel.status_code == 404
    running_job.refresh_from_db()
    assert running_job.state == Job.State.RUNNING


def test_the_home_page_shows_the_users_recent_jobs_with_their_progress(
    owner, running_job, signed_in
):
    html = signed_in(owner).get("/").content.decode()

    assert "Tarefas recentes" in html
    assert f'id="job-progress-{running_job.pk}"' in html
    assert 'hx-trigger="every 1s"' in html
