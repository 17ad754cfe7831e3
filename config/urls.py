"""Root URLs: admin, the kernel's operational endpoints, then each context's pages and API."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from apps.reports.views import HomeView

urlpatterns = [
    path("", include("consorcio.urls")),
    # The REST API (/api/v1/, namespace "api"), its schema and docs pages.
    path("", include("config.api_urls")),
    # One sign-in page for staff pages and the admin (lockout and two-factor live there).
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("contas/", include("apps.accounts.urls")),
    path("membros/", include("apps.members.urls")),
    path("grupos/", include("apps.groups.urls")),
    path("painel/", include("apps.reports.urls")),
    path("documentos/", include("apps.documents.urls")),
    path("financeiro/", include("apps.finance.urls")),
    path("assembleias/", include("apps.draws.urls")),
    path("", HomeView.as_view(), name="home"),
]

# Error pages in Portuguese (templates/403.html, 404.html, 500.html); problem+json under /api/.
handler403 = "consorcio.views.permission_denied"
handler404 = "consorcio.views.page_not_found"
handler500 = "consorcio.views.server_error"
