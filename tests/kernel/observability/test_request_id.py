"""Every request has an id: in its JSON log lines and in the X-Request-ID response header."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path
from structlog.stdlib import ProcessorFormatter


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("segredo interno que não pode vazar")


# A URLconf for the failure case: the project has no view that raises on purpose.
urlpatterns = [path("boom", _boom)]


@pytest.fixture
def json_log_lines() -> Iterator[io.StringIO]:
    """Capture what django-structlog logs, rendered by the project's configured formatter."""
    formatter = next(
        (
            h.formatter
            for h in logging.getLogger().handlers
            if isinstance(h.formatter, ProcessorFormatter)
        ),
        None,
    )
    assert formatter is not None, "LOGGING must give the root handler the structlog formatter"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("django_structlog")
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)


def _events(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/health/live")["X-Request-ID"]
    second = client.get("/health/live")["X-Request-ID"]

    assert uuid.UUID(first)
    assert uuid.UUID(second)
    assert first != second


def test_a_request_id_sent_by_the_proxy_is_kept(client):
    sent = f"ingress-{uuid.uuid4().hex}"

    response = client.get("/health/live", headers={"X-Request-ID": sent})

    assert response["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent",
    ["x" * 65, "tem espaço e\nquebra", "short", "<script>alert(1)</script>"],
)
def test_a_request_id_that_does_not_look_like_an_id_is_replaced(client, sent):
    response = client.get("/health/live", headers={"X-Request-ID": sent})

    assert response["X-Request-ID"] != sent
    assert uuid.UUID(response["X-Request-ID"])


def test_a_web_request_logs_json_lines_carrying_its_request_id(client, json_log_lines):
    response = client.get("/health/live")

    events = _events(json_log_lines)
    finished = [event for event in events if event["event"] == "request_finished"]
    assert len(finished) == 1
    assert finished[0]["request_id"] == response["X-Request-ID"]
    assert finished[0]["code"] == 200
    assert finished[0]["request"] == "GET /health/live"
    assert {event["request_id"] for event in events} == {response["X-Request-ID"]}


def test_a_failing_request_still_answers_with_its_request_id_and_logs_it(
    client, settings, json_log_lines
):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False

    response = client.get("/boom")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    failed = [event for event in _events(json_log_lines) if event["event"] == "request_failed"]
    assert [event["request_id"] for event in failed] == [request_id]
    assert "segredo interno" not in response.content.decode()
