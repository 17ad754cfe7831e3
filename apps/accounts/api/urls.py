"""Routes of the accounts API, mounted under ``/api/v1/`` by ``config.api_urls``.

``router`` holds the viewsets (the API root lists them); ``urlpatterns`` the token endpoints.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from apps.accounts.api.views import api_clients, auth, channels

router = SimpleRouter()
router.register("api-clients", api_clients.ApiClientViewSet, basename="api-client")
router.register("sales-channels", channels.SalesChannelViewSet, basename="sales-channel")
router.register(
    "sales-representatives",
    channels.SalesRepresentativeViewSet,
    basename="sales-representative",
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", auth.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", auth.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/client-token/", auth.ClientTokenView.as_view(), name="client-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
]
