"""Uploads: sniffed type, size limit, checksum, versions; a refused upload stores nothing."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import storages
from django.db import IntegrityError
from django.test import override_settings

from apps.documents import selectors
from apps.documents.models import Document, DocumentVersion
from apps.documents.services import storage
from apps.documents.services.errors import (
    DocumentEmpty,
    DocumentIntegrityError,
    DocumentRejected,
    DocumentTooLarge,
    DocumentTypeMismatch,
    DocumentTypeNotAllowed,
)
from tests.documents.conftest import JPEG, PDF, PNG, stored_files

pytestmark = pytest.mark.django_db


def _store(user, content=PDF, filename="contrato.pdf", **kwargs):
    return storage.store_version(
        actor=user,
        kind=kwargs.pop("kind", "contract"),
        title=kwargs.pop("title", "Contrato da cota 12"),
        filename=filename,
        content=content,
        **kwargs,
    )


def test_an_upload_becomes_version_1_with_sniffed_type_size_and_sha256(staff_user):
    user = staff_user()

    version = _store(user, declared_content_type="application/pdf")

    assert version.number == 1
    assert version.content_type == "application/pdf"
    assert version.size == len(PDF)
    assert version.sha256 == hashlib.sha256(PDF).hexdigest()
    assert version.original_filename == "contrato.pdf"
    assert version.uploaded_by == user
    assert version.document.created_by == user
    assert version.document.version_count == 1
    assert storage.read_verified(version) == PDF


@pytest.mark.parametrize(
    ("content", "filename", "mime"),
    [(PNG, "rg.png", "image/png"), (JPEG, "rg.JPEG", "image/jpeg"), (JPEG, "foto", "image/jpeg")],
)
def test_images_are_recognised_by_their_bytes(staff_user, content, filename, mime):
    version = _store(staff_user(), content=content, filename=filename, kind="identity")

    assert version.content_type == mime


def test_a_new_upload_of_the_same_document_is_the_next_version_and_old_ones_stay(staff_user):
    user = staff_user()
    first = _store(user)
    corrected = PDF.replace(b"Catalog", b"Catalog /Lang (pt-BR)")

    second = _store(user, content=corrected, filename="contrato-v2.pdf", document=first.document)

    assert second.number == 2
    assert second.document == first.document
    assert [v.number for v in selectors.versions_of(first.document)] == [2, 1]
    assert selectors.latest_version(first.document) == second
    assert Document.objects.get(pk=first.document.pk).version_count == 2
    assert storage.read_verified(first) == PDF
    assert storage.read_verified(second) == corrected


@pytest.mark.parametrize(
    ("content", "filename", "declared", "error", "code", "message"),
    [
        (b"", "vazio.pdf", None, DocumentEmpty, "document_empty", "está vazio"),
        (
            b"MZ\x90\x00 executavel",
            "planilha.pdf",
            None,
            DocumentTypeNotAllowed,
            "document_type_not_allowed",
            "não é de um tipo permitido",
        ),
        (
            b"nome;cpf\nFulano;123\n",
            "lista.csv",
            "text/csv",
            DocumentTypeNotAllowed,
            "document_type_not_allowed",
            "PDF, PNG, JPEG, WEBP ou TIFF",
        ),
        (
            PDF,
            "contrato.pdf",
            "image/png",
            DocumentTypeMismatch,
            "document_type_mismatch",
            "foi enviado como image/png, mas o conteúdo é PDF",
        ),
        (
            PNG,
            "contrato.pdf",
            None,
            DocumentTypeMismatch,
            "document_type_mismatch",
            "extensão .pdf",
        ),
    ],
)
def test_refused_uploads_say_why_in_portuguese_and_store_nothing(
    staff_user, files_before, content, filename, declared, error, code, message
):
    with pytest.raises(error) as refused:
        _store(staff_user(), content=content, filename=filename, declared_content_type=declared)

    assert isinstance(refused.value, DocumentRejected)
    assert refused.value.code == code
    assert message in refused.value.message_pt
    assert Document.objects.count() == 0
    assert DocumentVersion.objects.count() == 0
    assert stored_files() == files_before


@override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused_with_both_sizes(staff_user, files_before):
    big = PDF + b"0" * 2048

    with pytest.raises(DocumentTooLarge) as refused:
        _store(staff_user(), content=big)

    assert refused.value.status == 413
    assert "o máximo permitido é 1 KiB" in refused.value.detail
    assert refused.value.extra == {"size": len(big), "max_size": 1024}
    assert DocumentVersion.objects.count() == 0
    assert stored_files() == files_before


def test_octet_stream_says_nothing_and_the_bytes_decide(staff_user):
    version = _store(staff_user(), declared_content_type="application/octet-stream")

    assert version.content_type == "application/pdf"


def test_a_refused_new_version_leaves_the_document_as_it_was(staff_user):
    user = staff_user()
    first = _store(user)

    with pytest.raises(DocumentTypeMismatch):
        _store(user, content=PNG, filename="contrato.pdf", document=first.document)

    assert list(selectors.versions_of(first.document)) == [first]
    assert Document.objects.get(pk=first.document.pk).version_count == 1


def test_a_database_failure_after_the_file_was_written_removes_the_file(staff_user):
    user = staff_user()
    first = _store(user)
    # A version 2 written behind the service's back (as a racing writer would): the next
    # upload computes number 2 again and the unique constraint refuses it.
    DocumentVersion.objects.create(
        document=first.document,
        number=2,
        file="documents/elsewhere.pdf",
        original_filename="x.pdf",
        size=1,
        content_type="application/pdf",
        sha256="0" * 64,
    )
    before = stored_files()

    with pytest.raises(IntegrityError):
        _store(user, document=first.document)

    assert stored_files() == before
    assert DocumentVersion.objects.filter(document=first.document).count() == 2


def test_altered_bytes_fail_the_checksum(staff_user):
    version = _store(staff_user())
    with storages["documents"].open(version.file.name, "wb") as handle:
        handle.write(PDF.replace(b"Catalog", b"Catalof"))

    with pytest.raises(DocumentIntegrityError):
        storage.read_verified(version)


def test_a_representatives_upload_belongs_to_it_and_its_channel(representative):
    user = representative()

    version = _store(user, kind="identity", filename="rg.png", content=PNG)

    rep = user.sales_representative
    assert version.document.sales_representative_id == rep.pk
    assert version.document.sales_channel_id == rep.channel_id


def test_other_contexts_may_name_the_owner_channel(staff_user):
    from tests.accounts.factories import SalesChannelFactory

    channel = SalesChannelFactory()

    version = _store(staff_user(), owner_channel_id=channel.pk)

    assert version.document.sales_channel == channel
    assert selectors.get_version(version.pk) == version
