"""htmx POSTs carry the CSRF token from <body hx-headers>; without it Django refuses them."""

from __future__ import annotations

import json
import re

import pytest

from apps.accounts.roles import Role
from consorcio.jobs import start_job
from consorcio.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_staff):
    return make_staff(Role.OPERATIONS)


@pytest.fixture
def job(owner) -> Job:
    return start_job(kind="reports.export", description="Exportação de cotas", started_by=owner)


def _body_csrf_token(html: str) -> str:
    """The token base.html hands htmx in ``<body hx-headers='{"X-CSRFToken": ...}'>``."""
    attribute = re.search(r"<body hx-headers='([^']+)'>", html).group(1)
    return json.loads(attribute)["X-CSRFToken"]


@pytest.mark.embedded
def test_an_htmx_post_with_the_token_from_the_page_is_accepted(owner, job, signed_in):
    client = signed_in(owner, enforce_csrf_checks=True)
    token = _body_csrf_token(client.get(f"/tarefas/{job.pk}/").content.decode())

    response = client.post(
        f"/tarefas/{job.pk}/cancelar/", HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 200
    assert 'data-job-state="cancelled"' in response.content.decode()
    assert json.loads(response["HX-Trigger"])["toast"] == {
        "level": "success",
        "text": "Tarefa cancelada.",
    }
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED


def test_an_htmx_post_without_the_token_is_refused_and_changes_nothing(owner, job, signed_in):
    client = signed_in(owner, enforce_csrf_checks=True)
    client.get(f"/tarefas/{job.pk}/")  # the CSRF cookie is there; the header is not

    response = client.post(f"/tarefas/{job.pk}/cancelar/", HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == Job.State.PENDING


def test_an_htmx_post_with_a_forged_token_is_refused_and_changes_nothing(owner, job, signed_in):
    client = signed_in(owner, enforce_csrf_checks=True)
    client.get(f"/tarefas/{job.pk}/")

    response = client.post(
        f"/tarefas/{job.pk}/cancelar/", HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN="x" * 64
    )

    assert response.status_code == 403
    assert "Formulário expirado" in response.content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.PENDING


def test_the_cancel_button_asks_for_confirmation_in_the_styled_dialog(owner, job, signed_in):
    html = signed_in(owner).get(f"/tarefas/{job.pk}/").content.decode()

    button = re.search(r'<button[^>]*data-testid="job-cancel".*?</button>', html, re.S).group(0)
    assert f'hx-post="/tarefas/{job.pk}/cancelar/"' in button
    assert 'hx-confirm="Cancelar esta tarefa?' in button
    assert '<dialog id="confirm-dialog"' in html


def test_a_plain_post_cancels_and_shows_the_message_as_a_toast_on_the_next_page(
    owner, job, signed_in
):
    client = signed_in(owner)

    response = client.post(f"/tarefas/{job.pk}/cancelar/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(f"/tarefas/{job.pk}/", 302)]
    assert re.search(
        r'class="toast toast-success"[^>]*>\s*<span class="toast-text">Tarefa cancelada.', html
    )


def test_cancelling_a_job_that_already_ended_warns_and_changes_nothing(owner, job, signed_in):
    client = signed_in(owner)
    client.post(f"/tarefas/{job.pk}/cancelar/")
    job.refresh_from_db()
    finished_at = job.finished_at

    response = client.post(f"/tarefas/{job.pk}/cancelar/", HTTP_HX_REQUEST="true")

    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "warning"
    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert job.messages.count() == 1  # only the first cancellation was recorded
