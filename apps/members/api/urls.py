"""Routes of the members API, mounted under ``/api/v1/`` by ``config.api_urls``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.members.api.views import MemberViewSet

router = SimpleRouter()
router.register("members", MemberViewSet, basename="member")

urlpatterns: list[URLPattern | URLResolver] = []
