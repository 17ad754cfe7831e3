"""The REST API: ``/api/v1/`` (namespace ``api``), its OpenAPI schema and docs pages.

Each context contributes a DRF router (its viewsets, listed by the API root) and plain
``urlpatterns`` from its ``api/urls.py``; add them to ``_CONTEXT_ROUTES``. The schema
(``/api/schema/``) and its Swagger UI (``/api/docs/``) and Redoc (``/api/redoc/``) pages are
public and served offline (drf-spectacular-sidecar); Swagger UI's start-up script is a
separate file (the split view), so the pages run under ``script-src 'self'``. The kernel's job
progress endpoint stays at ``/api/v1/jobs/<uuid>/`` (``consorcio.urls``, name ``job-detail``).
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from apps.accounts.api import urls as accounts_api
from apps.documents.api import urls as documents_api
from apps.draws.api import urls as draws_api
from apps.finance.api import urls as finance_api
from apps.groups.api import urls as groups_api
from apps.members.api import urls as members_api

_CONTEXT_ROUTES = [accounts_api, members_api, groups_api, documents_api, finance_api, draws_api]

router = DefaultRouter()
router.include_format_suffixes = False
for _module in _CONTEXT_ROUTES:
    router.registry.extend(_module.router.registry)

v1_patterns: list[URLPattern | URLResolver] = [
    *router.urls,
    *(pattern for module in _CONTEXT_ROUTES for pattern in module.urlpatterns),
]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI without inline script, Google fonts or inline styles (CSP ``'self'``)."""

    template_name = "accounts/api/swagger_ui.html"
    url_name = "api:schema"
    title = "Consórcio API — Swagger UI"


class RedocView(SpectacularRedocView):
    """Redoc without inline script or external fonts (CSP ``'self'``)."""

    template_name = "accounts/api/redoc.html"
    url_name = "api:schema"
    title = "Consórcio API — Redoc"


app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include(v1_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(), name="docs"),
    # Redoc styles itself with <style> elements (styled-components) and searches in a blob:
    # worker; scripts stay 'self' only.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            RedocView.as_view()
        ),
        name="redoc",
    ),
]
