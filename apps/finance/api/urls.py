"""Routes of the finance API, mounted under ``/api/v1/`` by ``config.api_urls``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from apps.finance.api.pix_webhook import PixWebhookView
from apps.finance.api.statement_views import (
    QuotaChargesView,
    QuotaInstallmentsView,
    QuotaStatementView,
)
from apps.finance.api.views import PaymentViewSet

router = SimpleRouter()
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns: list[URLPattern | URLResolver] = [
    path("pix/webhook/", PixWebhookView.as_view(), name="pix-webhook"),
    path(
        "quota-versions/<int:pk>/installments/",
        QuotaInstallmentsView.as_view(),
        name="quota-installments",
    ),
    path("quota-versions/<int:pk>/charges/", QuotaChargesView.as_view(), name="quota-charges"),
    path(
        "quota-versions/<int:pk>/statement/",
        QuotaStatementView.as_view(),
        name="quota-statement",
    ),
]
