"""Root URLs: admin, the kernel's operational endpoints, then each context's pages and API."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("consorcio.urls")),
    path("admin/", admin.site.urls),
    # Until the staff pages exist (identity/UI issue), the home page is the admin.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
]
