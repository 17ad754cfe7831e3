"""Routes of the groups API, mounted under ``/api/v1/`` by ``config.api_urls``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.groups.api.quota_views import QuotaViewSet
from apps.groups.api.views import GroupViewSet

router = SimpleRouter()
router.register("groups", GroupViewSet, basename="group")
router.register("quotas", QuotaViewSet, basename="quota")

urlpatterns: list[URLPattern | URLResolver] = []
