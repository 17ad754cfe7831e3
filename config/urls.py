"""Root URLs: admin, the kernel's operational endpoints, then each context's pages and API."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("consorcio.urls")),
    path("admin/", admin.site.urls),
]
