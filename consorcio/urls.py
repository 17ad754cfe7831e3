"""Kernel endpoints: health probes, metrics and the jobs read API."""

from django.urls import URLPattern, URLResolver, path

from consorcio import health, observability
from consorcio.api import JobDetailView

urlpatterns: list[URLPattern | URLResolver] = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", observability.metrics_view, name="metrics"),
    path("api/v1/jobs/<uuid:job_id>/", JobDetailView.as_view(), name="job-detail"),
]
