"""Staff pages of the documents context, mounted at ``/documentos/`` (namespace ``documents``)."""

from django.urls import path

from apps.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="list"),
    path("novo/", views.document_upload, name="upload"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/versoes/", views.version_upload, name="version_upload"),
    path("versoes/<int:pk>/link/", views.version_link, name="version_link"),
    path("baixar/<str:token>/", views.download, name="download"),
]
