"""CORS: the API answers browsers of the origins the environment allows, and no others."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.api.conftest import CHANNELS_URL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _allowed_origin():
    with override_settings(CORS_ALLOWED_ORIGINS=["https://parceiro.example"]):
        yield


def _preflight(api, origin: str, path: str = CHANNELS_URL):
    return api.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_an_allowed_origin_gets_the_cors_headers(api):
    response = _preflight(api, "https://parceiro.example")

    assert response["Access-Control-Allow-Origin"] == "https://parceiro.example"
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "idempotency-key" in allowed


def test_an_unknown_origin_gets_no_cors_headers(api):
    response = _preflight(api, "https://malicioso.example")

    assert "Access-Control-Allow-Origin" not in response


def test_an_allowed_origin_sees_the_retry_after_header_of_answers(api):
    response = api.get(CHANNELS_URL, HTTP_ORIGIN="https://parceiro.example")

    assert response["Access-Control-Allow-Origin"] == "https://parceiro.example"
    assert "retry-after" in response["Access-Control-Expose-Headers"].lower()


def test_staff_pages_send_no_cors_headers_even_to_an_allowed_origin(api):
    response = api.get("/contas/entrar/", HTTP_ORIGIN="https://parceiro.example")

    assert "Access-Control-Allow-Origin" not in response
