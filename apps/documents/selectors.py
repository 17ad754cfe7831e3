"""Reading documents and versions, and who may do what with them.

Access goes through `apps.accounts` (role permissions, ownership scope, per-object
exceptions): a document is owned by its ``sales_channel``/``sales_representative`` exactly as a
member is, and a version is reached through its document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from apps.accounts.selectors.authorization import can, has_model_permission, scope_queryset
from apps.documents.models import Document, DocumentAccess, DocumentVersion

if TYPE_CHECKING:
    from apps.accounts.selectors.authorization import Actor

__all__ = [
    "access_trail",
    "document_for",
    "documents_visible_to",
    "filter_documents",
    "get_version",
    "latest_version",
    "may_add_version",
    "may_download",
    "may_upload",
    "may_view_access_trail",
    "may_view_documents",
    "version_for",
    "versions_of",
    "versions_visible_to",
]


def get_version(version_id: int) -> DocumentVersion | None:
    """The version with this id, its document joined, or ``None`` (no permission check)."""
    return DocumentVersion.objects.select_related("document").filter(pk=version_id).first()


def versions_of(document: Document) -> QuerySet[DocumentVersion]:
    """Every version of the document, newest first, uploader joined."""
    return (
        DocumentVersion.objects.filter(document=document)
        .select_related("uploaded_by")
        .order_by("-number")
    )


def latest_version(document: Document) -> DocumentVersion | None:
    """The document's current (highest-numbered) version, or ``None`` if it has none."""
    return DocumentVersion.objects.filter(document=document).order_by("-number").first()


def may_view_documents(actor: Actor) -> bool:
    """Whether the actor's roles let it see documents at all (the list page, the API list)."""
    return has_model_permission(actor, "view", Document)


def documents_visible_to(actor: Actor) -> QuerySet[Document]:
    """The documents the actor may see (role permission and ownership scope), newest first."""
    if not may_view_documents(actor):
        return Document.objects.none()
    return scope_queryset(Document.objects.all(), actor).order_by("-updated_at", "-pk")


def versions_visible_to(actor: Actor) -> QuerySet[DocumentVersion]:
    """Versions of the documents the actor may see, newest first."""
    if not may_view_documents(actor):
        return DocumentVersion.objects.none()
    return scope_queryset(DocumentVersion.objects.all(), actor).order_by("-pk")


def filter_documents(qs: QuerySet[Document], query: str = "") -> QuerySet[Document]:
    """Documents whose title contains ``query`` (any case) or whose number it is."""
    query = query.strip()
    if not query:
        return qs
    condition = Q(title__icontains=query)
    if query.isdigit() and len(query) < 19:
        condition |= Q(pk=int(query))
    return qs.filter(condition)


def document_for(actor: Actor, document_id: int) -> Document | None:
    """The document if the actor may see it, else ``None`` (as if it did not exist)."""
    document = (
        Document.objects.select_related("created_by", "sales_channel", "sales_representative__user")
        .filter(pk=document_id)
        .first()
    )
    if document is None or not can(actor, "view", document):
        return None
    return document


def version_for(actor: Actor, version_id: int) -> DocumentVersion | None:
    """The version if the actor may download it, else ``None``."""
    version = get_version(version_id)
    if version is None or not may_download(actor, version):
        return None
    return version


def may_upload(actor: Actor) -> bool:
    """Whether the actor may create documents (upload their first version)."""
    return has_model_permission(actor, "add", Document) and has_model_permission(
        actor, "add", DocumentVersion
    )


def may_add_version(actor: Actor, document: Document) -> bool:
    """Whether the actor may upload a new version of this document."""
    return has_model_permission(actor, "add", DocumentVersion) and can(actor, "view", document)


def may_download(actor: Actor, version: DocumentVersion) -> bool:
    """Whether the actor may download this version (it may see the document)."""
    return can(actor, "view", version.document)


def access_trail(document: Document, *, limit: int = 20) -> list[DocumentAccess]:
    """The latest links issued and files served for the document's versions, newest first."""
    return list(
        DocumentAccess.objects.filter(version__document=document)
        .select_related("actor", "version")
        .order_by("-at", "-pk")[:limit]
    )


def may_view_access_trail(actor: Actor) -> bool:
    """Whether the actor may read who downloaded documents (admin, operations, auditor)."""
    return has_model_permission(actor, "view", DocumentAccess)
