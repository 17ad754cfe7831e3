"""Short-lived signed download links, and serving a local file through one.

Local storage: the link is ``/documentos/baixar/<token>/``; the token is a
``TimestampSigner`` signature over the version and the user it was issued to, valid for
``DOCUMENTS_LINK_TTL_SECONDS``. The view re-checks signature, age and the user's permission,
verifies the SHA-256 and serves the bytes as an attachment. S3 storage: a presigned URL with
the same lifetime (the bytes are verified against the SHA-256 when the link is issued). Every
link issued and every file served is recorded (`DocumentAccess`) and logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse

from apps.documents import selectors
from apps.documents.models import DocumentAccess, DocumentVersion
from apps.documents.services.errors import DownloadLinkInvalid
from apps.documents.services.storage import documents_storage, read_verified
from consorcio.errors import PermissionDenied
from consorcio.observability import current_request_id

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.accounts.selectors.authorization import Actor

__all__ = ["Download", "link_ttl_seconds", "open_signed_download", "signed_download_url"]

logger = structlog.get_logger(__name__)

_SALT = "apps.documents.download"


def link_ttl_seconds() -> int:
    """How long a download link stays valid (``DOCUMENTS_LINK_TTL_SECONDS``)."""
    return int(settings.DOCUMENTS_LINK_TTL_SECONDS)


def _record(version: DocumentVersion, event: str, actor: Actor | None) -> None:
    DocumentAccess.objects.create(
        version=version,
        event=event,
        actor=actor if actor is not None and actor.is_authenticated else None,
        request_id=(current_request_id() or "")[:64],
    )
    logger.info(
        "document_" + event,
        version_id=version.pk,
        document_id=version.document_id,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
    )


def _is_local() -> bool:
    return not hasattr(documents_storage(), "bucket_name")


def _content_disposition(version: DocumentVersion) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(as_attachment=True, filename=version.original_filename) or ""


def signed_download_url(version: DocumentVersion, *, actor: User) -> str:
    """A short-lived link that downloads ``version``, issued to ``actor`` (recorded).

    Local storage answers a site path (``/documentos/baixar/<token>/``); S3 answers an
    absolute presigned URL. Raises `consorcio.errors.PermissionDenied` when the actor may not
    see the document, and `DocumentIntegrityError` when S3's bytes no longer match the SHA-256.
    """
    if not selectors.may_download(actor, version):
        raise PermissionDenied("Você não tem acesso a este documento.")
    ttl = link_ttl_seconds()
    if _is_local():
        token = signing.TimestampSigner(salt=_SALT).sign_object({"v": version.pk, "u": actor.pk})
        url = reverse("documents:download", kwargs={"token": token})
    else:
        read_verified(version)
        storage: Any = documents_storage()
        url = storage.url(
            version.file.name,
            expire=ttl,
            parameters={
                "ResponseContentDisposition": _content_disposition(version),
                "ResponseContentType": version.content_type,
            },
        )
    with transaction.atomic():
        _record(version, DocumentAccess.Event.LINK_ISSUED, actor)
    return str(url)


@dataclass(frozen=True)
class Download:
    """A verified file ready to send: its bytes, type and the attachment header."""

    content: bytes
    content_type: str
    content_disposition: str
    sha256: str


def open_signed_download(token: str) -> Download:
    """The file a local download token names, verified, with the serve recorded.

    Raises `DownloadLinkInvalid` for a tampered or expired token, or when the user it was
    issued to no longer exists, is inactive or lost access; `DocumentIntegrityError` when the
    stored bytes do not match the recorded SHA-256.
    """
    try:
        payload = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=link_ttl_seconds()
        )
    except signing.SignatureExpired as exc:
        logger.warning("document_link_expired")
        raise DownloadLinkInvalid("O link de download expirou. Gere um novo link.") from exc
    except signing.BadSignature as exc:
        logger.warning("document_link_tampered")
        raise DownloadLinkInvalid() from exc
    if not isinstance(payload, dict):
        raise DownloadLinkInvalid()
    version_id, user_id = payload.get("v"), payload.get("u")
    if not isinstance(version_id, int) or not isinstance(user_id, int):
        raise DownloadLinkInvalid()
    version = selectors.get_version(version_id)
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if version is None or user is None or not selectors.may_download(user, version):
        logger.warning("document_link_refused", version_id=payload.get("v"))
        raise DownloadLinkInvalid()
    content = read_verified(version)
    with transaction.atomic():
        _record(version, DocumentAccess.Event.SERVED, user)
    return Download(
        content=content,
        content_type=version.content_type,
        content_disposition=_content_disposition(version),
        sha256=version.sha256,
    )
