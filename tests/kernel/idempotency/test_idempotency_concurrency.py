"""Concurrent requests with one Idempotency-Key against a live server: the view runs once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from apps.accounts.models import User
from consorcio.idempotency import REPLAYED_HEADER
from tests.kernel.idempotency import urls as views

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.kernel.idempotency.urls"),
]

PASSWORD = "senha-de-teste"


@pytest.fixture
def credentials() -> tuple[str, str]:
    User.objects.create_user(username="integradora", password=PASSWORD)
    return ("integradora", PASSWORD)


@pytest.fixture
def held_view() -> Any:
    views.ENTERED.clear()
    views.RELEASE.clear()
    yield
    views.RELEASE.set()


def send(url: str, auth: tuple[str, str], key: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(url, json=body, headers={"Idempotency-Key": key}, auth=auth, timeout=20)


def test_request_arriving_while_the_first_runs_gets_409_then_the_replay(
    live_server: Any, credentials: tuple[str, str], held_view: None
) -> None:
    url = f"{live_server.url}/users"
    key = str(uuid.uuid4())
    body = {"username": "rita", "hold": True}
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(send, url, credentials, key, body)
        assert views.ENTERED.wait(timeout=15), "the first request never reached the view"

        during = send(url, credentials, key, body)
        different = send(url, credentials, key, {"username": "outra", "hold": True})
        views.RELEASE.set()
        first_response = first.result(timeout=20)
    after = send(url, credentials, key, body)

    assert during.status_code == 409
    assert during.headers["Content-Type"] == "application/problem+json"
    assert during.json()["code"] == "idempotency_request_in_progress"
    assert during.headers["Retry-After"] == "1"
    assert different.status_code == 422
    assert different.json()["code"] == "idempotency_key_mismatch"
    assert first_response.status_code == 201
    assert after.status_code == 201
    assert after.headers[REPLAYED_HEADER] == "true"
    assert after.json() == first_response.json()
    assert User.objects.filter(username="rita").count() == 1
    assert not User.objects.filter(username="outra").exists()


def test_simultaneous_requests_with_one_key_run_the_view_exactly_once(
    live_server: Any, credentials: tuple[str, str]
) -> None:
    url = f"{live_server.url}/users"
    key = str(uuid.uuid4())
    body = {"username": "sol", "pause": 0.3}
    clients = 8
    start = threading.Barrier(clients)

    def racer() -> requests.Response:
        start.wait(timeout=10)
        return send(url, credentials, key, body)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        responses = list(pool.map(lambda _: racer(), range(clients)))

    executed = [r for r in responses if r.status_code == 201 and REPLAYED_HEADER not in r.headers]
    replayed = [r for r in responses if r.headers.get(REPLAYED_HEADER) == "true"]
    refused = [r for r in responses if r.status_code == 409]
    assert len(executed) == 1
    assert len(executed) + len(replayed) + len(refused) == clients
    assert all(r.json()["code"] == "idempotency_request_in_progress" for r in refused)
    assert all(r.json() == executed[0].json() for r in replayed)
    assert User.objects.filter(username="sol").count() == 1
