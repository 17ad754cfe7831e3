"""The S3-compatible backend, against moto's S3 in server mode (a real HTTP server, no internet)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from django.test import override_settings

from apps.documents.models import Document
from apps.documents.services import links, storage
from apps.documents.services.errors import DocumentIntegrityError, DocumentTypeMismatch
from tests.documents.conftest import PDF, PNG

pytestmark = pytest.mark.django_db

BUCKET = "consorcio-documentos"
CREDENTIALS = {"aws_access_key_id": "teste", "aws_secret_access_key": "segredo-teste"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS).create_bucket(
        Bucket=BUCKET
    )
    yield endpoint
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> Iterator[Any]:
    """The documents storage switched to the S3 backend (as ``DOCUMENTS_STORAGE=s3`` does)."""
    documents = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": s3_endpoint,
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            "region_name": "us-east-1",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": "path",
        },
    }
    from django.conf import settings

    with override_settings(STORAGES={**settings.STORAGES, "documents": documents}):
        yield boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)


def _keys(client: Any) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_upload_lands_in_the_bucket_and_a_presigned_link_serves_it(s3, staff_user):
    user = staff_user()

    version = storage.store_version(
        actor=user, kind="contract", title="Contrato", filename="Contrato nº 5.pdf", content=PDF
    )
    url = links.signed_download_url(version, actor=user)
    response = requests.get(url, timeout=10)

    assert s3.get_object(Bucket=BUCKET, Key=version.file.name)["Body"].read() == PDF
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_a_refused_upload_puts_nothing_in_the_bucket(s3, staff_user):
    before = _keys(s3)

    with pytest.raises(DocumentTypeMismatch):
        storage.store_version(
            actor=staff_user(), kind="contract", title="X", filename="x.pdf", content=PNG
        )

    assert _keys(s3) == before
    assert Document.objects.count() == 0


def test_versions_in_the_bucket_stay_apart_and_are_verified(s3, staff_user):
    user = staff_user()
    first = storage.store_version(
        actor=user, kind="identity", title="RG", filename="rg.pdf", content=PDF
    )
    second = storage.store_version(
        actor=user,
        kind="identity",
        title="RG",
        filename="rg.png",
        content=PNG,
        document=first.document,
    )

    assert storage.read_verified(first) == PDF
    assert storage.read_verified(second) == PNG
    s3.put_object(Bucket=BUCKET, Key=first.file.name, Body=PDF + b"alterado")
    with pytest.raises(DocumentIntegrityError):
        links.signed_download_url(first, actor=user)


@override_settings(DOCUMENTS_LINK_TTL_SECONDS=60)
def test_the_presigned_link_lives_as_long_as_configured(s3, staff_user):
    user = staff_user()
    version = storage.store_version(
        actor=user, kind="contract", title="Contrato", filename="c.pdf", content=PDF
    )

    url = links.signed_download_url(version, actor=user)

    assert parse_qs(urlparse(url).query)["X-Amz-Expires"] == ["60"]
