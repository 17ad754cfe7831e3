"""Staff pages of the groups context, mounted at ``/grupos/`` (namespace ``groups``)."""

from django.urls import path

from apps.groups import quota_pages, views

app_name = "groups"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="list"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/cotas/", quota_pages.quota_grid, name="quota_grid"),
    path("consorciados/<int:member_pk>/cotas/", quota_pages.member_quotas, name="member_quotas"),
]
