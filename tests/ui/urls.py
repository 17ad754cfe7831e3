"""URLconf of the UI tests: the project's URLs plus pages that fail on purpose."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from apps.accounts.models import SalesChannel
from config import urls as project_urls
from consorcio.ui import ChoiceFilter, Column, ListPageView


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("sem acesso")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("falha proposital")


class ChannelList(ListPageView):
    """A list page that requires a permission (to test the refusal path)."""

    template_name = "consorcio/job_list.html"
    table_id = "jobs"
    permission_required = "accounts.view_saleschannel"
    columns = (Column("name", "Nome", sort="name"), Column("is_active", "Ativo", format="bool"))
    search_fields = ("name", "code")
    filters = (
        ChoiceFilter(
            "ativo",
            "Situação",
            [("1", "Ativos"), ("0", "Inativos")],
            lookup="is_active",
            coerce=lambda value: value == "1",
        ),
    )
    default_sort = "name"

    def get_queryset(self) -> QuerySet[SalesChannel]:
        return SalesChannel.objects.all()


urlpatterns = [
    path("teste/proibido/", forbidden),
    path("teste/quebrado/", broken),
    path("api/v1/teste/quebrado/", broken),
    path("teste/canais/", ChannelList.as_view()),
    *project_urls.urlpatterns,
]

handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
