"""The "Documentos" pages: list, upload, detail with version history, downloads.

Thin: access through `apps.documents.selectors` (which asks `apps.accounts`), writes through
`apps.documents.services`. A document outside the actor's scope answers 404. Downloads go
through short-lived signed links only: the page's button asks for a link (recorded) and is
redirected to it; the local link view re-checks signature, age and permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.documents import selectors
from apps.documents.forms import DocumentUploadForm, VersionUploadForm
from apps.documents.models import Document, DocumentKind
from apps.documents.services import links, storage
from apps.documents.services.errors import (
    DocumentIntegrityError,
    DocumentRejected,
    DocumentTooLarge,
    DownloadLinkInvalid,
)
from consorcio.errors import PermissionDenied as DomainPermissionDenied
from consorcio.ui import ChoiceFilter, Column, ListPageView

if TYPE_CHECKING:
    from apps.accounts.models import User


def _user(request: HttpRequest) -> User:
    """The signed-in staff user (the views require login)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return request.user


def _document_link(document: Document) -> str:
    return reverse("documents:detail", args=[document.pk])


class DocumentListView(ListPageView):
    """Documents within the actor's scope: search by title or number, filter by kind."""

    template_name = "documents/list.html"
    permission_required = "documents.view_document"
    table_id = "documents"
    columns = (
        Column("title", "Título", sort="title", link=_document_link),
        Column("kind", "Tipo", format="choice", sort="kind"),
        Column("version_count", "Versões", numeric=True),
        Column("created_by", "Criado por"),
        Column("updated_at", "Última versão em", format="data_hora", sort="updated_at"),
    )
    search_fields = ("title",)  # enables the box; `apply_search` decides
    search_placeholder = "Buscar por título ou número"
    filters = (ChoiceFilter("tipo", "Tipo", DocumentKind.choices, lookup="kind"),)
    default_sort = "-updated_at"
    paginate_by = 25
    empty_message = "Nenhum documento enviado."

    def get_queryset(self) -> QuerySet[Document]:
        return selectors.documents_visible_to(self.request.user).select_related("created_by")

    def apply_search(self, queryset: QuerySet[Any], term: str) -> QuerySet[Any]:
        """Title fragment or document number, by the selector."""
        return selectors.filter_documents(queryset, term)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_add"] = selectors.may_upload(self.request.user)
        return context


def _read(form: DocumentUploadForm | VersionUploadForm) -> tuple[str, bytes, str | None]:
    """Name, bytes and declared type of the uploaded file; the size is checked before reading."""
    upload = form.uploaded()
    filename = upload.name or "arquivo"
    storage.check_size(filename=filename, size=upload.size or 0)
    return filename, upload.read(), upload.content_type


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _oversized(request: HttpRequest) -> str | None:
    """The refusal of a request body too large to hold an acceptable file (not parsed)."""
    try:
        storage.check_request_size(_content_length(request))
    except DocumentTooLarge as error:
        return error.detail
    return None


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest) -> HttpResponse:
    """Upload a new document (its version 1); the actor's channel owns it."""
    if not selectors.may_upload(request.user):
        raise PermissionDenied
    refusal = _oversized(request) if request.method == "POST" else None
    if refusal is not None:
        messages.error(request, refusal)
        return HttpResponseRedirect(reverse("documents:upload"))
    form = DocumentUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            filename, content, declared = _read(form)
            version = storage.store_version(
                actor=_user(request),
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                filename=filename,
                content=content,
                declared_content_type=declared,
            )
        except DocumentRejected as error:
            form.add_error("file", error.detail)
        else:
            messages.success(request, f"Documento “{version.document.title}” enviado.")
            return HttpResponseRedirect(reverse("documents:detail", args=[version.document_id]))
    context = {"form": form, "max_size_label": storage.format_size(storage.max_upload_bytes())}
    return render(request, "documents/upload.html", context, status=_status(form))


def _status(form: DocumentUploadForm | VersionUploadForm) -> int:
    return 422 if form.is_bound and form.errors else 200


def _visible(request: HttpRequest, pk: int) -> Document:
    if not selectors.may_view_documents(request.user):
        raise PermissionDenied
    document = selectors.document_for(request.user, pk)
    if document is None:
        raise Http404
    return document


def _detail(
    request: HttpRequest, document: Document, form: VersionUploadForm | None, status: int = 200
) -> HttpResponse:
    may_add = selectors.may_add_version(request.user, document)
    context = {
        "document": document,
        "versions": list(selectors.versions_of(document)),
        "form": (form or VersionUploadForm()) if may_add else None,
        "trail": (
            selectors.access_trail(document)
            if selectors.may_view_access_trail(request.user)
            else None
        ),
    }
    return render(request, "documents/detail.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The document with its version history, download buttons and the new-version form."""
    return _detail(request, _visible(request, pk), None)


@login_required
@require_http_methods(["POST"])
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the next version of a document; older versions stay retrievable."""
    document = _visible(request, pk)
    if not selectors.may_add_version(request.user, document):
        raise PermissionDenied
    refusal = _oversized(request)
    if refusal is not None:
        messages.error(request, refusal)
        return HttpResponseRedirect(reverse("documents:detail", args=[document.pk]))
    form = VersionUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            filename, content, declared = _read(form)
            version = storage.store_version(
                actor=_user(request),
                kind=document.kind,
                title=document.title,
                filename=filename,
                content=content,
                document=document,
                declared_content_type=declared,
            )
        except DocumentRejected as error:
            form.add_error("file", error.detail)
        else:
            messages.success(request, f"Versão {version.number} enviada.")
            return HttpResponseRedirect(reverse("documents:detail", args=[document.pk]))
    return _detail(request, document, form, status=422)


@login_required
@require_http_methods(["POST"])
def version_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a short-lived download link for the version (recorded) and go to it."""
    if not selectors.may_view_documents(request.user):
        raise PermissionDenied
    version = selectors.version_for(request.user, pk)
    if version is None:
        raise Http404
    try:
        url = links.signed_download_url(version, actor=_user(request))
    except DomainPermissionDenied as error:
        raise Http404 from error
    except DocumentIntegrityError as error:
        return _refused(request, error.detail, status=409)
    return HttpResponseRedirect(url, status=303)


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "documents/download_refused.html", {"message": message}, status=status)


@require_http_methods(["GET"])
def download(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a local file named by a signed, unexpired link (no session needed: the link is)."""
    try:
        download = links.open_signed_download(token)
    except DownloadLinkInvalid as error:
        return _refused(request, error.detail, status=403)
    except DocumentIntegrityError as error:
        return _refused(request, error.detail, status=409)
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = download.content_disposition
    response["Content-Length"] = str(len(download.content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Checksum-SHA256"] = download.sha256
    return response
