"""Staff pages of the groups context, mounted at ``/grupos/`` (namespace ``groups``)."""

from django.urls import path

from apps.groups import views

app_name = "groups"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="list"),
    path("<int:pk>/", views.group_detail, name="detail"),
]
