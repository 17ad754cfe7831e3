"""Routes of the draws API, mounted under ``/api/v1/`` by ``config.api_urls``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.draws.api.views import AssemblyViewSet, BidViewSet

router = SimpleRouter()
router.register("assemblies", AssemblyViewSet, basename="assembly")
router.register("bids", BidViewSet, basename="bid")

urlpatterns: list[URLPattern | URLResolver] = []
