"""``GET /api/v1/jobs/<id>/``: the progress the UI polls, shown only to whom it belongs."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from consorcio.jobs import (
    add_job_message,
    claim_chunk,
    complete_chunk,
    finish_job,
    plan_chunks,
    start_job,
)
from consorcio.models import Job
from tests.kernel.jobs.kinds import COUNTING

pytestmark = pytest.mark.django_db


def _user(username: str, *, is_staff: bool = False):
    return get_user_model().objects.create_user(username=username, password="x", is_staff=is_staff)


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _url(job: Job | uuid.UUID) -> str:
    return f"/api/v1/jobs/{getattr(job, 'pk', job)}/"


@pytest.fixture
def owner():
    return _user("dona")


@pytest.fixture
def half_done_job(owner, django_capture_on_commit_callbacks) -> Job:
    job = start_job(kind=COUNTING, description="Importação do arquivo CNAB", started_by=owner)
    with django_capture_on_commit_callbacks(execute=False):
        plan_chunks(job, [{}, {}, {}], sizes=[40, 40, 20])
    complete_chunk(claim_chunk(job.pk, 0), 40)
    add_job_message(job, "warning", "Linha 17: nosso número desconhecido.")
    job.refresh_from_db()
    return job


def test_the_user_who_started_a_job_follows_its_progress(owner, half_done_job):
    response = _client(owner).get(_url(half_done_job))

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ["kind", "description", "state", "done", "total", "percent"]} == {
        "kind": COUNTING,
        "description": "Importação do arquivo CNAB",
        "state": "running",
        "done": 40,
        "total": 100,
        "percent": 40,
    }
    assert body["id"] == str(half_done_job.pk)
    assert [(m["level"], m["text"]) for m in body["messages"]] == [
        ("warning", "Linha 17: nosso número desconhecido.")
    ]
    assert body["result_url"] is None
    assert body["error"] is None
    assert body["started_at"] is not None
    assert body["finished_at"] is None


def test_a_finished_job_reads_one_hundred_percent_with_its_result_link(owner):
    job = start_job(kind=COUNTING, started_by=owner)
    finish_job(job, result_url="/media/relatorios/inadimplencia.xlsx")

    body = _client(owner).get(_url(job)).json()

    assert (body["state"], body["percent"]) == ("succeeded", 100)
    assert body["result_url"] == "/media/relatorios/inadimplencia.xlsx"
    assert body["finished_at"] is not None


def test_only_the_last_twenty_messages_are_sent_oldest_first(owner):
    job = start_job(kind=COUNTING, started_by=owner)
    for i in range(25):
        add_job_message(job, "info", f"mensagem {i}")

    body = _client(owner).get(_url(job)).json()

    assert [m["text"] for m in body["messages"]] == [f"mensagem {i}" for i in range(5, 25)]


def test_another_user_gets_not_found_as_for_a_job_that_does_not_exist(half_done_job):
    stranger = _client(_user("estranho"))

    response = stranger.get(_url(half_done_job))
    missing = stranger.get(_url(uuid.uuid4()))

    assert response.status_code == missing.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == missing.json()["code"] == "not_found"
    assert "Importação" not in response.content.decode()


def test_staff_can_follow_anyones_job(half_done_job):
    response = _client(_user("supervisora", is_staff=True)).get(_url(half_done_job))

    assert response.status_code == 200
    assert response.json()["done"] == 40


def test_an_anonymous_caller_is_refused(half_done_job):
    response = _client().get(_url(half_done_job))

    assert response.status_code in (401, 403)
    assert "Importação" not in response.content.decode()
