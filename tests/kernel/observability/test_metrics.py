"""/metrics: Prometheus text for the scraper; closed in production unless the token is sent."""

from __future__ import annotations

import pytest

# /metrics reads the outbox and job state from the database at scrape time.
pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0123456789"


def test_metrics_expose_http_request_counters_in_development(client):
    client.get("/health/live")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert "django_http_responses_total_by_status_total" in body


def test_metrics_expose_the_lock_outbox_and_job_families_before_any_use(client):
    body = client.get("/metrics").content.decode()

    for family in (
        "consorcio_lock_acquisitions_total",
        "consorcio_lock_hold_seconds",
        "consorcio_outbox_deliveries_total",
        "consorcio_outbox_dead_letters_total",
        "consorcio_jobs_chunks_total",
        "consorcio_jobs_finished_total",
    ):
        assert f"# HELP {family} " in body


@pytest.fixture
def production_metrics(settings):
    settings.METRICS_PUBLIC = False
    settings.METRICS_TOKEN = TOKEN
    return settings


def test_production_metrics_refuse_a_scraper_without_the_token(client, production_metrics):
    response = client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "django_http" not in response.content.decode()


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN}x", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", "Bearer "],
)
def test_production_metrics_refuse_a_wrong_token(client, production_metrics, authorization):
    response = client.get("/metrics", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert "django_http" not in response.content.decode()


def test_production_metrics_answer_the_scraper_that_sends_the_token(client, production_metrics):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert "django_http_requests_total_by_method_total" in response.content.decode()


def test_production_metrics_do_not_exist_when_no_token_is_configured(client, settings):
    settings.METRICS_PUBLIC = False
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", headers={"Authorization": "Bearer "})

    assert response.status_code == 404
