"""The API answers every failure as RFC 9457 problem+json with a stable code."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts.models import User
from consorcio.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.kernel.errors.urls")]


@pytest.fixture
def staff() -> User:
    return User.objects.create_user(username="operadora", password="senha-de-teste")


@pytest.fixture
def api(staff: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the common members of a problem and return the body."""
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == PROBLEM_TYPE_BASE + code
    assert body["title"]
    assert body["detail"]
    return body


@pytest.mark.embedded
def test_domain_error_answers_its_code_title_detail_and_extra_members(api: APIClient) -> None:
    response = api.post("/domain-error", {}, format="json", HTTP_X_REQUEST_ID="req-00000042")

    body = problem(response, 422, "quota_not_available")
    assert body["title"] == "Cota indisponível"
    assert body["detail"] == "A cota 12 do grupo 0042 já foi vendida."
    assert body["quota"] == 12
    assert body["instance"] == "/domain-error"
    assert body["request_id"] == "req-00000042"


def test_nested_validation_errors_are_listed_by_field_path(api: APIClient) -> None:
    payload = {
        "address": {"zip_code": "123", "city": "Recife"},
        "items": [{"amount": "10.00"}, {"amount": "-1"}],
    }
    response = api.post("/validation", payload, format="json")

    body = problem(response, 400, "validation_error")
    assert set(body["errors"]) == {"name", "address.zip_code", "items.1.amount"}
    assert body["errors"]["name"] == ["Este campo é obrigatório."]
    assert all(messages for messages in body["errors"].values())


def test_model_validation_errors_are_listed_like_serializer_errors(api: APIClient) -> None:
    response = api.post("/model-validation", {}, format="json")

    body = problem(response, 400, "validation_error")
    assert body["errors"] == {
        "non_field_errors": ["O vencimento é anterior à emissão."],
        "due_date": ["Inválida."],
    }


def test_a_duplicate_reaching_the_database_answers_409_without_sql_details(
    api: APIClient,
) -> None:
    User.objects.create(username="joana")

    response = api.post("/users", {"username": "joana"}, format="json")

    body = problem(response, 409, "conflict")
    text = response.content.decode()
    for internal in ("IntegrityError", "unique", "accounts_user", "duplicate", "username"):
        assert internal not in text
    assert body["request_id"]
    assert User.objects.filter(username="joana").count() == 1


def test_unexpected_exception_answers_500_without_leaking_internals_and_logs_traceback(
    api: APIClient, caplog: pytest.LogCaptureFixture
) -> None:
    api.raise_request_exception = False

    response = api.post("/explode", {}, format="json", HTTP_X_REQUEST_ID="req-00000500")

    body = problem(response, 500, "internal_error")
    assert body["request_id"] == "req-00000500"
    text = response.content.decode()
    for internal in ("hunter2", "SELECT", "RuntimeError", "Traceback", 'File "'):
        assert internal not in text
    logged = [str(r.msg) for r in caplog.records if "unhandled_exception" in str(r.msg)]
    assert logged, "the traceback must reach the operators' log"
    assert "RuntimeError" in logged[0]
    assert "hunter2" in logged[0]
    assert "req-00000500" in logged[0]


def test_django_http404_answers_not_found_without_its_internal_message(api: APIClient) -> None:
    response = api.get("/missing")

    body = problem(response, 404, "not_found")
    assert "accounts_user" not in response.content.decode()
    assert body["detail"] == "O registro solicitado não foi encontrado."


def test_throttled_request_gets_retry_after_in_whole_seconds(api: APIClient) -> None:
    response = api.get("/throttled")

    problem(response, 429, "throttled")
    assert response["Retry-After"] == "13"


def test_permission_refusal_answers_permission_denied(api: APIClient) -> None:
    problem(api.get("/forbidden"), 403, "permission_denied")


def test_anonymous_request_answers_not_authenticated() -> None:
    response = APIClient().post("/domain-error", {}, format="json")

    # JWT (the first authentication class) names its Bearer challenge, so DRF answers 401.
    problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_method_answers_method_not_allowed_with_allow_header(api: APIClient) -> None:
    response = api.get("/domain-error")

    problem(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_malformed_json_answers_malformed_request(api: APIClient) -> None:
    response = api.post("/validation", b'{"name": ', content_type="application/json")

    problem(response, 400, "malformed_request")


def test_unsupported_content_type_answers_unsupported_media_type(api: APIClient) -> None:
    response = api.post("/validation", b"<member/>", content_type="application/xml")

    problem(response, 415, "unsupported_media_type")


def test_problem_stays_json_when_the_client_asks_for_html(api: APIClient) -> None:
    response = api.post("/domain-error", {}, format="json", HTTP_ACCEPT="text/html")

    problem(response, 422, "quota_not_available")


def test_with_atomic_requests_a_refused_request_leaves_nothing_written(api: APIClient) -> None:
    previous = connection.settings_dict["ATOMIC_REQUESTS"]
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        response = api.post("/users-then-refuse", {"username": "meio-feito"}, format="json")
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = previous

    problem(response, 422, "quota_not_available")
    assert not User.objects.filter(username="meio-feito").exists()
