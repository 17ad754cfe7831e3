"""The documents API: multipart upload with Idempotency-Key, problems, versions, links."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from apps.accounts.roles import Role
from apps.documents.models import Document, DocumentVersion
from apps.documents.services import storage
from tests.documents.conftest import JPEG, PDF, PNG, stored_files

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _post(api, url, content=PDF, name="contrato.pdf", content_type="application/pdf", **extra):
    data = {"kind": "contract", "title": "Contrato da cota 3"}
    data["file"] = SimpleUploadedFile(name, content, content_type=content_type)
    return api.post(url, data, format="multipart", **extra)


def test_upload_answers_the_stored_version(staff_user, api_as):
    api = api_as(staff_user(Role.SALES))

    response = _post(api, "/api/v1/documents/")

    assert response.status_code == 201
    body = response.json()
    version = DocumentVersion.objects.get()
    assert body["id"] == version.pk
    assert body["number"] == 1
    assert body["content_type"] == "application/pdf"
    assert body["sha256"] == version.sha256
    assert body["size"] == len(PDF)


def test_an_upload_replayed_with_the_same_idempotency_key_stores_one_version(staff_user, api_as):
    api = api_as(staff_user())
    key = {"HTTP_IDEMPOTENCY_KEY": "upload-contrato-cota-3"}

    first = _post(api, "/api/v1/documents/", **key)
    again = _post(api, "/api/v1/documents/", **key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Document.objects.count() == 1
    assert DocumentVersion.objects.count() == 1


@override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=2048)
@pytest.mark.parametrize(
    ("content", "name", "content_type", "status", "code"),
    [
        (PDF + b"0" * 4096, "contrato.pdf", "application/pdf", 413, "document_too_large"),
        (b"GIF89a\x01\x00", "foto.gif", "image/gif", 415, "document_type_not_allowed"),
        (PNG, "contrato.pdf", "application/pdf", 422, "document_type_mismatch"),
        (JPEG, "foto.jpg", "image/png", 422, "document_type_mismatch"),
        (b"", "vazio.pdf", "application/pdf", 422, "document_empty"),
    ],
)
def test_refused_uploads_are_problems_with_stable_codes_and_store_nothing(
    staff_user, api_as, files_before, content, name, content_type, status, code
):
    api = api_as(staff_user())

    response = _post(api, "/api/v1/documents/", content, name, content_type)

    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert Document.objects.count() == 0
    assert stored_files() == files_before


def test_a_missing_file_is_a_validation_problem(staff_user, api_as):
    response = api_as(staff_user()).post(
        "/api/v1/documents/", {"kind": "contract", "title": "Sem arquivo"}, format="multipart"
    )

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_versions_are_listed_and_a_new_one_uploaded(staff_user, api_as):
    user = staff_user()
    api = api_as(user)
    first = storage.store_version(
        actor=user, kind="identity", title="RG", filename="rg.pdf", content=PDF
    )
    url = f"/api/v1/documents/{first.document_id}/versions/"

    created = _post(api, url, PNG, "rg-verso.png", "image/png", HTTP_IDEMPOTENCY_KEY="rg-v2")
    listing = api.get(url)

    assert created.status_code == 201
    assert created.json()["number"] == 2
    assert [v["number"] for v in listing.json()] == [2, 1]
    assert api.get(f"/api/v1/documents/{first.document_id}/").json()["version_count"] == 2


def test_a_download_link_fetches_the_bytes(staff_user, api_as, browser):
    user = staff_user(Role.AUDITOR)
    version = storage.store_version(
        actor=staff_user(), kind="contract", title="Contrato", filename="c.pdf", content=PDF
    )

    response = api_as(user).get(f"/api/v1/document-versions/{version.pk}/download-link/")

    assert response.status_code == 200
    body = response.json()
    assert body["url"].startswith("http://testserver/documentos/baixar/")
    assert body["sha256"] == version.sha256
    assert body["expires_at"]
    download = browser(None).get(body["url"].removeprefix("http://testserver"))
    assert download.content == PDF


def test_the_auditor_may_not_upload(staff_user, api_as):
    response = _post(api_as(staff_user(Role.AUDITOR)), "/api/v1/documents/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Document.objects.count() == 0


@override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=1024)
def test_a_body_far_over_the_limit_is_refused_before_it_is_parsed(staff_user, api_as):
    api = api_as(staff_user())

    response = _post(api, "/api/v1/documents/", PDF + b"0" * 200_000, HTTP_IDEMPOTENCY_KEY="big")

    assert response.status_code == 413
    assert response.json()["code"] == "document_too_large"
    assert response.json()["detail"].startswith("O envio tem 195,")
    assert Document.objects.count() == 0
