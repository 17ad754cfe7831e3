"""Downloads only through short-lived signed links, re-checked when used, and recorded."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages
from django.test import override_settings

from apps.documents.models import DocumentAccess
from apps.documents.services import links, storage
from apps.documents.services.errors import DownloadLinkInvalid
from consorcio.errors import PermissionDenied
from tests.documents.conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(staff_user):
    return storage.store_version(
        actor=staff_user(),
        kind="contract",
        title="Contrato de participação — cota 7",
        filename="Contrato cota 7 — João.pdf",
        content=PDF,
    )


def test_a_signed_link_downloads_the_file_as_an_attachment_without_a_session(
    staff_user, browser, version
):
    reader = staff_user()

    url = links.signed_download_url(version, actor=reader)
    response = browser(None).get(url)

    assert url.startswith("/documentos/baixar/")
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Contrato%20cota%207%20%E2%80%94%20Jo%C3%A3o.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    trail = list(DocumentAccess.objects.filter(version=version).order_by("at", "pk"))
    assert [(a.event, a.actor) for a in trail] == [("link_issued", reader), ("served", reader)]


def test_an_expired_link_is_refused(staff_user, browser, version):
    url = links.signed_download_url(version, actor=staff_user())

    with override_settings(DOCUMENTS_LINK_TTL_SECONDS=-1):
        response = browser(None).get(url)

    assert response.status_code == 403
    assert "O link de download expirou" in response.content.decode()
    assert not DocumentAccess.objects.filter(event="served").exists()


def test_a_tampered_link_is_refused(staff_user, browser, version):
    url = links.signed_download_url(version, actor=staff_user())
    token = url.rstrip("/").rsplit("/", 1)[-1]
    value, _, signature = token.rpartition(":")
    forged = url.replace(token, f"{value}:{signature[::-1]}")

    response = browser(None).get(forged)

    assert response.status_code == 403
    assert "inválido ou expirou" in response.content.decode()


def test_a_link_of_a_user_who_lost_access_is_refused(staff_user, browser, version):
    reader = staff_user()
    url = links.signed_download_url(version, actor=reader)
    reader.is_active = False
    reader.save(update_fields=["is_active"])

    response = browser(None).get(url)

    assert response.status_code == 403


def test_no_link_for_another_channels_document(representative, version):
    other = representative()

    with pytest.raises(PermissionDenied):
        links.signed_download_url(version, actor=other)
    assert not DocumentAccess.objects.exists()


def test_altered_bytes_are_never_served(staff_user, browser, version):
    url = links.signed_download_url(version, actor=staff_user())
    with storages["documents"].open(version.file.name, "wb") as handle:
        handle.write(PDF.replace(b"Catalog", b"Catalof"))

    response = browser(None).get(url)

    assert response.status_code == 409
    assert "soma de verificação" in response.content.decode()


def test_open_signed_download_names_the_reason(version):
    with pytest.raises(DownloadLinkInvalid):
        links.open_signed_download("not-a-token")
