"""Staff pages of the reports context, mounted at ``/painel/`` (namespace ``reports``)."""

from django.urls import path

from apps.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
]
