"""``/api/v1/documents/`` and ``/api/v1/document-versions/``: upload, list, versions, links.

Uploads are ``multipart/form-data`` and honour ``Idempotency-Key``. Refusals are problems with
stable codes: ``document_too_large`` (413), ``document_type_not_allowed`` (415),
``document_type_mismatch`` (422), ``document_empty`` (422). Documents outside the caller's
scope answer 404. A download link is short-lived and recorded; the caller fetches the bytes
from it (local storage: this site; S3: a presigned URL).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import CanActOnObject
from apps.documents import selectors
from apps.documents.api import serializers as api_serializers
from apps.documents.models import Document, DocumentKind, DocumentVersion
from apps.documents.services import links, storage
from consorcio.errors import PermissionDenied
from consorcio.idempotency import idempotent

if TYPE_CHECKING:
    from apps.accounts.models import User

TAG = "Documentos"


class DocumentCursorPagination(CursorPagination):
    """Newest first."""

    ordering = "-id"
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        """The largest ``?page_size=`` honoured (settings ``API_MAX_PAGE_SIZE``)."""
        return int(getattr(settings, "API_MAX_PAGE_SIZE", 500))


def _user(request: Request) -> User:
    """The authenticated caller (``IsAuthenticated`` let it through)."""
    if not request.user or not request.user.is_authenticated:
        raise PermissionDenied()
    return request.user


def _content_length(request: Request) -> int:
    """The declared body size: an oversized upload is refused before it is parsed."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _read(upload: UploadedFile) -> tuple[str, bytes, str | None]:
    """Name, bytes and declared type; the size is checked before the bytes are read."""
    filename = upload.name or "arquivo"
    storage.check_size(filename=filename, size=upload.size or 0)
    return filename, upload.read(), upload.content_type


class DocumentViewSet(viewsets.ReadOnlyModelViewSet[Document]):
    """Documents within the caller's scope, their versions and uploads."""

    serializer_class = api_serializers.DocumentSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    permission_actions = {"versions": "view"}
    pagination_class = DocumentCursorPagination
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        """The documents the caller may see (role permission and ownership scope)."""
        qs = selectors.documents_visible_to(self.request.user)
        if self.action == "list":
            qs = selectors.filter_documents(qs, self.request.query_params.get("q", ""))
            kind = self.request.query_params.get("kind", "")
            if kind in DocumentKind.values:
                qs = qs.filter(kind=kind)
        return qs

    @extend_schema(
        tags=[TAG],
        summary="Listar documentos",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Trecho do título ou número"),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=DocumentKind.values),
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Documents newest first, cursor-paginated."""
        return super().list(request, *args, **kwargs)

    @extend_schema(tags=[TAG], summary="Consultar documento")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One document (its versions: ``/versions/``)."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Enviar documento (versão 1)",
        request={"multipart/form-data": api_serializers.DocumentUploadSerializer},
        responses={201: api_serializers.VersionSerializer},
    )
    def create(self, request: Request) -> Response:
        """Store a new document; the type is read from the bytes, the SHA-256 recorded."""
        storage.check_request_size(_content_length(request))
        return self._create(request)

    @idempotent
    def _create(self, request: Request) -> Response:
        actor = _user(request)
        if not selectors.may_upload(actor):
            raise PermissionDenied()
        body = api_serializers.DocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filename, content, declared = _read(body.validated_data["file"])
        version = storage.store_version(
            actor=actor,
            kind=body.validated_data["kind"],
            title=body.validated_data["title"],
            filename=filename,
            content=content,
            declared_content_type=declared,
        )
        return Response(api_serializers.VersionSerializer(version).data, status=201)

    @extend_schema(
        tags=[TAG],
        summary="Versões do documento / enviar nova versão",
        request={"multipart/form-data": api_serializers.VersionUploadSerializer},
        responses={
            200: api_serializers.VersionSerializer(many=True),
            201: api_serializers.VersionSerializer,
        },
    )
    @action(detail=True, methods=["get", "post"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """GET: every version, newest first. POST: store the next version."""
        document = self.get_object()
        if request.method == "POST":
            storage.check_request_size(_content_length(request))
            return self._add_version(request, document)
        versions = selectors.versions_of(document)
        return Response(api_serializers.VersionSerializer(versions, many=True).data)

    @idempotent
    def _add_version(self, request: Request, document: Document) -> Response:
        actor = _user(request)
        if not selectors.may_add_version(actor, document):
            raise PermissionDenied()
        body = api_serializers.VersionUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filename, content, declared = _read(body.validated_data["file"])
        version = storage.store_version(
            actor=actor,
            kind=document.kind,
            title=document.title,
            filename=filename,
            content=content,
            document=document,
            declared_content_type=declared,
        )
        return Response(api_serializers.VersionSerializer(version).data, status=201)


class DocumentVersionViewSet(viewsets.ReadOnlyModelViewSet[DocumentVersion]):
    """One stored version and its short-lived download link."""

    serializer_class = api_serializers.VersionSerializer
    permission_classes = [IsAuthenticated, CanActOnObject]
    permission_actions = {"download_link": "view"}
    pagination_class = DocumentCursorPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        """Versions of the documents the caller may see."""
        return selectors.versions_visible_to(self.request.user)

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        """Reach a version through its document (role permission on documents, then scope)."""
        if not selectors.may_download(request.user, obj):
            self.permission_denied(request)

    @extend_schema(tags=[TAG], summary="Listar versões")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Versions of every document in scope, newest first."""
        return super().list(request, *args, **kwargs)

    @extend_schema(tags=[TAG], summary="Consultar versão")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One version: file name, type, size, SHA-256."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        summary="Gerar link temporário de download",
        responses={200: api_serializers.DownloadLinkSerializer},
    )
    @action(detail=True, methods=["get"], url_path="download-link")
    def download_link(self, request: Request, pk: str | None = None) -> Response:
        """A link valid for ``DOCUMENTS_LINK_TTL_SECONDS``; issuing it is recorded."""
        version = self.get_object()
        url = links.signed_download_url(version, actor=_user(request))
        expires_at = timezone.now() + timedelta(seconds=links.link_ttl_seconds())
        data = {"url": request.build_absolute_uri(url), "expires_at": expires_at}
        data["sha256"] = version.sha256
        return Response(api_serializers.DownloadLinkSerializer(data).data)
