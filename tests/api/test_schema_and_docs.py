"""The OpenAPI schema and its docs pages: offline, no inline script, conventions documented."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from rest_framework.response import Response
from rest_framework.views import APIView

from consorcio.idempotency import idempotent

pytestmark = pytest.mark.django_db

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class _Page(HTMLParser):
    """Collects a page's <script> tags (src and body) and every URL it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str | None, str]] = []
        self.loaded: list[str] = []
        self._in_script: str | None = None
        self._body = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            self._in_script = values.get("src") or ""
            self._body = ""
        for name in ("src", "href", "spec-url"):
            if values.get(name) and (tag != "a"):
                self.loaded.append(values[name])

    def handle_data(self, data):
        if self._in_script is not None:
            self._body += data

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script or None, self._body.strip()))
            self._in_script = None


def _page(client, url: str) -> _Page:
    response = client.get(url)
    assert response.status_code == 200
    parser = _Page()
    parser.feed(response.content.decode())
    return parser


def _schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for route, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield route, method, operation


@pytest.mark.embedded
def test_the_schema_loads_without_signing_in_and_lists_the_api(client):
    schema = _schema(client)

    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/api-clients/{id}/rotate-secret/" in schema["paths"]
    assert "/api/v1/jobs/{job_id}/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_every_operation_documents_problem_answers(client):
    schema = _schema(client)

    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    for route, method, operation in _operations(schema):
        responses = operation["responses"]
        assert responses["500"]["content"]["application/problem+json"]["schema"] == PROBLEM_REF
        assert "429" in responses, (route, method)
        assert "Retry-After" in responses["429"]["headers"]
        if operation.get("security") and {} not in operation["security"]:
            assert {"401", "403"} <= set(responses), (route, method)
        if method in {"post", "patch"}:
            assert {"400", "409", "422"} <= set(responses), (route, method)


def test_token_endpoints_document_401(client):
    schema = _schema(client)

    for route in (
        "/api/v1/auth/token/",
        "/api/v1/auth/client-token/",
        "/api/v1/auth/token/refresh/",
    ):
        assert "401" in schema["paths"][route]["post"]["responses"]


def test_idempotent_operations_document_the_idempotency_key_header(client):
    schema = _schema(client)

    create_channel = schema["paths"]["/api/v1/sales-channels/"]["post"]
    list_channels = schema["paths"]["/api/v1/sales-channels/"]["get"]
    (header,) = [p for p in create_channel["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header"
    assert header.get("required", False) is False
    assert not [p for p in list_channels.get("parameters", []) if p["name"] == "Idempotency-Key"]


class _RequiredKeyView(APIView):
    permission_classes = []

    @idempotent(required=True)
    def post(self, request):
        return Response({"ok": True}, status=201)


def test_a_required_idempotency_key_is_documented_as_required():
    generator = SchemaGenerator(patterns=[path("api/v1/pagamentos/", _RequiredKeyView.as_view())])

    schema = generator.get_schema(request=None, public=True)

    operation = schema["paths"]["/api/v1/pagamentos/"]["post"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["required"] is True
    assert {"400", "409", "422"} <= set(operation["responses"])


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_have_no_inline_script(client, url):
    page = _page(client, url)

    assert page.scripts, "the page loads its scripts"
    for src, body in page.scripts:
        assert src, "every script is a file"
        assert body == "", "no code inside a <script> tag"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_nothing_from_the_internet(client, url):
    page = _page(client, url)

    for loaded in page.loaded:
        parts = urlsplit(loaded)
        assert not parts.netloc, f"{loaded} comes from another host"
        if parts.path.startswith("/static/"):
            assert finders.find(parts.path.removeprefix("/static/")), f"{loaded} is not vendored"


def test_swagger_ui_start_up_script_is_served_as_a_file(client):
    page = _page(client, "/api/docs/")
    (start_up,) = [src for src, _ in page.scripts if src and "script" in src]

    response = client.get(start_up)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert "SwaggerUIBundle" in script
    assert "/api/schema/" in script
    # No online validator: its badge would be fetched from validator.swagger.io.
    assert '"validatorUrl": null' in script


def test_docs_pages_are_served_under_a_script_src_self_policy(client):
    response = client.get("/api/docs/")

    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script_src.split()[1:] == ["'self'"]
