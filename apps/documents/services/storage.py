"""Storing uploads: sniff, limit, checksum, version; and reading them back verified.

``store_version`` is the one way bytes enter the documents context. It refuses (raising a
`DocumentRejected`) an empty or oversized file, a type outside the allowed list, and a
declared content type or filename extension that disagrees with the bytes. A refused upload
stores nothing: the checks run before any write, and a failure after the file was written
removes it again before the database transaction rolls back.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone

from apps.accounts.selectors.authorization import ScopeKind, actor_scope
from apps.documents.models import Document, DocumentKind, DocumentVersion
from apps.documents.services import sniffing
from apps.documents.services.errors import (
    DocumentEmpty,
    DocumentIntegrityError,
    DocumentTooLarge,
    DocumentTypeMismatch,
    DocumentTypeNotAllowed,
)

if TYPE_CHECKING:
    from apps.accounts.models import User

__all__ = [
    "check_request_size",
    "check_size",
    "documents_storage",
    "format_size",
    "max_upload_bytes",
    "read_verified",
    "store_version",
    "sweep_orphan_files",
    "validate_upload",
]

logger = structlog.get_logger(__name__)

_TITLE_MAX = Document._meta.get_field("title").max_length or 200
_FILENAME_MAX = DocumentVersion._meta.get_field("original_filename").max_length or 255


def documents_storage() -> Storage:
    """The named ``"documents"`` storage (local filesystem or S3-compatible)."""
    return storages["documents"]


def max_upload_bytes() -> int:
    """The largest accepted upload, in bytes (``DOCUMENTS_MAX_UPLOAD_BYTES``)."""
    return int(settings.DOCUMENTS_MAX_UPLOAD_BYTES)


def format_size(size: int) -> str:
    """``"10 MiB"``, ``"512 KiB"``, ``"900 bytes"``: a size as staff read it (pt-BR comma)."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            value = f"{size / factor:.1f}".rstrip("0").rstrip(".")
            return f"{value.replace('.', ',')} {unit}"
    return f"{size} bytes"


def check_size(*, filename: str, size: int) -> None:
    """Refuse an empty file or one over ``DOCUMENTS_MAX_UPLOAD_BYTES`` (before reading it)."""
    if size == 0:
        raise DocumentEmpty(f"O arquivo “{filename}” está vazio.")
    limit = max_upload_bytes()
    if size > limit:
        raise DocumentTooLarge(
            f"O arquivo “{filename}” tem {format_size(size)}; o máximo permitido é "
            f"{format_size(limit)}.",
            extra={"size": size, "max_size": limit},
        )


# Room for the multipart framing and the form's other fields around the file.
REQUEST_OVERHEAD = 64 * 1024


def check_request_size(content_length: int) -> None:
    """Refuse a request whose body cannot hold an acceptable file, before it is parsed."""
    limit = max_upload_bytes()
    if content_length > limit + REQUEST_OVERHEAD:
        raise DocumentTooLarge(
            f"O envio tem {format_size(content_length)}; o máximo permitido por arquivo é "
            f"{format_size(limit)}.",
            extra={"size": content_length, "max_size": limit},
        )


def validate_upload(
    *, filename: str, content: bytes, declared_content_type: str | None = None
) -> sniffing.FileType:
    """The type of an acceptable upload, or a `DocumentRejected` saying why it is refused.

    Checks, in order: not empty, within the size limit, bytes of an allowed type, declared
    content type (when informative) and filename extension (when present) agree with the bytes.
    """
    check_size(filename=filename, size=len(content))
    sniffed = sniffing.sniff(content)
    if sniffed is None:
        raise DocumentTypeNotAllowed(
            f"O conteúdo de “{filename}” não é de um tipo permitido. "
            f"Envie um arquivo {sniffing.allowed_labels()}.",
            extra={"allowed": [kind.mime for kind in sniffing.ALLOWED_TYPES]},
        )
    if not sniffing.is_uninformative(declared_content_type):
        declared = sniffing.type_for_mime(declared_content_type or "")
        if declared != sniffed:
            raise DocumentTypeMismatch(
                f"O arquivo “{filename}” foi enviado como {declared_content_type}, mas o "
                f"conteúdo é {sniffed.label}.",
                extra={"declared": declared_content_type, "detected": sniffed.mime},
            )
    extension = sniffing.extension_of(filename)
    if extension and extension not in sniffed.extensions:
        raise DocumentTypeMismatch(
            f"A extensão .{extension} de “{filename}” não corresponde ao conteúdo, que é "
            f"{sniffed.label}.",
            extra={"extension": extension, "detected": sniffed.mime},
        )
    return sniffed


def _clean_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return (name or "arquivo")[-_FILENAME_MAX:]


def _owners(
    actor: User | None, channel_id: int | None, representative_id: int | None
) -> tuple[int | None, int | None]:
    """Ownership of a new document: the given owners, else the uploader's own scope."""
    if actor is None:
        return channel_id, representative_id
    scope = actor_scope(actor)
    if scope.kind in (ScopeKind.CHANNEL, ScopeKind.REPRESENTATIVE) and channel_id is None:
        channel_id = scope.channel_id
    if scope.kind is ScopeKind.REPRESENTATIVE and representative_id is None:
        representative_id = scope.representative_id
    return channel_id, representative_id


def store_version(
    *,
    actor: User | None,
    kind: str,
    title: str,
    filename: str,
    content: bytes,
    document: Document | None = None,
    declared_content_type: str | None = None,
    owner_channel_id: int | None = None,
    owner_representative_id: int | None = None,
) -> DocumentVersion:
    """Store ``content`` as a new logical document (``document=None``) or its next version.

    ``kind``/``title`` name a new document (for a new version they are ignored, as are the
    owners: a document keeps its owners). Ownership of a new document defaults to the
    uploader's scope (a representative's channel and itself; an API client's channel). The
    content type is sniffed from the bytes, the size checked against
    ``DOCUMENTS_MAX_UPLOAD_BYTES``, and the SHA-256 recorded. Permission checks are the
    caller's (``selectors.may_upload``/``may_add_version``). Raises `DocumentRejected`
    (nothing stored) for a refused file, ``ValueError`` for an unknown kind or empty title.
    """
    if document is None:
        if kind not in DocumentKind.values:
            raise ValueError(f"store_version: unknown document kind {kind!r}")
        if not title.strip():
            raise ValueError("store_version: a new document needs a title")
    file_type = validate_upload(
        filename=filename, content=content, declared_content_type=declared_content_type
    )
    digest = hashlib.sha256(content).hexdigest()
    storage = documents_storage()
    stored_name: str | None = None
    try:
        with transaction.atomic():
            if document is None:
                channel_id, representative_id = _owners(
                    actor, owner_channel_id, owner_representative_id
                )
                document = Document.objects.create(
                    kind=kind,
                    title=title.strip()[:_TITLE_MAX],
                    created_by=actor,
                    sales_channel_id=channel_id,
                    sales_representative_id=representative_id,
                )
            else:
                document = Document.objects.select_for_update().get(pk=document.pk)
            number = document.version_count + 1
            path = f"documents/{document.pk}/v{number}-{uuid.uuid4().hex}.{file_type.extension}"
            stored_name = storage.save(path, ContentFile(content))
            version = DocumentVersion.objects.create(
                document=document,
                number=number,
                file=stored_name,
                original_filename=_clean_filename(filename),
                size=len(content),
                content_type=file_type.mime,
                sha256=digest,
                uploaded_by=actor,
            )
            document.version_count = number
            document.save(update_fields=["version_count", "updated_at"])
    except BaseException:
        if stored_name is not None:
            _discard(storage, stored_name)
        raise
    logger.info(
        "document_version_stored",
        document_id=document.pk,
        version_id=version.pk,
        number=number,
        size=version.size,
        content_type=version.content_type,
        actor_id=actor.pk if actor is not None else None,
    )
    return version


_ROOT = "documents"
ORPHAN_GRACE = timedelta(hours=1)


def _stored_names(storage: Storage) -> Iterator[list[str]]:
    """The stored file names under ``documents/``, one list per document directory."""
    try:
        directories, files = storage.listdir(_ROOT)
    except FileNotFoundError:
        return
    if files:
        yield [f"{_ROOT}/{name}" for name in files]
    for directory in directories:
        _subdirectories, names = storage.listdir(f"{_ROOT}/{directory}")
        if names:
            yield [f"{_ROOT}/{directory}/{name}" for name in names]


def sweep_orphan_files(*, older_than: timedelta = ORPHAN_GRACE, now: datetime | None = None) -> int:
    """Delete stored files no version points to, older than ``older_than``; how many.

    A file is written before its row commits; if an enclosing transaction (a sale that
    generates its contract) rolls back afterwards, or the process dies in between, the file
    is left behind. The grace period keeps files whose transaction may still commit.
    """
    storage = documents_storage()
    cutoff = (now or timezone.now()) - older_than
    removed = 0
    for names in _stored_names(storage):
        referenced = set(
            DocumentVersion.objects.filter(file__in=names).values_list("file", flat=True)
        )
        for name in names:
            if name in referenced or storage.get_modified_time(name) > cutoff:
                continue
            _discard(storage, name)
            removed += 1
            logger.warning("document_orphan_file_removed", name=name)
    return removed


def _discard(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # the original failure matters more; leave a trace of the leftover
        logger.exception("document_file_cleanup_failed", name=name)


def read_verified(version: DocumentVersion) -> bytes:
    """The version's bytes, after checking them against the SHA-256 recorded at upload.

    Raises `DocumentIntegrityError` (and logs an error) when the stored file was altered.
    """
    with documents_storage().open(version.file.name, "rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != version.sha256:
        logger.error(
            "document_checksum_mismatch", version_id=version.pk, document_id=version.document_id
        )
        raise DocumentIntegrityError()
    return bytes(content)
