"""Routes of the documents API, mounted under ``/api/v1/`` by ``config.api_urls``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.documents.api.views import DocumentVersionViewSet, DocumentViewSet

router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="document")
router.register("document-versions", DocumentVersionViewSet, basename="document-version")

urlpatterns: list[URLPattern | URLResolver] = []
