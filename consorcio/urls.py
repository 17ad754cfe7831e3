"""Kernel endpoints: health probes, metrics and the jobs read API."""

from django.urls import URLPattern, URLResolver, path

from consorcio import health, observability, views
from consorcio.api import JobDetailView

urlpatterns: list[URLPattern | URLResolver] = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", observability.metrics_view, name="metrics"),
    path("api/v1/jobs/<uuid:job_id>/", JobDetailView.as_view(), name="job-detail"),
    # Staff pages of long jobs (progress component).
    path("tarefas/", views.JobListView.as_view(), name="jobs-list"),
    path("tarefas/<uuid:job_id>/", views.JobPageView.as_view(), name="jobs-page"),
    path("tarefas/<uuid:job_id>/progresso/", views.JobProgressView.as_view(), name="jobs-progress"),
    path("tarefas/<uuid:job_id>/cancelar/", views.JobCancelView.as_view(), name="jobs-cancel"),
]
