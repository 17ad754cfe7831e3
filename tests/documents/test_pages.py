"""The "Documentos" pages: list and search, upload, version history, download buttons."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from apps.accounts.roles import Role
from apps.documents.models import Document, DocumentVersion
from apps.documents.services import storage
from tests.documents.conftest import PDF, PNG, stored_files

pytestmark = pytest.mark.django_db


def _upload(client, content=PDF, name="contrato.pdf", content_type="application/pdf", **data):
    payload = {"kind": "contract", "title": "Contrato da cota 12", **data}
    payload["file"] = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(reverse("documents:upload"), payload)


def test_staff_upload_a_document_and_land_on_its_history(staff_user, browser):
    client = browser(staff_user(Role.SALES))

    response = _upload(client)

    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:detail", args=[document.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Documento “Contrato da cota 12” enviado." in page
    assert "contrato.pdf" in page
    assert "v1" in page
    assert "(atual)" in page
    assert "Enviar nova versão" in page


@override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=1024)
def test_a_file_too_large_is_refused_on_the_form_and_nothing_is_stored(
    staff_user, browser, files_before
):
    client = browser(staff_user())

    response = _upload(client, content=PDF + b"0" * 4096)

    assert response.status_code == 422
    page = response.content.decode()
    assert "o máximo permitido é 1 KiB" in page
    assert "Tamanho máximo: 1 KiB" in page
    assert Document.objects.count() == 0
    assert stored_files() == files_before


def test_a_type_mismatch_is_refused_on_the_form(staff_user, browser):
    client = browser(staff_user())

    response = _upload(client, content=PNG, name="contrato.pdf", content_type="application/pdf")

    assert response.status_code == 422
    assert "foi enviado como application/pdf, mas o conteúdo é PNG" in response.content.decode()
    assert Document.objects.count() == 0


def test_a_new_version_keeps_the_old_one_downloadable(staff_user, browser):
    user = staff_user()
    client = browser(user)
    first = storage.store_version(
        actor=user, kind="identity", title="RG do consorciado", filename="rg.pdf", content=PDF
    )

    response = client.post(
        reverse("documents:version_upload", args=[first.document_id]),
        {"file": SimpleUploadedFile("rg-verso.png", PNG, content_type="image/png")},
    )

    assert response.status_code == 302
    page = client.get(reverse("documents:detail", args=[first.document_id])).content.decode()
    assert "Versão 2 enviada." in page
    assert "rg-verso.png" in page
    assert "rg.pdf" in page
    link = client.post(reverse("documents:version_link", args=[first.pk]))
    assert link.status_code == 303
    download = client.get(link["Location"])
    assert download.status_code == 200
    assert download.content == PDF
    page = client.get(reverse("documents:detail", args=[first.document_id])).content.decode()
    assert "Downloads recentes" in page
    assert "Link de download gerado" in page
    assert "Arquivo entregue" in page


def test_a_refused_new_version_shows_the_reason_on_the_detail_page(staff_user, browser):
    user = staff_user()
    first = storage.store_version(
        actor=user, kind="identity", title="RG", filename="rg.pdf", content=PDF
    )

    response = browser(user).post(
        reverse("documents:version_upload", args=[first.document_id]),
        {"file": SimpleUploadedFile("rg.exe", b"MZ\x90\x00", content_type="application/x-exe")},
    )

    assert response.status_code == 422
    assert "não é de um tipo permitido" in response.content.decode()
    assert DocumentVersion.objects.filter(document=first.document).count() == 1


def test_the_auditor_reads_but_does_not_upload(staff_user, browser):
    owner = staff_user()
    version = storage.store_version(
        actor=owner, kind="contract", title="Contrato", filename="c.pdf", content=PDF
    )
    client = browser(staff_user(Role.AUDITOR))

    detail = client.get(reverse("documents:detail", args=[version.document_id]))

    assert detail.status_code == 200
    assert "Enviar nova versão" not in detail.content.decode()
    assert "Downloads recentes" in detail.content.decode()
    assert client.get(reverse("documents:upload")).status_code == 403
    listing = client.get(reverse("documents:list")).content.decode()
    assert "Enviar documento" not in listing
    assert "Contrato" in listing


def test_the_list_searches_by_title_and_filters_by_kind(staff_user, browser):
    user = staff_user()
    for title, kind in [
        ("Contrato cota 1", "contract"),
        ("Contrato cota 2", "contract"),
        ("RG Maria", "identity"),
    ]:
        storage.store_version(actor=user, kind=kind, title=title, filename="a.pdf", content=PDF)
    client = browser(user)

    found = client.get(reverse("documents:list"), {"q": "cota 2"}).content.decode()
    identities = client.get(reverse("documents:list"), {"tipo": "identity"}).content.decode()

    assert "Contrato cota 2" in found
    assert "Contrato cota 1" not in found
    assert "RG Maria" in identities
    assert "Contrato cota" not in identities


def test_the_menu_shows_documents_to_staff(staff_user, browser):
    page = browser(staff_user(Role.FINANCE)).get(reverse("home")).content.decode()

    assert reverse("documents:list") in page


@override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=1024)
def test_a_body_far_over_the_limit_is_refused_before_it_is_parsed(staff_user, browser):
    client = browser(staff_user())

    response = _upload(client, content=PDF + b"0" * 200_000)

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "o máximo permitido por arquivo é 1 KiB" in page
    assert Document.objects.count() == 0


def test_sales_staff_do_not_see_who_downloaded(staff_user, browser):
    user = staff_user(Role.SALES)
    version = storage.store_version(
        actor=user, kind="contract", title="Contrato", filename="c.pdf", content=PDF
    )

    page = browser(user).get(reverse("documents:detail", args=[version.document_id]))

    assert page.status_code == 200
    assert "Downloads recentes" not in page.content.decode()
